/**
 * The crash journal is written while the capture's leading `diagnose debug disable` / `reset` run (they switch
 * nothing on), and the check waits for it before the first command that does. Against the simulator, with a slow
 * journal and a failing one.
 */
import { runCheck } from '../../src/check/run';
import { isDebugClean } from '../../src/simulator';
import { RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

describe('journal before debug', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
    fw = undefined;
  });

  async function check(begin: () => Promise<void>) {
    fw = await startFirewall();
    const limits = testLimits();
    const finished: string[] = [];
    const outcome = await runCheck(request('fw01', { seconds: 1 }), {
      entry: fw.entry,
      limits,
      openSession: openerFor(fw, limits),
      reporter: new RecordingReporter(),
      journal: { begin, finish: (id) => void finished.push(id) },
      signal: new AbortController().signal,
      now: () => new Date(),
      log: () => undefined,
    });
    return { outcome, finished, sim: fw.sim };
  }

  it('a slow journal write delays debug until it is durable', async () => {
    let seenAtDurable: { enables: number; levels: number } | undefined;
    const { outcome, finished, sim } = await check(
      () =>
        new Promise((resolve) =>
          setTimeout(() => {
            seenAtDurable = { enables: fw!.sim.state.debug.enables, levels: Object.keys(fw!.sim.state.debug.levels).length };
            resolve();
          }, 300),
        ),
    );
    expect(seenAtDurable).toEqual({ enables: 0, levels: 0 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.debugReset).toBe(true);
    expect(finished).toHaveLength(1);
    expect(sim.state.debug.enables).toBe(1);
    expect(isDebugClean(sim.state)).toBe(true);
  });

  it('a journal that cannot be written: the check fails and debug is never switched on', async () => {
    const { outcome, sim } = await check(() => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('ENOSPC: no space left on device')), 100)));
    expect(outcome.error?.message).toMatch(/ENOSPC/);
    expect(outcome.debugReset).toBeNull();
    expect(sim.state.debug.enables).toBe(0);
    expect(isDebugClean(sim.state)).toBe(true);
  });
});
