/**
 * The fault matrix: every way a check can go wrong against the simulated FortiGate, in one table.
 * Whatever happens, the firewall must end with debug disabled and reset, no config written, and the user
 * must get a clear message. Rows marked `process` run the real bot in a child process (test/support/bot.ts)
 * and signal it mid-capture.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCheck } from '../../src/check/run';
import type { CheckErrorKind } from '../../src/errors';
import type { CheckLimits } from '../../src/config/types';
import { isDebugClean, parseScenario } from '../../src/simulator';
import type { Faults } from '../../src/simulator';
import { BotProcess } from '../support/bot';
import { DEMO_SCENARIO, MemoryJournal, PASSWORD_ENV, TEST_PASSWORD, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

jest.setTimeout(90_000);

interface FaultCase {
  name: string;
  faults?: Partial<Faults>;
  limits?: Partial<CheckLimits>;
  seconds?: number;
  /** Cancel the check once the capture has started. */
  cancelDuringCapture?: boolean;
  wrongPassword?: boolean;
  wrongHostKey?: boolean;
  readOnlyAdmin?: boolean;
  slackFailsOnResult?: boolean;
  slackFailsOnProgress?: boolean;
  /** A command prefix that starts hanging once the capture runs (its closing `diagnose debug disable`). */
  hangDuringCapture?: string;
  /** Realistic device delay per command (the debug stream must still start after the prompt). */
  perCommandMs?: number;
  /** Run the bot as a process and send this signal mid-capture (`SIGKILL` is followed by a restart). */
  process?: 'SIGTERM' | 'SIGKILL';
  expect: {
    outcome: 'ok' | CheckErrorKind | CheckErrorKind[];
    /** Debug was enabled at some point, so a confirmed reset is required. */
    debugTouched: boolean;
    note?: RegExp;
    message?: RegExp;
    stoppedBy?: string;
  };
}

const MATRIX: FaultCase[] = [
  { name: 'normal end', expect: { outcome: 'ok', debugTouched: true, stoppedBy: 'window' } },
  { name: 'TCP drop during the SSH handshake', faults: { dropOn: 'handshake' }, expect: { outcome: ['unreachable', 'disconnected', 'timeout'], debugTouched: false } },
  { name: 'TCP drop on a config read', faults: { dropOn: { command: 'show firewall policy' } }, expect: { outcome: 'disconnected', debugTouched: false } },
  { name: 'TCP drop mid-capture: reconnect once and reset', faults: { dropOn: { debugLines: 5 } }, seconds: 5, expect: { outcome: 'ok', debugTouched: true, note: /reconnected and reset debug/ } },
  { name: 'command hangs before debug', faults: { hangOn: 'diagnose sys sip status' }, limits: { commandTimeoutMs: 800 }, expect: { outcome: 'ok', debugTouched: false, note: /diagnose sys sip status/ } },
  { name: 'command hangs while enabling debug', faults: { hangOn: 'diagnose debug application sip' }, limits: { commandTimeoutMs: 800 }, expect: { outcome: 'ok', debugTouched: true, note: /reconnected and reset debug/ } },
  { name: 'the closing diagnose debug disable hangs: reconnect at once, no retry on the stuck session', hangDuringCapture: 'diagnose debug disable', limits: { commandTimeoutMs: 800 }, expect: { outcome: 'ok', debugTouched: true, note: /reconnected and reset debug/ } },
  { name: 'debug output floods: the byte bound stops it', faults: { floodDebug: true }, seconds: 30, limits: { maxBytes: 256 * 1024 }, expect: { outcome: 'ok', debugTouched: true, stoppedBy: 'bytes', note: /bytes bound/ } },
  { name: 'debug output floods: the line bound stops it', faults: { floodDebug: true }, seconds: 30, limits: { maxLines: 500 }, expect: { outcome: 'ok', debugTouched: true, stoppedBy: 'lines', note: /lines bound/ } },
  { name: 'slow prompt', faults: { slowPromptMs: 40 }, expect: { outcome: 'ok', debugTouched: true } },
  { name: 'device latency of 20 ms per command', perCommandMs: 20, expect: { outcome: 'ok', debugTouched: true, stoppedBy: 'window' } },
  { name: 'wrong password', wrongPassword: true, expect: { outcome: 'auth-failed', debugTouched: false, message: /admin/ } },
  { name: 'changed host key', wrongHostKey: true, expect: { outcome: 'host-key-mismatch', debugTouched: false, message: /SHA256:AAAA/ } },
  { name: 'maximum admins logged in', faults: { maxAdmins: true }, expect: { outcome: 'max-admins', debugTouched: false } },
  { name: 'overall check timeout mid-capture', seconds: 20, limits: { checkTimeoutMs: 2500 }, expect: { outcome: 'ok', debugTouched: true } },
  { name: 'user cancel mid-capture', seconds: 20, cancelDuringCapture: true, expect: { outcome: 'cancelled', debugTouched: true } },
  { name: 'read-only admin: diagnose refused, nothing to undo', readOnlyAdmin: true, expect: { outcome: ['permission-denied', 'cli-error'], debugTouched: false } },
  { name: 'Slack fails while posting the result', slackFailsOnResult: true, expect: { outcome: 'ok', debugTouched: true } },
  { name: 'Slack fails on every progress edit', slackFailsOnProgress: true, expect: { outcome: 'ok', debugTouched: true } },
  { name: 'Slack fails on progress and the capture is cancelled', slackFailsOnProgress: true, seconds: 20, cancelDuringCapture: true, expect: { outcome: 'cancelled', debugTouched: true } },
  { name: 'SIGTERM mid-capture: graceful shutdown resets debug before exit', process: 'SIGTERM', expect: { outcome: 'shutdown', debugTouched: true } },
  { name: 'kill -9 mid-capture, then restart: the journal resets debug', process: 'SIGKILL', expect: { outcome: 'shutdown', debugTouched: true } },
];

