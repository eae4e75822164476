import { TAG_NAME } from '../config/patterns';
import { loadAppConfig, type AppConfig } from '../config/env';
import { ConfigError } from '../config/errors';
import { loadInventory } from '../config/inventory';
import { makeSessionOpener } from '../check/connect';
import { FirewallLocks, Semaphore, type CheckSlots, type DeviceLocks } from '../check/locks';
import type { Inventory } from '../config/types';
import { createCoordination } from '../coordination';
import { applyRun, lastRun } from './drift';
import { jsonWithoutControls } from '../report/controls';
import { renderChangesText, renderSweepText, sweepCsv, sweepJson } from './render';
import { createFleetService } from './service';
import { JsonFileStore } from './store';
import { SweepSlots, sweepShareOf } from './sweep';
import type { SweepScope } from './types';

/**
 * `sip-check sweep [--tag NAME] [--json|--csv] [--state FILE]`: the fleet sweep for scripts and cron, with the
 * bot's inventory (SIP_CHECK_INVENTORY) and credentials from the environment. Config reads only, never debug.
 * Exit 0 when every firewall answered, 3 when some rows are errors, 2 on bad usage or config.
 */

export const SWEEP_USAGE = `Usage: sip-check sweep [--tag NAME] [--json|--csv] [--state FILE]

Reads every firewall of the inventory (SIP_CHECK_INVENTORY; credentials from the environment, as the bot)
and prints who handles SIP on each: config reads and runtime counters only, never debug.

  --tag NAME     only the firewalls whose inventory \`tags\` hold NAME
  --json         print one JSON object: { generatedAt, firewalls: [...], counts }
  --csv          print CSV (one row per firewall)
  --state FILE   keep this run in FILE and print what changed since the previous run in it
                 (--json: under "changes"; --csv: on stderr)

Exit status: 0 every firewall answered, 3 some firewalls could not be checked, 2 bad usage or config.`;

export interface SweepCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress (`137/500`) goes here when it is a terminal. */
  progressTty?: boolean;
}

interface Args {
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
    io.stderr(`sip-check sweep: ${args}\n\n${SWEEP_USAGE}\n`);
    return 2;
  }
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

async function sweepWith(opts: { config: AppConfig; inventory: Inventory; scope: SweepScope; args: Args; io: SweepCliIo; env: NodeJS.ProcessEnv; locks: DeviceLocks; cap: CheckSlots }): Promise<number> {
  const { config, inventory, scope, args, io, env, locks, cap } = opts;
  const fleet = createFleetService({
    inventory,
    limits: config.limits,
    openSession: makeSessionOpener(config.limits, env),
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
