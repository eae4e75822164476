import { makeSessionOpener } from '../../src/check/connect';
import { FirewallLocks, Semaphore } from '../../src/check/locks';
import path from 'node:path';
import { assertNoDebug, sweepFirewall } from '../../src/fleet/collect';
import { COMMANDS } from '../../src/fortios/cli';
import { runSweep, SweepSlots, countRows, groupByDevice } from '../../src/fleet/sweep';
import { isDebugClean } from '../../src/simulator';
import { openerFor, startFirewall, testLimits } from '../support/harness';
import { deviceKey } from '../../src/check/locks';
import { startFleet, type Fleet } from './support';
import { expectReadOnly } from '../support/readOnly';

describe('sweep against simulated firewalls with mixed outcomes', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet();
  });
  afterAll(async () => {
    await fleet.close();
  });

  it('gives one row per firewall: each handler, unreachable, wrong password, busy; never a debug command or a config write', async () => {
    const limits = testLimits();
    const openSession = makeSessionOpener(limits, fleet.env);
    const locks = new FirewallLocks();
    const busy = fleet.entries.find((e) => e.name === 'fw-busy')!;
    const release = locks.acquire(`${busy.host}:${busy.port}`, { requestedBy: 'U0OTHER', startedAt: new Date(), checkId: 'chk-1' });
    expect(typeof release).toBe('function');
    const global = new Semaphore(10);
    const rows = await runSweep(fleet.entries, {
      collect: (entry, signal) => sweepFirewall(entry, { openSession, limits, signal }),
      concurrency: 3,
      slots: new SweepSlots(global, 5),
      locks,
      holder: { requestedBy: 'U0NETOPS', startedAt: new Date(), checkId: 'sweep-1' },
      signal: new AbortController().signal,
    });
    (release as () => void)();
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(rows.map((r) => r.name)).toEqual(fleet.entries.map((e) => e.name));
    expect(byName['fw-alg']).toMatchObject({ handler: 'sip-alg', error: null, hostname: expect.any(String) });
    expect(byName['fw-helper']).toMatchObject({ handler: 'session-helper', hostname: 'FGT-BRANCH', error: null });
    expect(byName['fw-none']).toMatchObject({ handler: 'none', error: null });
    expect(byName['fw-mismatch']).toMatchObject({ handler: 'mismatch', error: null });
    expect(byName['fw-down'].error?.kind).toBe('unreachable');
    expect(byName['fw-badpass'].error?.kind).toBe('auth-failed');
    expect(byName['fw-busy'].error?.kind).toBe('busy');
    expect(byName['fw-busy'].error?.message).toMatch(/chk-1/);
    expect(countRows(rows)).toEqual({ 'sip-alg': 1, 'session-helper': 1, none: 1, mismatch: 1, error: 3 });
    expect(byName['fw-helper'].configLines).toEqual(expect.arrayContaining(['root: system settings: set default-voip-alg-mode kernel-helper-based']));
    expect(global.inUse).toBe(0);
    for (const sim of fleet.sims) {
      expect(sim.state.configWrites).toEqual([]);
      expectReadOnly(sim);
      expect(sim.state.debug.enables).toBe(0);
      expect(sim.state.debug.resets).toBe(0);
      expect(isDebugClean(sim.state)).toBe(true);
      expect(sim.commandLog.filter((c) => /debug/.test(c.command))).toEqual([]);
    }
  });
});

