import { TAG_NAME } from '../config/patterns';
import { loadAppConfig, type AppConfig } from '../config/env';
import { ConfigError } from '../config/errors';
import { loadInventory } from '../config/inventory';
import { connectTargetFor, makeSessionOpener } from '../check/connect';
import { FirewallLocks, Semaphore, type CheckSlots, type DeviceLocks } from '../check/locks';
import type { FirewallEntry, Inventory } from '../config/types';
import { toCheckError } from '../errors';
import { createCoordination } from '../coordination';
import { connectSsh } from '../fortigate';
import { JumpPool } from '../fortigate/jump';
import { applyRun, lastRun } from './drift';
import { jsonWithoutControls } from '../report/controls';
import { renderChangesText, renderSweepText, sweepCsv, sweepJson } from './render';
import { createFleetService, SWEEP_BY_COMMAND_LINE } from './service';
import { JsonFileStore } from './store';
import { SweepSlots, sweepShareOf } from './sweep';
import type { SweepScope } from './types';

/**
 * `sip-check sweep [--tag NAME] [--json|--csv] [--state FILE] [--demo]`: the fleet sweep for scripts and cron, with the
 * bot's inventory (SIP_CHECK_INVENTORY) and credentials from the environment. Config reads only, never debug.
 * Exit 0 when every firewall answered, 3 when some rows are errors, 2 on bad usage or config.
 */

export const SWEEP_USAGE = `Usage: sip-check sweep [--tag NAME] [--json|--csv] [--state FILE] [--demo]

Reads every firewall of the inventory (SIP_CHECK_INVENTORY; credentials from the environment, as the bot)
and prints who handles SIP on each: config reads and runtime counters only, never debug.

  --tag NAME     only the firewalls whose inventory \`tags\` hold NAME
  --json         print one JSON object: { generatedAt, firewalls: [...], counts }
  --csv          print CSV (one row per firewall)
  --state FILE   keep this run in FILE and print what changed since the previous run in it
                 (--json: under "changes"; --csv: on stderr)
  --demo         sweep built-in simulated FortiGates on this machine instead of the inventory (no firewall,
                 no credentials needed): a unit listed once per VDOM, a branch, and a unit behind an SSH bastion

Exit status: 0 every firewall answered, 3 some firewalls could not be checked, 2 bad usage or config
(including a password variable or key file the inventory names but that is missing: found before any connection).`;

export interface SweepCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress (`137/500`) goes here when it is a terminal. */
  progressTty?: boolean;
}

interface Args {
  demo?: boolean;
  tag?: string;
  format: 'text' | 'json' | 'csv';
  state?: string;
}

function parseArgs(argv: readonly string[]): Args | string {
  const args: Args = { format: 'text' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string): string | undefined => {
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) return undefined;
      i++;
      return v;
    };
    if (a === '--json' || a === '--csv') {
      const format = a === '--json' ? 'json' : 'csv';
      if (args.format !== 'text' && args.format !== format) return '--json and --csv exclude each other';
      args.format = format;
    } else if (a === '--demo') {
      args.demo = true;
    } else if (a === '--tag' || a.startsWith('--tag=')) {
      const tag = value('--tag');
      if (tag === undefined || !TAG_NAME.test(tag)) return '--tag needs a tag name: lower-case letters, digits, "_", "-", at most 32 characters';
      if (args.tag !== undefined) return '--tag is given twice';
      args.tag = tag;
    } else if (a === '--state' || a.startsWith('--state=')) {
      const file = value('--state');
      if (file === undefined || file === '' || /[\x00-\x1f\x7f]/.test(file)) return '--state needs a file path';
      if (args.state !== undefined) return '--state is given twice';
      args.state = file;
    } else {
      return a.startsWith('-') ? `unknown option ${a.slice(0, 40)}` : `unexpected argument ${a.slice(0, 40)}`;
    }
  }
  return args;
}

