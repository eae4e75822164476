/**
 * Two bot replicas (child processes with the real wiring: `src/main.ts`, terminal adapter) sharing one real
 * redis-server and one simulated FortiGate: one check per firewall across replicas, the cap and the rate limit
 * across replicas, a kill -9 mid-capture recovered by the survivor, a change cut elsewhere assessed by a replica's
 * next check, and Redis stopped mid-check.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig } from '../../src/change/engine';
import { snapshotOf } from '../../src/change/plan';
import { makeSessionOpener } from '../../src/check/connect';
import { RedisChangeJournal } from '../../src/redis/changeJournal';
import { connectRedis } from '../../src/redis/client';
import { isDebugClean } from '../../src/simulator';
import { BotProcess } from '../support/bot';
import { PASSWORD_ENV, TEST_PASSWORD, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { RedisServer } from '../support/redisServer';

jest.setTimeout(120_000);

const USER = 'U0TESTER01';

/** Polls a condition of the simulated device (the test's own process) until it holds. */
async function until(what: string, condition: () => boolean, context?: BotProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${context ? `\nstdout:\n${context.stdout}\nstderr:\n${context.stderr}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('two replicas on one Redis', () => {
  let redis: RedisServer;
  const firewalls: SimulatedFirewall[] = [];
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    firewalls.push(await startFirewall({ name: 'fw01' }), await startFirewall({ name: 'fw02' }));
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) {
      if (bot.child.exitCode === null && bot.child.signalCode === null) {
        bot.kill('SIGKILL');
        await bot.exited;
      }
    }
    for (const fw of firewalls) fw.sim.state.debug = { ...fw.sim.state.debug, enabled: false, levels: {} };
    // A replica killed right after a check may still hold its lease: each test starts from an empty Redis.
    const store = await connectRedis({ url: redis.url });
    await store.client.flushall();
    await store.close();
  });
  afterAll(async () => {
    await Promise.all(firewalls.map((f) => f.sim.close()));
    await redis.close();
  });

  function inventory(dir: string): string {
    const file = path.join(dir, 'inventory.yml');
    const entries = firewalls.map((fw) => [
      `  - name: ${fw.entry.name}`,
      `    host: 127.0.0.1`,
      `    port: ${fw.entry.port}`,
      `    username: admin`,
      `    password_env: ${PASSWORD_ENV}`,
      `    host_key: ${fw.sim.hostKeyFingerprint}`,
      `    allow:`,
      `      users: [${USER}]`,
    ].join('\n'));
    writeFileSync(file, `firewalls:\n${entries.join('\n')}\n`);
    return file;
  }

  /** A replica in its own directory (own audit log, own journal file if Redis were unset). */
  async function replica(env: Record<string, string> = {}): Promise<{ bot: BotProcess; dir: string }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-replica-'));
    const bot = new BotProcess(dir, {
      SIP_CHECK_INVENTORY: inventory(dir),
      SIP_CHECK_CONSOLE_USER: USER,
      SIP_CHECK_REDIS_URL: redis.url,
      SIP_CHECK_LOCK_LEASE_MS: '3000', // renewed every second: a replica stalled for 2 s on a loaded machine keeps it
      SIP_CHECK_COMMAND_TIMEOUT_MS: '5000',
      [PASSWORD_ENV]: TEST_PASSWORD,
      ...env,
    });
    bots.push(bot);
    await bot.waitFor(/type `\/sip-check help`/);
    return { bot, dir };
  }
  const audit = (dir: string) => readFileSync(path.join(dir, 'var', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`)) ?? []).length;
  /** The result is posted before the lock and the slot are given back: wait until Redis holds neither. */
  /** No device lock held, and (unless told otherwise: a killed replica's slot stays until its lease runs out) no slot. */
  async function idle(opts: { slots?: boolean } = {}): Promise<void> {
    const store = await connectRedis({ url: redis.url });
    try {
      const deadline = Date.now() + 30_000;
      while ((opts.slots !== false && (await store.client.zcard('sip-check:slots')) > 0) || (await store.client.keys('sip-check:lock:*')).length > 0) {
        if (Date.now() > deadline) {
          const held = await store.client.keys('sip-check:lock:*');
          const values = await Promise.all(held.map((k) => store.client.get(k)));
          throw new Error(`locks or slots still held: slots ${JSON.stringify(await store.client.zrange('sip-check:slots', 0, -1))}, locks ${JSON.stringify(Object.fromEntries(held.map((k, i) => [k, values[i]])))}\n${bots.map((b, i) => `replica ${i} stdout:\n${b.stdout}\nstderr:\n${b.stderr}`).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await store.close();
    }
  }

  test('one check per firewall across replicas, and the global cap and the per-user rate limit hold across them', async () => {
    const env = { SIP_CHECK_MAX_CONCURRENT: '1', SIP_CHECK_RATE_LIMIT: '3/600' };
    const [a, b] = await Promise.all([replica(env), replica(env)]);
    // The same command on both at once: exactly one check runs, the other replica answers busy.
    a.bot.type('/sip-check fw01 seconds=3');
    b.bot.type('/sip-check fw01 seconds=3');
    await Promise.all([a.bot.waitFor(/● SIP check on fw01|A check of fw01 is already running/), b.bot.waitFor(/● SIP check on fw01|A check of fw01 is already running/)]);
    const both = a.bot.stdout + b.bot.stdout;
    expect(count(both, /● SIP check on fw01/)).toBe(1);
    expect(both).toMatch(new RegExp(`A check of fw01 is already running \\(started by <@${USER}> at \\d{4}-\\d\\d-\\d\\dT[^,]+, id [0-9a-f-]{36}\\)`));
    const [runner, other] = /● SIP check on fw01/.test(a.bot.stdout) ? [a, b] : [b, a];
    // While it runs, the other replica may not start a second check on another firewall: the cap is global.
    other.bot.type('/sip-check fw02 seconds=1');
    await other.bot.waitFor(/1 checks are already running, the most this bot runs at once/);
    await runner.bot.waitFor(/^● fw01: sip-alg/m);
    expect(isDebugClean(firewalls[0].sim.state)).toBe(true);
    expect(isDebugClean(firewalls[1].sim.state)).toBe(true);
    await idle();

    // Refusals (busy, overloaded) did not count; one start did. Two more, one on each replica, then the limit.
    other.bot.type('/sip-check fw02 seconds=1');
    await other.bot.waitFor(/^● fw02: sip-alg/m);
    await idle();
    runner.bot.type('/sip-check fw01 seconds=1');
    await until('the third check finished', () => count(runner.bot.stdout, /^● fw01: sip-alg/m) === 2, runner.bot);
    await idle();
    other.bot.type('/sip-check fw01 seconds=1');
    await other.bot.waitFor(/You have started 3 checks in the last 10 min; try again in \d+ s\./);
    expect(count(a.bot.stdout + b.bot.stdout, /● SIP check on/)).toBe(3);
  });

  test('kill -9 of the capturing replica: the other one resets debug once the lease runs out', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    a.bot.type('/sip-check fw01 seconds=60');
    await until('replica A has debug running on fw01', () => firewalls[0].sim.state.debug.enabled, a.bot);
    const store = await connectRedis({ url: redis.url });
    try {
      expect(Object.keys(await store.client.hgetall('sip-check:journal'))).toHaveLength(1);
      a.bot.kill('SIGKILL');
      expect(await a.bot.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // Replica B was never asked anything: its recovery loop takes the entry over when A's lease expires.
      await until('debug on fw01 is reset', () => isDebugClean(firewalls[0].sim.state), b.bot);
      await b.bot.waitFor(/type `\/sip-check help`/);
      await until('B audits the takeover', () => {
        try {
          return audit(b.dir).some((r) => r.event === 'recovery' && r.outcome === 'ok' && r.firewall === 'fw01' && r.debugReset === true);
        } catch {
          return false;
        }
      }, b.bot);
      expect(await store.client.hgetall('sip-check:journal')).toEqual({});
      // And the device is free again for a new check (once the recovery has let go of its lock).
      await idle({ slots: false });
      b.bot.type('/sip-check fw01 seconds=1');
      await b.bot.waitFor(/^● fw01: sip-alg/m);
    } finally {
      await store.close();
    }
  });

  test('a change cut elsewhere (an entry in Redis written by another process) is assessed once by a replica\'s recovery loop, then by its next check (partial, said and audited)', async () => {
    const { bot, dir } = await replica();
    // Another replica's change journal, as it stands after a cut: the unit is neither as the change found it nor as
    // it should leave it (a different default-voip-alg-mode in each).
    const store = await connectRedis({ url: redis.url });
    try {
      const session = await makeSessionOpener(testLimits(), firewalls[0].env)(firewalls[0].entry);
      const now = snapshotOf((await readConfig(session, 'root').finally(() => session.close())).facts, 'root');
      const journal = new RedisChangeJournal(store);
      await journal.begin({ changeId: 'chg-e1sewh3r', firewall: 'fw01', vdom: 'root', startedAt: new Date().toISOString(), commands: [], basis: { ...now, mode: 'kernel-helper-based' }, expected: { ...now, mode: 'disable' } });
      const writes = firewalls[0].sim.state.configWrites.length;
      // Its recovery loop (every half lease) reads it first, once: partial, so that process does not read it again.
      // Waiting for it, and for its lock to be let go, keeps the check below from meeting the loop's lock (busy).
      const byRecovery = () => {
        try {
          return audit(dir).filter((r) => r.event === 'recovery' && r.action === 'change' && r.via === 'recovery');
        } catch {
          return [];
        }
      };
      await until('the recovery loop assessed the entry', () => byRecovery().length > 0, bot);
      await idle({ slots: false });
      bot.type('/sip-check fw01 config');
      await bot.waitFor(/ℹ Change chg-e1sewh3r on fw01, cut mid-way \(begun [^)]+\), is partial; still different from what it should leave \(now → after the change\):\n\s*• default-voip-alg-mode: proxy-based → disable\n\s*Restore from its backup or finish it by hand; the bot does not re-apply\./);
      await bot.waitFor(/^● fw01: /m);
      const assessed = audit(dir).filter((r) => r.event === 'recovery' && r.action === 'change');
      expect(assessed).toContainEqual(expect.objectContaining({ checkId: 'chg-e1sewh3r', outcome: 'partial', via: expect.stringMatching(/^check [0-9a-f-]{36}$/), userId: USER }));
      expect(assessed.filter((r) => r.via === 'recovery')).toEqual([expect.objectContaining({ checkId: 'chg-e1sewh3r', outcome: 'partial' })]);
      expect(Object.keys(await store.client.hgetall('sip-check:changes'))).toEqual(['chg-e1sewh3r']);
      expect(firewalls[0].sim.state.configWrites.length).toBe(writes);
    } finally {
      await store.close();
    }
  });

  test('Redis stopped mid-check: the capture stops and debug is reset; new checks get a clear error', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    a.bot.type('/sip-check fw01 seconds=60');
    await until('replica A has debug running on fw01', () => firewalls[0].sim.state.debug.enabled, a.bot);
    await redis.stop();
    try {
      // The lease cannot be renewed: A stops the capture before the lease could expire, and resets debug.
      await a.bot.waitFor(/✘ The check stopped: this bot replica lost its lock on the firewall[^\n]*\n(?:[^\n]*\n)*?\s*\(debug was disabled and reset\)/);
      expect(isDebugClean(firewalls[0].sim.state)).toBe(true);
      // No new check starts without the lock, on either replica.
      b.bot.type('/sip-check fw02 seconds=1');
      await b.bot.waitFor(/✘ The bot cannot reach Redis to [^\n]*\(not connected\), so no check was started\.\n[^\n]*SIP_CHECK_REDIS_URL/);
      expect(b.bot.stdout).not.toMatch(/● SIP check on fw02/);
      expect(isDebugClean(firewalls[1].sim.state)).toBe(true);
    } finally {
      await redis.run();
    }
    // Redis is back (empty): checks start again without a restart of the bot, once it has reconnected.
    const reconnects = () => count(readFileSync(path.join(b.dir, 'var', 'sip-check.log'), 'utf8'), /"connected to Redis"/);
    await until('B reconnected to Redis', () => reconnects() >= 2, b.bot);
    b.bot.type('/sip-check fw02 seconds=1');
    await b.bot.waitFor(/^● fw02: sip-alg/m, 30_000);
  });
});
