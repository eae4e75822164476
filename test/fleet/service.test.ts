/** Fleet service policy: one sweep per user, the sweep's share of the global cap, shutdown. Real SSH to the simulator. */
import { makeSessionOpener } from '../../src/check/connect';
import { FirewallLocks, Semaphore } from '../../src/check/locks';
import type { SessionOpener } from '../../src/check/run';
import type { Requester } from '../../src/check/types';
import type { FirewallEntry } from '../../src/config/types';
import { createFleetService, SWEEP_BY_COMMAND_LINE } from '../../src/fleet/service';
import { busyError, deviceKey } from '../../src/check/locks';
import { SweepSlots, sweepShareOf } from '../../src/fleet/sweep';
import type { SweepReport, SweepReporter } from '../../src/fleet/types';
import { testLimits } from '../support/harness';
import { startFleet, USER, type Fleet } from './support';

class Recorder implements SweepReporter {
  progressed: string[] = [];
  report?: SweepReport;
  async start() {}
  async progress(done: number, total: number) {
    this.progressed.push(`${done}/${total}`);
  }
  async result(report: SweepReport) {
    this.report = report;
  }
}

/** The real opener, held at a gate so a test decides when sessions may open. */
function gatedOpener(real: SessionOpener) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const opener: SessionOpener = async (entry: FirewallEntry) => {
    waiting++;
    await gate;
    return real(entry);
  };
  return { opener, open: () => open(), get waiting() { return waiting; } };
}

const requester: Requester = { userId: USER, channelId: 'C0VOIP', adapter: 'slack' };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('fleet service', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet();
  });
  afterAll(async () => {
    await fleet.close();
  });

  it('runs one sweep per user at a time, holds at most its share of the cap, and leaves the rest to checks', async () => {
    const limits = testLimits();
    const gate = gatedOpener(makeSessionOpener(limits, fleet.env));
    const global = new Semaphore(4);
    const slots = new SweepSlots(global, sweepShareOf(4), 1);
    const service = createFleetService({ inventory: { source: 't', firewalls: fleet.entries.filter((e) => e.name !== 'fw-down') }, limits, openSession: gate.opener, slots, concurrency: 5, locks: new FirewallLocks(), log: () => undefined });
    const reporter = new Recorder();
    const first = await service.handle({ kind: 'sweep', scope: { kind: 'all' } }, requester, () => reporter);
    expect(first).toMatchObject({ kind: 'started', total: 6 });
    while (gate.waiting < 2) await tick();
    // concurrency 5, but the share of a cap of 4 is 2: two sessions wait at the gate, the rest wait for a slot
    expect(slots.inUse).toBe(2);
    expect(global.inUse).toBe(2);
    // a single check still gets a slot
    const check = global.take();
    expect(check).not.toBeNull();
    const second = await service.handle({ kind: 'sweep', scope: { kind: 'tag', tag: 'branch' } }, requester, () => new Recorder());
    expect(second).toMatchObject({ kind: 'rejected', error: { kind: 'busy', message: expect.stringMatching(/one sweep per user at a time/) } });
    // a user who may check nothing is refused, whatever runs
    const other = await service.handle({ kind: 'sweep', scope: { kind: 'tag', tag: 'emea' } }, { ...requester, userId: 'U0SECOND' }, () => new Recorder());
    expect(other.kind).toBe('rejected'); // U0SECOND may check nothing
    gate.open();
    if (first.kind === 'started') await first.done;
    check!();
    expect(global.inUse).toBe(0);
    expect(reporter.progressed.at(-1)).toBe('6/6');
    expect(reporter.report?.rows.map((r) => r.error?.kind ?? r.handler)).toEqual(['sip-alg', 'session-helper', 'none', 'mismatch', 'auth-failed', 'sip-alg']);
    // The row that could not be read carries what chat may show beside the whole message.
    expect(reporter.report?.rows[4].error?.chat).toBe("SSH authentication failed: the firewall refused the bot's login.");
    // the user may sweep again once the first is done
    const again = await service.handle({ kind: 'sweep', scope: { kind: 'tag', tag: 'emea' } }, requester, () => new Recorder());
    expect(again.kind).toBe('started');
    if (again.kind === 'started') await again.done;
  }, 60_000);

  it('waits for a slot instead of failing when checks fill the cap', async () => {
    const limits = testLimits();
    const global = new Semaphore(2);
    const held = [global.take()!, global.take()!];
    const slots = new SweepSlots(global, 1, 1);
    const service = createFleetService({ inventory: { source: 't', firewalls: fleet.entries.filter((e) => e.name === 'fw-alg') }, limits, openSession: makeSessionOpener(limits, fleet.env), slots, concurrency: 1, log: () => undefined });
    const pending = service.sweep({ kind: 'all' });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(slots.inUse).toBe(0);
    held[0]();
    const report = await pending;
    held[1]();
    expect(report.rows[0]).toMatchObject({ name: 'fw-alg', handler: 'sip-alg' });
  }, 60_000);

  it('stops starting firewalls on shutdown: the rest are cancelled rows, and new sweeps are refused', async () => {
    const limits = testLimits();
    const gate = gatedOpener(makeSessionOpener(limits, fleet.env));
    const service = createFleetService({ inventory: { source: 't', firewalls: fleet.entries.filter((e) => e.name !== 'fw-down') }, limits, openSession: gate.opener, slots: new SweepSlots(new Semaphore(10), 5, 1), concurrency: 1, log: () => undefined });
    const pending = service.sweep({ kind: 'all' });
    while (gate.waiting < 1) await tick();
    const stopped = service.shutdown(10_000);
    gate.open();
    await stopped;
    const report = await pending;
    expect(report.rows[0].error?.kind ?? report.rows[0].handler).toMatch(/sip-alg|cancelled/);
    expect(report.rows.slice(1).every((r) => r.error?.kind === 'cancelled')).toBe(true);
    expect(await service.handle({ kind: 'sweep', scope: { kind: 'all' } }, requester, () => new Recorder())).toMatchObject({ kind: 'rejected', error: { kind: 'shutdown' } });
  }, 60_000);

  it('a sweep without a user holds each device in the name of who started it: the watch by default, or the command line', async () => {
    const alg = fleet.entries.find((e) => e.name === 'fw-alg')!;
    const said: string[] = [];
    for (const requestedBy of [undefined, SWEEP_BY_COMMAND_LINE]) {
      const locks = new FirewallLocks();
      const gated = gatedOpener(makeSessionOpener(testLimits(), fleet.env));
      const service = createFleetService({
        inventory: { source: 'test', firewalls: [alg] },
        limits: testLimits(),
        openSession: gated.opener,
        slots: new SweepSlots(undefined, 1),
        concurrency: 1,
        locks,
        log: () => undefined,
      });
      const done = service.sweep({ kind: 'all' }, requestedBy ? { requestedBy } : {});
      while (gated.waiting < 1) await tick();
      // What a check of fw-alg would be told right now.
      said.push(busyError('fw-alg', locks.holder(deviceKey(alg))!).message);
      gated.open();
      await done;
    }
    expect(said[0]).toMatch(/^A sweep is already reading fw-alg \(started by the drift watch at .*, id sweep-[0-9a-f-]{36}\)\.$/);
    expect(said[1]).toMatch(/^A sweep is already reading fw-alg \(started by sip-check sweep \(command line\) at /);
  }, 60_000);
});
