/**
 * `sip-check sweep` as a script or cron job runs it: a child process (bin/sip-check.js), the inventory from
 * SIP_CHECK_INVENTORY, credentials from the environment, SSH to simulated firewalls with mixed outcomes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FirewallEntry } from '../../src/config/types';
import { PASSWORD_ENV, TEST_PASSWORD } from '../support/harness';
import { startFleet, type Fleet } from './support';
import { expectReadOnly } from '../support/readOnly';
import { RedisServer } from '../support/redisServer';
import { connectRedis } from '../../src/redis/client';
import { RedisDeviceLocks } from '../../src/redis/locks';
import { deviceKey } from '../../src/check/locks';

const BIN = path.join(__dirname, '..', '..', 'bin', 'sip-check.js');

function inventoryYaml(entries: FirewallEntry[]): string {
  return (
    'firewalls:\n' +
    entries
      .map(
        (e) =>
          `  - name: ${e.name}\n    host: ${e.host}\n    port: ${e.port}\n    username: ${e.username}\n    password_env: ${PASSWORD_ENV}\n` +
          `    host_key: ${e.hostKey.fingerprints[0]}\n    allow: { users: [U0NETOPS] }\n` +
          (e.tags ? `    tags: [${e.tags.join(', ')}]\n` : ''),
      )
      .join('')
  );
}

describe('sip-check sweep (child process against the simulator)', () => {
  let fleet: Fleet;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    fleet = await startFleet();
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-sweep-cli-'));
    // fw-busy is a plain working firewall here: locks are per process (the bot's are not visible to the CLI).
    writeFileSync(path.join(dir, 'inventory.yml'), inventoryYaml(fleet.entries));
    env = { PATH: process.env.PATH, SIP_CHECK_INVENTORY: path.join(dir, 'inventory.yml'), [PASSWORD_ENV]: TEST_PASSWORD, SIP_CHECK_COMMAND_TIMEOUT_MS: '5000', SIP_CHECK_CONNECT_TIMEOUT_MS: '5000' };
  });
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });
  afterAll(async () => {
    await fleet.close();
  });

  function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      const c = spawn(process.execPath, [BIN, 'sweep', ...args], { cwd: dir, env: { ...env, ...extraEnv } });
      child = c;
      c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('--json prints one object in the documented shape and exits 3 when some rows are errors; --state records a baseline then the changes', async () => {
    const state = path.join(dir, 'state.json');
    const first = await run(['--json', '--state', state]);
    expect(first.code).toBe(3);
    const json = JSON.parse(first.stdout) as { generatedAt: string; firewalls: Array<Record<string, unknown>>; counts: Record<string, number>; changes: unknown[] };
    expect(Object.keys(json)).toEqual(['generatedAt', 'firewalls', 'counts', 'changes']);
    expect(Number.isNaN(Date.parse(json.generatedAt))).toBe(false);
    const alg = json.firewalls.find((f) => f.name === 'fw-alg')!;
    expect(Object.keys(alg)).toEqual(['name', 'handler', 'rule', 'hostname', 'version', 'vdoms', 'error', 'seconds']);
    expect(alg).toMatchObject({ handler: 'sip-alg', error: null, vdoms: [{ name: 'root', handler: 'sip-alg' }] });
    expect(typeof alg.seconds).toBe('number');
    expect(json.firewalls.find((f) => f.name === 'fw-helper')).toMatchObject({ handler: 'session-helper', hostname: 'FGT-BRANCH', version: expect.stringContaining('v7.2.8') });
    expect(json.firewalls.find((f) => f.name === 'fw-down')).toMatchObject({ handler: null, error: { kind: 'unreachable', message: expect.any(String) } });
    expect(json.firewalls.find((f) => f.name === 'fw-badpass')).toMatchObject({ handler: null, error: { kind: 'auth-failed' } });
    expect(json.counts).toEqual({ 'sip-alg': 2, 'session-helper': 1, none: 1, mismatch: 1, error: 2 });
    // The first run is the baseline: unreachable firewalls are reported, nothing else.
    expect(json.changes).toEqual([
      expect.objectContaining({ kind: 'unreachable', firewall: 'fw-down' }),
      expect.objectContaining({ kind: 'unreachable', firewall: 'fw-badpass' }),
    ]);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ version: 1, runs: [expect.objectContaining({ scope: 'all' })] });
    for (const sim of fleet.sims) {
      expect(sim.state.configWrites).toEqual([]);
      expectReadOnly(sim);
      expect(sim.state.debug.enables + sim.state.debug.resets).toBe(0);
    }

    // fw-alg goes away: the text report says so, and the exit status stays 3.
    await fleet.sims[0].close();
    const second = await run(['--state', state]);
    expect(second.code).toBe(3);
    expect(second.stdout).toMatch(/^Sweep of 7 firewalls in [\d.]+ s: /);
    expect(second.stdout).toMatch(/Exceptions:\n(?: {2}✘ .+\n)+/);
    expect(second.stdout).toMatch(/✘ fw-mismatch: mismatch \(R8\)/);
    expect(second.stdout).toMatch(/Changes since \d{4}-\d\d-\d\dT[\d:.]+Z:\n {2}• fw-alg: could not be read \(unreachable: /);
    expect(second.stdout).not.toMatch(/fw-down: could not be read/); // still down: said once
  }, 120_000);

  it('--tag NAME --csv prints only the tagged firewalls as CSV and exits 0 when all answered', async () => {
    const r = await run(['--tag', 'emea', '--csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('name,handler,rule,hostname,version,vdoms,error_kind,error_message,seconds');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^fw-helper,session-helper,R5,FGT-BRANCH,.*,root=session-helper,,,[\d.]+$/);
  }, 60_000);

  it('exits 2 with a clear message on bad usage and bad config', async () => {
    const both = await run(['--json', '--csv']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --csv exclude each other/);
    const badTag = await run(['--tag', 'Bad Tag!']);
    expect(badTag.code).toBe(2);
    expect(badTag.stderr).toMatch(/--tag needs a tag name/);
    const noTag = await run(['--tag', 'nowhere']);
    expect(noTag.code).toBe(2);
    expect(noTag.stderr).toMatch(/no firewall in .* is tagged nowhere/);
    const noInventory = await run(['--json'], { SIP_CHECK_INVENTORY: '' });
    expect(noInventory.code).toBe(2);
    expect(noInventory.stderr).toMatch(/SIP_CHECK_INVENTORY is not set/);
    const badConcurrency = await run([], { SIP_CHECK_SWEEP_CONCURRENCY: '9' });
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr).toMatch(/SIP_CHECK_SWEEP_CONCURRENCY=9 is more than half of SIP_CHECK_MAX_CONCURRENT=10: expected at most 5/);
  }, 120_000);

  it('a password variable the inventory names but the environment lacks is a configuration error: exit 2 before any connection', async () => {
    const loginsBefore = fleet.sims.map((sim) => sim.state.logins);
    const noPassword = await run(['--tag', 'emea'], { [PASSWORD_ENV]: '' });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toBe(`sip-check sweep: configuration problems:\n  - The password for fw-helper is missing: environment variable ${PASSWORD_ENV} is not set.\n`);
    expect(noPassword.stdout).toBe('');
    expect(fleet.sims.map((sim) => sim.state.logins)).toEqual(loginsBefore);
  }, 60_000);

  it('with SIP_CHECK_REDIS_URL a cron sweep shares the replicas\' locks: a firewall a replica is checking is busy', async () => {
    const redis = await RedisServer.start();
    const store = await connectRedis({ url: redis.url, commandTimeoutMs: 1000 });
    try {
      const busy = fleet.entries.find((e) => e.name === 'fw-busy')!;
      const held = await new RedisDeviceLocks(store, { leaseMs: 30_000 }).tryAcquire(deviceKey(busy), { requestedBy: 'U0OTHER01', startedAt: new Date('2026-12-01T10:00:00Z'), checkId: 'chk-on-replica-b' });
      if (!('lease' in held)) throw new Error('expected the lease');
      const out = await run(['--json'], { SIP_CHECK_REDIS_URL: redis.url });
      const json = JSON.parse(out.stdout) as { firewalls: Array<{ name: string; error: { kind: string; message: string } | null }> };
      expect(json.firewalls.find((f) => f.name === 'fw-busy')?.error).toMatchObject({ kind: 'busy', message: expect.stringContaining('chk-on-replica-b') });
      await held.lease.release();
      // Released on the other replica: the next cron run reads it.
      const again = JSON.parse((await run(['--json'], { SIP_CHECK_REDIS_URL: redis.url })).stdout) as typeof json;
      expect(again.firewalls.find((f) => f.name === 'fw-busy')?.error).toBeNull();
    } finally {
      await store.close();
      await redis.close();
    }
  }, 60_000);

  it('--demo sweeps the built-in simulated units without an inventory or credentials: one device listed per VDOM, one unit behind a bastion', async () => {
    const out = await run(['--demo', '--json'], { SIP_CHECK_INVENTORY: '', [PASSWORD_ENV]: '' });
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('sip-check sweep: demo: 4 simulated FortiGate entries on this machine: demo-hq-root, demo-hq-voice, demo-branch, demo-remote (through demo-bastion)\n');
    const json = JSON.parse(out.stdout) as { firewalls: Array<{ name: string; handler: string | null; hostname: string | null; error: unknown }> };
    expect(json.firewalls.map((f) => [f.name, f.hostname, f.handler, f.error])).toEqual([
      ['demo-hq-root', 'FGT-HQ', 'sip-alg', null],
      ['demo-hq-voice', 'FGT-HQ', 'mismatch', null],
      ['demo-branch', 'FGT-BRANCH', 'session-helper', null],
      ['demo-remote', 'FGT-DEMO', 'sip-alg', null],
    ]);
    const tagged = await run(['--demo', '--tag', 'hq'], { SIP_CHECK_INVENTORY: '' });
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toMatch(/^Sweep of 2 firewalls in /);
  }, 120_000);
});