describe('sweepFirewall on a multi-VDOM unit', () => {
  // Like the check (src/check/vdoms.ts), the sweep reads every VDOM the unit lists, and only those.
  it('reads the session helpers under config global and every listed VDOM, naming the VDOM in the config lines', async () => {
    const fw = await startFirewall({ scenario: path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios', 'fw-multi-vdom.txt'), name: 'fw-dc' });
    try {
      const row = await sweepFirewall(fw.entry, { openSession: openerFor(fw), limits: testLimits() });
      expect(row.error).toBeNull();
      expect(row.vdoms.map((v) => v.name)).toEqual(['voice', 'root']);
      expect(row.configLines.some((l) => l.startsWith('root: system settings: set '))).toBe(true);
      expect(row.configLines.some((l) => l.startsWith('global: session-helper '))).toBe(true);
      expect(fw.sim.commandLog.filter((c) => c.command === COMMANDS.firewallPolicy).map((c) => c.context)).toEqual(['voice', 'root']);
      expect(fw.sim.commandLog.filter((c) => c.command === COMMANDS.sessionHelper).map((c) => c.context)).toEqual(['global']);
      expect(fw.sim.state.debug.enables + fw.sim.state.debug.resets).toBe(0);
      expect(fw.sim.state.configWrites).toEqual([]);
      expectReadOnly(fw.sim);
    } finally {
      await fw.sim.close();
    }
  });
});

describe('assertNoDebug', () => {
  it.each([COMMANDS.debugEnable, COMMANDS.debugReset, COMMANDS.debugSip(-1), 'diag debug enable', 'DIAGNOSE  DEBUG  enable'])('refuses %j', (command) => {
    expect(() => assertNoDebug(command)).toThrow(/the sweep refused a debug command/);
  });
  it.each([COMMANDS.sipProxyStats, COMMANDS.sessionList, COMMANDS.systemStatus])('passes %j', (command) => {
    expect(assertNoDebug(command)).toBe(command);
  });
});

describe('inventory entries that share a device (one per VDOM, as the README recommends)', () => {
  it('are read one after another inside a sweep under one lock, never refused as busy by the sweep itself', async () => {
    const a = await startFirewall({ name: 'fw-sim' });
    const b = await startFirewall({ name: 'fw-other' });
    try {
      const again = { ...a.entry, name: 'fw-sim-again' };
      const entries = [a.entry, b.entry, again];
      expect(groupByDevice(entries)).toEqual([[0, 2], [1]]);
      const limits = testLimits();
      const openSession = makeSessionOpener(limits, a.env);
      const locks = new FirewallLocks();
      const reading = new Map<string, number>();
      let mostAtOnce = 0;
      const rows = await runSweep(entries, {
        collect: async (entry, signal) => {
          const key = deviceKey(entry);
          reading.set(key, (reading.get(key) ?? 0) + 1);
          mostAtOnce = Math.max(mostAtOnce, reading.get(key)!);
          try {
            return await sweepFirewall(entry, { openSession, limits, signal });
          } finally {
            reading.set(key, reading.get(key)! - 1);
          }
        },
        concurrency: 3,
        slots: new SweepSlots(new Semaphore(10), 5),
        locks,
        holder: { requestedBy: 'sip-check sweep (command line)', startedAt: new Date(), checkId: 'sweep-cli' },
        signal: new AbortController().signal,
      });
      expect(rows.map((r) => [r.name, r.error?.message ?? r.handler])).toEqual([
        ['fw-sim', 'sip-alg'],
        ['fw-other', 'sip-alg'],
        ['fw-sim-again', 'sip-alg'],
      ]);
      expect(mostAtOnce).toBe(1);
      expect(a.sim.state.logins).toBe(2);
      expect(locks.entries()).toEqual([]);
    } finally {
      await Promise.all([a.sim.close(), b.sim.close()]);
    }
  });

  it('a device held by a check makes every entry of it a busy row, naming the holder', async () => {
    const a = await startFirewall({ name: 'fw-sim' });
    try {
      const entries = [a.entry, { ...a.entry, name: 'fw-sim-again' }];
      const locks = new FirewallLocks();
      locks.acquire(deviceKey(a.entry), { requestedBy: 'U0OTHER01', startedAt: new Date('2026-12-01T10:00:00Z'), checkId: 'chk-1' });
      const rows = await runSweep(entries, {
        collect: () => Promise.reject(new Error('must not be read')),
        concurrency: 2,
        slots: new SweepSlots(undefined, 2),
        locks,
        holder: { requestedBy: 'the drift watch', startedAt: new Date(), checkId: 'sweep-w' },
        signal: new AbortController().signal,
      });
      expect(rows.map((r) => `${r.name}: ${r.error?.message}`)).toEqual([
        'fw-sim: A check of fw-sim is already running (started by <@U0OTHER01> at 2026-12-01T10:00:00.000Z, id chk-1).',
        'fw-sim-again: A check of fw-sim-again is already running (started by <@U0OTHER01> at 2026-12-01T10:00:00.000Z, id chk-1).',
      ]);
    } finally {
      await a.sim.close();
    }
  });
});
