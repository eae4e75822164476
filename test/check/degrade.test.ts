/**
 * Degrade gracefully (issue 11 §3): when the link drops or a command hangs after the configuration was read, the
 * user still gets the verdict from what was read, the SIP summary of the capture so far with "capture cut short
 * after N lines: <why>", and the debug-cleanup report. Against the simulator's drop and hang faults.
 */
import { runCheck, type RunOutcome } from '../../src/check/run';
import { buildFinalParentMessage, buildVerdictMessage, verdictOneLiner } from '../../src/adapters/slack/blocks';
import type { CheckLimits } from '../../src/config/types';
import { isDebugClean } from '../../src/simulator';
import type { Faults } from '../../src/simulator';
import type { ProgressUpdate } from '../../src/check/types';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { CheckError } from '../../src/errors';
import type { TaskRunner } from '../../src/workers/pool';

jest.setTimeout(30_000);
/**
 * Every command of these checks waits at most this long: long enough that a stall of a loaded 2-core CI machine is
 * not taken for a hang (0.8 s left little room), short enough that the hang rows stay quick.
 */
const HANG_TIMEOUT_MS = 2000;

describe('a check cut short still answers from what was read', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
    fw = undefined;
  });

  async function check(opts: { faults?: Partial<Faults>; limits?: Partial<CheckLimits>; seconds?: number; onProgress?: (u: ProgressUpdate, f: SimulatedFirewall) => void }) {
    const f = (fw = await startFirewall({ faults: opts.faults }));
    const limits = testLimits(opts.limits);
    const reporter = new RecordingReporter({}, (u) => opts.onProgress?.(u, f));
    const journal = new MemoryJournal();
    const outcome: RunOutcome = await runCheck(request('fw01', { seconds: opts.seconds ?? 2 }), {
      entry: f.entry, limits, openSession: openerFor(f, limits), reporter, journal,
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined,
    });
    // Whatever happened, the firewall is left clean and the user got an answer, not an error.
    expect(isDebugClean(f.sim.state)).toBe(true);
    expect(f.sim.state.configWrites).toEqual([]);
    expect(journal.open.size).toBe(0);
    expect(outcome.error).toBeUndefined();
    expect(reporter.failure).toBeUndefined();
    expect(reporter.finalResult).toBe(outcome.result);
    return { outcome, reporter, result: outcome.result! };
  }

  test('the link drops mid-capture: verdict, the SIP summary of the lines read, the reset report', async () => {
    const { outcome, reporter, result } = await check({ faults: { dropOn: { debugLines: 40 } }, seconds: 5 });
    expect(outcome.debugReset).toBe(true);
    expect(result.verdict.handler).toBe('sip-alg');
    expect(result.cutShort).toMatchObject({ kind: 'disconnected', phase: 'capture', debugReset: true });
    const lines = result.cutShort!.lines!;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThanOrEqual(40);
    expect(result.capture).toMatchObject({ stoppedBy: 'cut-short', lines, debugReset: true });
    expect(result.sip.lines.total).toBe(lines);
    expect(result.sip.messages).toBeGreaterThan(0);
    // The thread says where and why, first, then how debug was cleaned up.
    expect(reporter.notes[0]).toMatch(new RegExp(`^Capture cut short after ${lines} lines: fw01: `));
    expect(reporter.notes.join('\n')).toMatch(/reconnected and reset debug/);
    const card = JSON.stringify(buildVerdictMessage(result).blocks);
    expect(card).toContain(`Capture: ${lines} lines`);
    expect(card).toContain('cut short; debug disabled and reset on the firewall (confirmed)');
    expect(verdictOneLiner(result)).toContain('check cut short');
    expect(JSON.stringify(buildFinalParentMessage(result, { maxSeconds: 60 }).blocks)).toContain('The check was cut short; this answer comes from what was read.');
    // The raw capture so far is attached.
    expect(result.attachments.some((a) => a.filename.includes('sip-debug'))).toBe(true);
  });

  test('a command hangs before the capture (debug already being set up): verdict, no capture, debug reset', async () => {
    const { outcome, reporter, result } = await check({ faults: { hangOn: 'diagnose debug application sip' }, limits: { commandTimeoutMs: HANG_TIMEOUT_MS } });
    expect(outcome.debugReset).toBe(true);
    expect(result.verdict.handler).toBe('sip-alg');
    expect(result.cutShort).toMatchObject({ kind: 'timeout', phase: 'before-capture' });
    expect(result.cutShort!.reason).toContain('`diagnose debug application sip -1`');
    expect(result.capture.stoppedBy).toBe('not-run');
    expect(result.sip.messages).toBe(0);
    expect(reporter.notes[0]).toMatch(/^The check was cut short before the SIP capture: fw01: no prompt within 2 s after `diagnose debug application sip -1`/);
    expect(JSON.stringify(buildVerdictMessage(result).blocks)).toContain('Capture: none (the check was cut short before it); debug disabled and reset on the firewall (confirmed)');
  });

  test('the closing diagnose debug disable hangs: the whole capture is summarised, the cut named after it', async () => {
    const { result, reporter } = await check({
      limits: { commandTimeoutMs: HANG_TIMEOUT_MS },
      onProgress: (u, f) => {
        if (u.phase === 'capturing') f.sim.setFaults({ hangOn: 'diagnose debug disable' });
        if (u.phase === 'cleaning-up') f.sim.setFaults({ hangOn: undefined });
      },
    });
    expect(result.cutShort).toMatchObject({ kind: 'timeout', phase: 'capture' });
    expect(result.sip.messages).toBeGreaterThan(0);
    expect(reporter.notes[0]).toMatch(/^Capture cut short after \d+ lines: .*diagnose debug disable/);
  });

  test('the diagnose debug reset after a complete capture hangs: cut short after the capture, reset on a new session', async () => {
    const { result, reporter, outcome } = await check({
      limits: { commandTimeoutMs: HANG_TIMEOUT_MS },
      onProgress: (u, f) => {
        if (u.phase === 'capturing') f.sim.setFaults({ hangOn: 'diagnose debug reset' });
        if (u.phase === 'cleaning-up') f.sim.setFaults({ hangOn: undefined });
      },
    });
    expect(outcome.debugReset).toBe(true);
    expect(result.cutShort).toMatchObject({ kind: 'timeout', phase: 'after-capture' });
    expect(result.capture.stoppedBy).toBe('window');
    expect(result.cutShort!.lines).toBe(result.capture.lines);
    expect(reporter.notes[0]).toMatch(/^The check was cut short after the capture \(\d+ lines\): .*diagnose debug reset/);
    expect(JSON.stringify(buildVerdictMessage(result).blocks)).toContain('complete; the check was cut short after it; debug disabled and reset on the firewall (confirmed)');
  });

  test('a check that runs to its end is not marked cut short', async () => {
    const { result } = await check({});
    expect(result.cutShort).toBeUndefined();
    expect(result.capture.stoppedBy).toBe('window');
  });
});