describe('fault matrix: debug always ends disabled and reset', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
    fw = undefined;
  });

  test.each(MATRIX.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    if (c.process) {
      fw = await startFirewall();
      await processCase(fw, c.process);
      return;
    }
    const scenario = c.readOnlyAdmin ? readOnlyScenarioFile() : undefined;
    fw = await startFirewall({ faults: c.faults, scenario });
    if (c.perCommandMs) fw.sim.setLatency({ perCommandMs: c.perCommandMs });
    const limits = testLimits(c.limits);
    const entry = { ...fw.entry };
    if (c.wrongHostKey) entry.hostKey = { fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] };
    const env = c.wrongPassword ? { ...fw.env, SIP_CHECK_TEST_PASSWORD: 'not-the-password' } : fw.env;
    const controller = new AbortController();
    const failOn = { ...(c.slackFailsOnResult ? { result: new Error('slack: msg_too_long') } : {}), ...(c.slackFailsOnProgress ? { progress: new Error('slack: ratelimited') } : {}) };
    const reporter = new RecordingReporter(failOn, (u) => {
      // The device hangs on that command once, on the check's session; a fresh session works again.
      if (c.hangDuringCapture && u.phase === 'capturing') fw?.sim.setFaults({ hangOn: c.hangDuringCapture });
      if (c.hangDuringCapture && u.phase === 'cleaning-up') fw?.sim.setFaults({ hangOn: undefined });
      if (c.cancelDuringCapture && u.phase === 'capturing' && (u.elapsedSeconds ?? 0) >= 1) controller.abort();
    });
    const journal = new MemoryJournal();
    const logged: string[] = [];
    const opener = openerFor({ ...fw, env }, limits);
    const outcome = await runCheck(request('fw01', { seconds: c.seconds ?? 2 }), {
      entry,
      limits,
      openSession: opener,
      reporter,
      journal,
      signal: controller.signal,
      now: () => new Date(),
      log: (_level, message) => logged.push(message),
    });

    // The firewall is left clean, whatever happened.
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(fw.sim.state.configWrites).toEqual([]);
    expect(journal.open.size).toBe(0);
    if (c.expect.debugTouched) expect(outcome.debugReset).toBe(true);
    else expect(outcome.debugReset).toBeNull();

    // The user got a clear message.
    const expected = Array.isArray(c.expect.outcome) ? c.expect.outcome : [c.expect.outcome];
    if (c.expect.outcome === 'ok') {
      expect(outcome.error).toBeUndefined();
      expect(reporter.finalResult?.verdict.handler).toBeTruthy();
      if (c.expect.stoppedBy) expect(reporter.finalResult?.capture.stoppedBy).toBe(c.expect.stoppedBy);
    } else {
      expect(expected).toContain(outcome.error?.kind);
      expect(reporter.failure?.error.kind).toBe(outcome.error?.kind);
      expect(reporter.failure?.debugReset).toBe(outcome.debugReset);
      if (c.expect.message) expect(reporter.failure?.error.message).toMatch(c.expect.message);
    }
    if (c.expect.note) expect(reporter.notes.join('\n')).toMatch(c.expect.note);
    if (c.wrongHostKey) expect(fw.sim.commandLog).toEqual([]);
    // A stuck session is replaced, never retried (a retry costs another command timeout before the reset).
    if (c.hangDuringCapture) expect(logged).not.toContain('debug reset on the check session failed');
  });
});

