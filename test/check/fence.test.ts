/**
 * The lease's two hooks into a live check (replicas, src/redis/locks.ts): the fence awaited just before
 * `diagnose debug enable`, and a lost lease aborting a capture that already runs. Against the simulator.
 */
import { runCheck } from '../../src/check/run';
import { CheckError } from '../../src/errors';
import { COMMANDS } from '../../src/fortios/cli';
import { isDebugClean } from '../../src/simulator';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

describe('fencing a check with its lease', () => {
  let fw: SimulatedFirewall;
  afterEach(() => fw.sim.close());

  const deps = (reporter: RecordingReporter, journal: MemoryJournal, extra: { fence?: () => Promise<void>; signal?: AbortSignal } = {}) => ({
    entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal,
    signal: extra.signal ?? new AbortController().signal, now: () => new Date(), log: () => undefined, fence: extra.fence,
  });

  test('the fence runs once, after the journal entry and the debug levels, right before `diagnose debug enable`', async () => {
    fw = await startFirewall();
    const journal = new MemoryJournal();
    const seen: Array<{ lastCommand: string; journalOpen: number }> = [];
    const reporter = new RecordingReporter();
    await runCheck(request('fw01', { seconds: 1 }), deps(reporter, journal, {
      fence: async () => {
        seen.push({ lastCommand: fw.sim.commandLog[fw.sim.commandLog.length - 1].command, journalOpen: journal.open.size });
      },
    }));
    expect(seen).toEqual([{ lastCommand: COMMANDS.debugSip(-1), journalOpen: 1 }]);
    expect(reporter.finalResult?.capture.debugReset).toBe(true);
    expect(journal.open.size).toBe(0);
  });

  test('a lost lease at the fence: debug is never enabled, the levels are reset, the user is told', async () => {
    fw = await startFirewall();
    const journal = new MemoryJournal();
    const reporter = new RecordingReporter();
    const outcome = await runCheck(request('fw01', { seconds: 1 }), deps(reporter, journal, {
      fence: async () => {
        throw new CheckError('lock-lost', 'The check stopped: this bot replica lost its lock on the firewall (another replica holds the firewall lock now).');
      },
    }));
    expect(outcome.error?.kind).toBe('lock-lost');
    expect(fw.sim.state.debug.enables).toBe(0);
    expect(fw.sim.commandLog.map((c) => c.command)).not.toContain(COMMANDS.debugEnable);
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(outcome.debugReset).toBe(true);
    expect(journal.open.size).toBe(0);
    expect(reporter.failure).toMatchObject({ error: { kind: 'lock-lost' }, debugReset: true });
  });

  test('a lease lost while capturing stops the capture at once and resets debug', async () => {
    fw = await startFirewall();
    const journal = new MemoryJournal();
    const controller = new AbortController();
    const reporter = new RecordingReporter({}, (update) => {
      if (update.phase === 'capturing') controller.abort(new CheckError('lock-lost', 'The check stopped: this bot replica lost its lock on the firewall (Redis did not answer before the lease ran out).'));
    });
    const outcome = await runCheck(request('fw01', { seconds: 60 }), deps(reporter, journal, { signal: controller.signal }));
    expect(outcome.error?.kind).toBe('lock-lost');
    expect(fw.sim.state.debug.enables).toBe(1);
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(outcome.debugReset).toBe(true);
    expect(journal.open.size).toBe(0);
  });
});
