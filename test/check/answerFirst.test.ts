/**
 * Issue 23, against the simulated FortiGate: the verdict from the configuration reaches the reporter before any
 * `diagnose debug` line reaches the device, the result then confirms or changes it, and a `config` check sends no
 * `diagnose debug` line at all (not even `diagnose debug info`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCheck } from '../../src/check/run';
import type { CheckRequest } from '../../src/check/types';
import { settleConfigVerdict } from '../../src/report/verdictChange';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';

const HELPER_SCENARIO = path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios', 'fw-helper.txt');

/** Every line the device received that starts `diagnose debug` (or `diag debug`), reads included. */
function debugLines(fw: SimulatedFirewall): string[] {
  return fw.sim.commandLog.map((e) => e.command).filter((c) => /^diag(?:nose)?\s+debug\b/.test(c));
}

/**
 * fw-helper (config: the session helper, R5) whose ALG counters rise between the reading before the capture and the
 * one after it: the runtime evidence contradicts the configuration (a mismatch, R8).
 */
function risingAlgScenario(): string {
  const text = readFileSync(HELPER_SCENARIO, 'utf8');
  const marker = 'FGT-BRANCH # diagnose sys sip-proxy stats';
  const second = text.indexOf(marker, text.indexOf(marker) + marker.length);
  expect(second).toBeGreaterThan(0);
  const after = text.slice(second).replace(/^( +INVITE) +0 +0 /m, '$1        4       4 ').replace(/^( +ACK) +0 +0 /m, '$1        2       0 ');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sipcheck-rising-')), 'fw-helper-rising.txt');
  writeFileSync(file, text.slice(0, second) + after);
  return file;
}

async function check(fw: SimulatedFirewall, req: CheckRequest, reporter: RecordingReporter, journal = new MemoryJournal()) {
  return runCheck(req, { entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal, signal: new AbortController().signal, now: () => new Date(), log: () => undefined });
}

describe('the answer first: the verdict from the configuration, then the runtime evidence', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  it('reaches the reporter before any debug line reaches the device, and the result confirms it', async () => {
    fw = await startFirewall();
    const sim = fw.sim;
    let debugSeenAtVerdict: string[] | undefined;
    let receivedAtVerdict: string[] = [];
    const reporter = new RecordingReporter();
    const inner = reporter.configVerdict.bind(reporter);
    reporter.configVerdict = async (early) => {
      debugSeenAtVerdict = debugLines(fw!);
      receivedAtVerdict = sim.commandLog.map((e) => e.command);
      await inner(early);
    };
    const outcome = await check(fw, request('fw01', { seconds: 2 }), reporter);
    expect(outcome.error).toBeUndefined();

    // Posted once, after the config reads, before `diagnose debug info` or any other debug line.
    expect(reporter.events.filter((e) => e.type === 'config-verdict')).toHaveLength(1);
    expect(debugSeenAtVerdict).toEqual([]);
    // As soon as the configuration is read: before the counters (runtime evidence) too.
    expect(receivedAtVerdict).toEqual(['get system status', 'show system session-helper', 'show system global', 'show full-configuration system settings', 'show firewall policy', 'show firewall service custom', 'show system session-ttl', 'show full-configuration voip profile']);
    const early = reporter.earlyVerdict!;
    expect(early.verdict.handler).toBe('sip-alg');
    expect(early.captureSeconds).toBe(2);
    // Before the capture phase, after the config reads; the result comes last.
    const order = reporter.events.map((e) => (e.type === 'progress' ? e.update.phase : e.type));
    expect(order.indexOf('config-verdict')).toBeGreaterThan(order.indexOf('reading-config'));
    expect(order.indexOf('config-verdict')).toBeLessThan(order.indexOf('capturing'));
    expect(order.at(-1)).toBe('result');

    const result = reporter.finalResult!;
    expect(result.early).toBe(early);
    expect(result.verdict.handler).toBe('sip-alg');
    const settled = settleConfigVerdict(early.verdict, result);
    expect(settled.kind).toBe('confirmed');
    // The closing counters are the new evidence.
    expect(settled.line).toMatch(/^Confirmed by the runtime evidence: `diagnose sys sip-proxy stats \(after vs before\)`: \(rose: /);
  });

  it('the runtime evidence changes it: config says the session helper, the ALG counters rose (mismatch)', async () => {
    fw = await startFirewall({ scenario: risingAlgScenario() });
    const reporter = new RecordingReporter();
    await check(fw, request('fw01', { seconds: 1 }), reporter);
    const early = reporter.earlyVerdict!;
    const result = reporter.finalResult!;
    expect(early.verdict.handler).toBe('session-helper');
    expect(result.verdict.handler).toBe('mismatch');
    const settled = settleConfigVerdict(early.verdict, result);
    expect(settled.kind).toBe('changed');
    expect(settled.line).toMatch(/^Changed by the runtime evidence: SIP session helper → mismatch\. Mismatch: the config says SIP session helper \(R5\), but the firewall shows the SIP ALG at work\.$/);
  });
});

describe('/sip-check FIREWALL config: configuration and counters, no debug', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  it('sends no diagnose debug line at all, takes no journal entry, and answers with the same rules', async () => {
    fw = await startFirewall();
    const reporter = new RecordingReporter();
    const journal = new MemoryJournal();
    const outcome = await check(fw, request('fw01', { configOnly: true }), reporter, journal);
    expect(outcome.error).toBeUndefined();
    expect(outcome.debugReset).toBeNull();

    // The device received the config reads and the counters, and not one `diagnose debug` line.
    const received = fw.sim.commandLog.map((e) => e.command);
    expect(received).toEqual(expect.arrayContaining(['get system status', 'show firewall policy', 'diagnose sys sip-proxy stats', 'diagnose sys sip status']));
    expect(debugLines(fw)).toEqual([]);
    expect(fw.sim.state.debug.enables).toBe(0);
    expect(fw.sim.state.debug.resets).toBe(0);
    expect(journal.begun).toEqual([]);

    // One answer: no early card (the result is the whole answer), the same verdict a full check gives.
    expect(reporter.events.some((e) => e.type === 'config-verdict')).toBe(false);
    expect(reporter.events.some((e) => e.type === 'progress' && e.update.phase === 'capturing')).toBe(false);
    const result = reporter.finalResult!;
    expect(result.verdict.handler).toBe('sip-alg');
    expect(result.capture.stoppedBy).toBe('not-run');
    expect(result.early).toBeUndefined();

    // The transcript (the record) shows the reads and no debug command; no capture files.
    const names = result.attachments.map((a) => a.filename);
    expect(names).toEqual(['sip-check-fw01-report.txt', 'sip-check-fw01-transcript.txt']);
    const transcript = result.attachments.find((a) => a.filename.endsWith('transcript.txt'))!.content.toString();
    expect(transcript).toContain('show firewall policy');
    expect(transcript).toContain('diagnose sys sip-proxy stats');
    expect(transcript).not.toMatch(/diag(?:nose)? debug/);
  });
});