/** The bot as a process, checking `fw01` on the simulator from its terminal adapter, signalled mid-capture. */
async function processCase(fw: SimulatedFirewall, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'sip-check-proc-'));
  writeFileSync(
    path.join(cwd, 'inventory.yml'),
    `firewalls:\n  - name: fw01\n    host: 127.0.0.1\n    port: ${fw.entry.port}\n    username: admin\n    password_env: ${PASSWORD_ENV}\n    host_key: ${fw.sim.hostKeyFingerprint}\n    allow:\n      users: [U0TESTER]\n`,
  );
  const env = { SIP_CHECK_INVENTORY: 'inventory.yml', SIP_CHECK_CONSOLE_USER: 'U0TESTER', [PASSWORD_ENV]: TEST_PASSWORD };
  const bot = new BotProcess(cwd, env);
  await bot.waitFor(/type `\/sip-check help`/);
  bot.type('/sip-check fw01 seconds=120');
  await bot.waitFor(/capturing SIP debug/);
  expect(fw.sim.state.debug.enabled).toBe(true);
  bot.kill(signal);
  const exit = await bot.exited;
  const journalFile = path.join(cwd, 'var', 'journal.json');
  if (signal === 'SIGTERM') {
    expect(exit.code).toBe(0);
    expect(bot.stdout).toMatch(/shutting down[\s\S]*debug was disabled and reset/);
  } else {
    // The device keeps its debug levels when the session dies; the journal remembers the firewall.
    expect(isDebugClean(fw.sim.state)).toBe(false);
    expect(readFileSync(journalFile, 'utf8')).toContain('fw01');
    const restarted = new BotProcess(cwd, env);
    await restarted.waitFor(/type `\/sip-check help`/);
    restarted.type('quit');
    expect((await restarted.exited).code).toBe(0);
    expect(readFileSync(path.join(cwd, 'var', 'audit.jsonl'), 'utf8')).toMatch(/"event":"recovery"[^\n]*"debugReset":true/);
  }
  expect(isDebugClean(fw.sim.state)).toBe(true);
  expect(fw.sim.state.configWrites).toEqual([]);
  expect(existsSync(journalFile) ? readFileSync(journalFile, 'utf8') : '').not.toContain('fw01');
}

let readOnlyFile: string | undefined;
/** The demo scenario served to a read-only (`$`) admin profile. */
function readOnlyScenarioFile(): string {
  if (readOnlyFile) return readOnlyFile;
  const text = readFileSync(DEMO_SCENARIO, 'utf8');
  const body = text.startsWith('---\n')
    ? text.replace(/^---\n([\s\S]*?)\n---\n/, (_m, fm: string) => `---\n${fm.replace(/^adminProfile:.*$/m, '')}\nadminProfile: "$"\n---\n`)
    : `---\nadminProfile: "$"\n---\n${text}`;
  parseScenario(body, 'read-only'); // fails loudly here if the front matter is wrong
  readOnlyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'sipcheck-')), 'read-only.txt');
  writeFileSync(readOnlyFile, body);
  return readOnlyFile;
}