export async function sweepMain(argv: readonly string[], io: SweepCliIo, env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(SWEEP_USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr(`sip-check sweep: ${args}\nsee \`sip-check sweep --help\`\n`);
    return 2;
  }
  if (args.demo) return demoSweep(args, io, env);
  let config;
  let inventory;
  try {
    config = loadAppConfig(env);
    if (!config.inventoryPath) throw new ConfigError(['SIP_CHECK_INVENTORY is not set: expected the path of the inventory file the bot uses']);
    inventory = loadInventory(config.inventoryPath, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`sip-check sweep: configuration problems:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    throw e;
  }
  const scope: SweepScope = args.tag !== undefined ? { kind: 'tag', tag: args.tag } : { kind: 'all' };
  // With SIP_CHECK_REDIS_URL the bot's replicas share their locks and cap in Redis: a cron sweep takes part, so a
  // firewall a replica is checking shows as busy and the sweep counts against the same cap. Without it this process
  // runs nothing else and keeps its own.
  const coordination = config.redis ? await createCoordination(config, (level, message) => void (level === 'error' && io.stderr(`sip-check sweep: ${message}\n`))) : undefined;
  try {
    return await sweepWith({ config, inventory, scope, args, io, env, locks: coordination?.locks ?? new FirewallLocks(), cap: coordination?.slots ?? new Semaphore(config.maxConcurrent) });
  } finally {
    await coordination?.close();
  }
}

/** `--demo`: the built-in simulated units (src/fleet/demo.ts), this process's own locks, no Redis. */
async function demoSweep(args: Args, io: SweepCliIo, env: NodeJS.ProcessEnv): Promise<number> {
  let config;
  try {
    config = loadAppConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`sip-check sweep: configuration problems:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    throw e;
  }
  // Loaded only here: the simulator is not needed (nor compiled, under ts-node) for a real sweep.
  const { startDemoFleet } = await import('./demo');
  const demo = await startDemoFleet();
  try {
    const names = demo.inventory.firewalls.map((f) => `${f.name}${f.via ? ` (through ${f.via.map((h) => h.name).join(' → ')})` : ''}`);
    io.stderr(`sip-check sweep: demo: ${names.length} simulated FortiGate entries on this machine: ${names.join(', ')}\n`);
    const scope: SweepScope = args.tag !== undefined ? { kind: 'tag', tag: args.tag } : { kind: 'all' };
    return await sweepWith({ config, inventory: demo.inventory, scope, args, io, env: { ...env, ...demo.env }, locks: new FirewallLocks(), cap: new Semaphore(config.maxConcurrent) });
  } finally {
    await demo.close();
  }
}

async function sweepWith(opts: { config: AppConfig; inventory: Inventory; scope: SweepScope; args: Args; io: SweepCliIo; env: NodeJS.ProcessEnv; locks: DeviceLocks; cap: CheckSlots }): Promise<number> {
  // One connection per jump host for the whole sweep; closed at the end so the process can exit at once.
  const jumpPool = new JumpPool(connectSsh);
  try {
    return await sweepThrough({ ...opts, jumpPool });
  } finally {
    await jumpPool.close();
  }
}

async function sweepThrough(opts: { config: AppConfig; inventory: Inventory; scope: SweepScope; args: Args; io: SweepCliIo; env: NodeJS.ProcessEnv; locks: DeviceLocks; cap: CheckSlots; jumpPool: JumpPool }): Promise<number> {
  const { config, inventory, scope, args, io, env, locks, cap, jumpPool } = opts;
  const fleet = createFleetService({
    inventory,
    limits: config.limits,
    openSession: makeSessionOpener(config.limits, env, { jumpPool }),
    slots: new SweepSlots(cap, sweepShareOf(config.maxConcurrent)),
    concurrency: config.sweepConcurrency,
    locks,
    log: () => undefined,
  });
  const total = fleet.entriesFor(scope).length;
  if (total === 0) {
    io.stderr(`sip-check sweep: ${args.tag !== undefined ? `no firewall in ${inventory.source} is tagged ${args.tag}` : `${inventory.source} lists no firewall`}\n`);
    return 2;
  }
  // A credential the inventory names but the environment lacks is a configuration error, found before any connection.
  const missing = credentialProblems(fleet.entriesFor(scope), config, env);
  if (missing.length > 0) {
    io.stderr(`sip-check sweep: configuration problems:\n${missing.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const store = args.state !== undefined ? new JsonFileStore(args.state, (m) => io.stderr(`sip-check sweep: warning: ${m}\n`)) : undefined;
  // Read the state first: a state file that cannot be read is a usage problem, found before any SSH work.
  let previous;
  try {
    previous = store ? await store.load() : undefined;
  } catch (e) {
    io.stderr(`sip-check sweep: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const report = await fleet.sweep(scope, {
    requestedBy: SWEEP_BY_COMMAND_LINE,
    onProgress: io.progressTty ? (done, all) => io.stderr(`\r${done}/${all}`) : undefined,
  });
  if (io.progressTty) io.stderr('\r');
  let changes;
  if (store && previous) {
    const since = lastRun(previous)?.at;
    const applied = applyRun(previous, report, { complete: scope.kind === 'all' });
    await store.save(applied.state);
    changes = { since, list: applied.changes };
  }
  if (args.format === 'json') {
    io.stdout(jsonWithoutControls(JSON.stringify(sweepJson(report, changes?.list), null, 2)) + '\n');
  } else if (args.format === 'csv') {
    io.stdout(sweepCsv(report));
    if (changes) io.stderr(renderChangesText(changes) + '\n');
  } else {
    io.stdout(renderSweepText(report, changes) + '\n');
  }
  return report.rows.some((r) => r.error) ? 3 : 0;
}

/** Every unset password variable, unreadable key file or known_hosts file of the firewalls in scope and their jump hosts, once each. */
function credentialProblems(entries: readonly FirewallEntry[], config: AppConfig, env: NodeJS.ProcessEnv): string[] {
  const problems = new Set<string>();
  const seen = new Set<string>();
  for (const entry of entries) {
    for (const host of [...(entry.via ?? []), entry]) {
      if (seen.has(host.name)) continue;
      seen.add(host.name);
      try {
        connectTargetFor(host, config.limits, env);
      } catch (e) {
        problems.add(toCheckError(e).message);
      }
    }
  }
  return [...problems];
}
