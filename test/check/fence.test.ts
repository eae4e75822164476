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

  test('the fence runs before the first debug command and again right before `diagnose debug enable`, after the journal entry', async () => {
    fw = await startFirewall();
    const journal = new MemoryJournal();
    const seen: Array<{ lastCommand: string; journalOpen: number }> = [];
    const reporter = new RecordingReporter();
    await runCheck(request('fw01', { seconds: 1 }), deps(reporter, journal, {
      fence: async () => {
        seen.push({ lastCommand: fw.sim.commandLog[fw.sim.commandLog.length - 1].command, journalOpen: journal.open.size });
      },
    }));
    expect(seen).toHaveLength(2);
    // Nothing that changes debug was sent before the first fence (reads such as `diagnose debug info` may be).
    expect(seen[0].lastCommand).not.toMatch(/^diagnose debug (?!info$)/);
    expect(seen[1]).toEqual({ lastCommand: COMMANDS.debugSip(-1), journalOpen: 1 });
    expect(reporter.finalResult?.capture.debugReset).toBe(true);
    expect(journal.open.size).toBe(0);
  });

  test("a lease already lost before the capture: not one debug command is sent (a reset would clear the new holder's capture)", async () => {
    fw = await startFirewall();
    const journal = new MemoryJournal();
    const reporter = new RecordingReporter();
    const outcome = await runCheck(request('fw01', { seconds: 1 }), deps(reporter, journal, {
      fence: async () => {
        throw new CheckError('lock-lost', 'The check stopped: this bot replica lost its lock on the firewall (another replica holds the firewall lock now).');
      },
    }));
    expect(outcome.error?.kind).toBe('lock-lost');
    expect(fw.sim.commandLog.map((c) => c.command).filter((c) => /^diagnose debug (?!info$)/.test(c))).toEqual([]);
    expect(outcome.debugReset).toBeNull();
    expect(journal.open.size).toBe(0);
    expect(reporter.failure).toMatchObject({ error: { kind: 'lock-lost' }, debugReset: null });
  });

  test('a lease lost while the levels were set: debug is never enabled, the levels are reset, the user is told', async () => {
    fw = await startFirewall();
    const journal = new MemoryJournal();
    const reporter = new RecordingReporter();
    let fences = 0;
    const outcome = await runCheck(request('fw01', { seconds: 1 }), deps(reporter, journal, {
      fence: async () => {
        if (++fences === 1) return;
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