describe('an error alone when nothing useful was read', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
    fw = undefined;
  });

  test('the link drops while the policies are read: no verdict can be given', async () => {
    fw = await startFirewall({ faults: { dropOn: { command: 'show firewall policy' } } });
    const reporter = new RecordingReporter();
    const outcome = await runCheck(request('fw01', { seconds: 1 }), {
      entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal: new MemoryJournal(),
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined,
    });
    expect(outcome.result).toBeUndefined();
    expect(outcome.error?.kind).toBe('disconnected');
    expect(reporter.finalResult).toBeUndefined();
    expect(reporter.failure?.error.kind).toBe('disconnected');
  });

  test('cut short, no way back in, then the analysis fails: the user is told the reset is unconfirmed, with the notes', async () => {
    const f = (fw = await startFirewall({ faults: { dropOn: { debugLines: 40 } } }));
    const limits = testLimits();
    const open = openerFor(f, limits);
    let logins = 0;
    // The first login works; the reconnect that would reset debug finds the firewall unreachable.
    const openSession: typeof open = async (entry) => {
      if (++logins > 1) throw new CheckError('unreachable', `${entry.name} is unreachable (test)`);
      return open(entry);
    };
    const failingTasks: TaskRunner = { run: async () => Promise.reject(new CheckError('internal', 'the worker running the analysis crashed (exit code 3)')) };
    const reporter = new RecordingReporter();
    const journal = new MemoryJournal();
    const outcome = await runCheck(request('fw01', { seconds: 5 }), {
      entry: f.entry, limits, openSession, reporter, journal, tasks: failingTasks,
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined,
    });
    expect(outcome.debugReset).toBe(false);
    expect(outcome.error?.message).toMatch(/The analysis failed: .*crashed.*the debug reset could not be confirmed/);
    expect(outcome.error?.message).not.toMatch(/debug is reset/);
    const notes = reporter.events.flatMap((e) => (e.type === 'note' ? [e.text] : []));
    expect(notes.join('\n')).toMatch(/could not reconnect to fw01 to reset debug/);
    expect(notes.join('\n')).toMatch(/Capture cut short after \d+ lines/);
    // The entry stays for recovery to retry.
    expect(journal.open.size).toBe(1);
    expect(isDebugClean(f.sim.state)).toBe(false);
  });
});
