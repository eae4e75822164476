/**
 * The fault matrix: every way a check can go wrong against the simulated FortiGate, in one table.
 * Whatever happens, the firewall must end with debug disabled and reset, no config written, and nothing but
 * read-only lines received (src/fortios/readOnly.ts); a row that never enables debug sends no debug command at
 * all, and a row whose session got stuck or lost shows the reset ran on a second login. The user must get a clear
 * message, read from what the fake Slack received through the real Slack reporter. Rows marked `process` run the
 * real bot in a child process (test/support/bot.ts) and signal it mid-capture.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webApi } from '@slack/bolt';
import { SlackThreadReporter } from '../../src/adapters/slack/reporter';
import { runCheck } from '../../src/check/run';
import type { CheckReporter, CheckRequest, CheckResult, ConfigVerdict, ProgressUpdate } from '../../src/check/types';
import type { CheckError, CheckErrorKind } from '../../src/errors';
import type { CheckLimits } from '../../src/config/types';
import { isDebugClean, parseScenario } from '../../src/simulator';
import type { Faults } from '../../src/simulator';
import { recordingLogger, testChannelQueue } from '../adapters/slack/fixtures';
import { BotProcess } from '../support/bot';
import { marginAbove, StallMeter } from '../support/margins';
import { FakeSlack, TEST_PACING, type StoredMessage } from '../support/fakeSlack';
import { DEMO_SCENARIO, MemoryJournal, PASSWORD_ENV, TEST_PASSWORD, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { debugCommandsReceived, debugSwitchedOn, expectReadOnly, resetAfterLastSwitchOn } from '../support/readOnly';

jest.setTimeout(90_000);

interface FaultCase {
  name: string;
  faults?: Partial<Faults>;
  limits?: Partial<CheckLimits>;
  /** The command timeout of rows that wait for a hung command: measured (see `margins`), not a constant. */
  hangTimeout?: boolean;
  /** The overall check timeout falls mid-capture: set from the measured time to reach the capture. */
  overallTimeoutMidCapture?: boolean;
  seconds?: number;
  /** Cancel the check once the capture has started. */
  cancelDuringCapture?: boolean;
  wrongPassword?: boolean;
  wrongHostKey?: boolean;
  readOnlyAdmin?: boolean;
  /** The fake Slack refuses the verdict card (once) when the result settles it (the update of the card). */
  slackFailsOnResult?: boolean;
  /** The fake Slack refuses the card update (once) with an error that is not about size: a new card supersedes it. */
  slackRefusesCardUpdate?: boolean;
  /** The fake Slack refuses the verdict from the configuration (the first card) as too long. */
  slackFailsOnConfigVerdict?: boolean;
  /** The fake Slack refuses every progress edit until the analysis starts. */
  slackFailsOnProgress?: boolean;
  /** Faults set once the capture runs, cleared when the cleanup starts (a fresh session works again). */
  duringCapture?: Partial<Faults>;
  /** Realistic device delay per command (the debug stream must still start after the prompt). */
  perCommandMs?: number;
  /** Run the bot as a process and send this signal mid-capture (`SIGKILL` is followed by a restart). */
  process?: 'SIGTERM' | 'SIGKILL';
  expect: {
    outcome: 'ok' | CheckErrorKind | CheckErrorKind[];
    /**
     * `none`: no `diagnose debug` line may reach the device; `refused`: only the first, refused by the device;
     * `reset`: debug was enabled or its levels set, and a confirmed reset is required.
     */
    debug: 'none' | 'refused' | 'reset';
    /** The check's session was stuck or lost: the reset ran on a second login. */
    reconnected?: boolean;
    /** Debug output or levels were really on when the cleanup began (so a missing cleanup would leave them on). */
    dirty?: boolean;
    /** What the user reads in Slack (parent message and thread), including what to do. */
    user: RegExp[];
    stoppedBy?: string;
  };
}

const SIP_ALG = /fw01: SIP handled by SIP ALG/;
/** The verdict from the configuration stays, and says the runtime part is missing (issue 23). */
const RUNTIME_MISSING = /Runtime evidence missing: the check was cut short before the capture \(fw01: the channel ended\)/;
const RESET_NOTE = /reconnected and reset debug/;

const MATRIX: FaultCase[] = [
  { name: 'normal end', expect: { outcome: 'ok', debug: 'reset', stoppedBy: 'window', user: [SIP_ALG] } },
  { name: 'TCP drop during the SSH handshake', faults: { dropOn: 'handshake' }, expect: { outcome: ['unreachable', 'disconnected', 'timeout'], debug: 'none', user: [/SIP check of fw01 failed|fw01/, /SSH connection was lost|did not answer in time|reach the firewall/] } },
  { name: 'TCP drop on a config read', faults: { dropOn: { command: 'show firewall policy' } }, expect: { outcome: 'disconnected', debug: 'none', user: [/fw01: the channel ended/, /The SSH connection was lost/] } },
  { name: 'TCP drop mid-capture: reconnect once and reset, answer from what was read', faults: { dropOn: { debugLines: 5 } }, seconds: 5, expect: { outcome: 'ok', debug: 'reset', reconnected: true, dirty: true, user: [RESET_NOTE, /Capture cut short after \d+ lines?: fw01: the channel ended/, SIP_ALG] } },
  { name: 'command hangs before debug: answer from the config read', faults: { hangOn: 'diagnose sys sip status' }, hangTimeout: true, expect: { outcome: 'ok', debug: 'none', user: [/cut short before the SIP capture: .*no prompt within [\d.]+ s after `diagnose sys sip status`/, /Runtime evidence missing: the check was cut short before the capture \(.*`diagnose sys sip status`\)/, SIP_ALG] } },
  { name: 'command hangs before running while enabling debug', faults: { hangOn: 'diagnose debug application sip' }, hangTimeout: true, expect: { outcome: 'ok', debug: 'reset', reconnected: true, dirty: false, user: [RESET_NOTE, /cut short before the SIP capture: .*diagnose debug application sip/, SIP_ALG] } },
  // The command took effect, then the prompt never came back: without the reconnect and reset, debug stays on.
  { name: 'diagnose debug application sip runs, then hangs', faults: { hangAfter: 'diagnose debug application sip' }, hangTimeout: true, expect: { outcome: 'ok', debug: 'reset', reconnected: true, dirty: true, user: [RESET_NOTE, /cut short before the SIP capture: .*after `diagnose debug application sip -1`/, SIP_ALG] } },
  { name: 'diagnose debug enable runs, then hangs (debug streams to the stuck session)', faults: { hangAfter: 'diagnose debug enable' }, hangTimeout: true, expect: { outcome: 'ok', debug: 'reset', reconnected: true, dirty: true, user: [RESET_NOTE, /cut short before the SIP capture: .*after `diagnose debug enable`/, SIP_ALG] } },
  { name: 'the closing diagnose debug disable hangs before running: reconnect at once, no retry on the stuck session', duringCapture: { hangOn: 'diagnose debug disable' }, hangTimeout: true, expect: { outcome: 'ok', debug: 'reset', reconnected: true, dirty: true, user: [RESET_NOTE, /cut short after \d+ lines?: .*after `diagnose debug disable`/, SIP_ALG] } },
  { name: 'the closing diagnose debug disable runs, then hangs: levels still set until the reconnect resets them', duringCapture: { hangAfter: 'diagnose debug disable' }, hangTimeout: true, expect: { outcome: 'ok', debug: 'reset', reconnected: true, dirty: true, user: [RESET_NOTE, /cut short after \d+ lines?: .*after `diagnose debug disable`/, SIP_ALG] } },
  { name: 'debug output floods: the byte bound stops it', faults: { floodDebug: true }, seconds: 30, limits: { maxBytes: 256 * 1024 }, expect: { outcome: 'ok', debug: 'reset', stoppedBy: 'bytes', user: [/bytes bound was reached/, SIP_ALG] } },
  { name: 'debug output floods: the line bound stops it', faults: { floodDebug: true }, seconds: 30, limits: { maxLines: 500 }, expect: { outcome: 'ok', debug: 'reset', stoppedBy: 'lines', user: [/lines bound was reached \(500 lines\)/, SIP_ALG] } },
  { name: 'slow prompt', faults: { slowPromptMs: 40 }, expect: { outcome: 'ok', debug: 'reset', user: [SIP_ALG] } },
  { name: 'device latency of 20 ms per command', perCommandMs: 20, expect: { outcome: 'ok', debug: 'reset', stoppedBy: 'window', user: [SIP_ALG] } },
  { name: 'wrong password', wrongPassword: true, expect: { outcome: 'auth-failed', debug: 'none', user: [/SSH authentication failed/, /Check the username and the credential the inventory points at/, /Check id `[^`]+`: the bot's log has the details/] } },
  { name: 'changed host key', wrongHostKey: true, expect: { outcome: 'host-key-mismatch', debug: 'none', user: [/host key that does not match the one pinned/, /update the pinned fingerprint in the inventory; otherwise treat it as an attack/] } },
  { name: 'maximum admins logged in', faults: { maxAdmins: true }, expect: { outcome: 'max-admins', debug: 'none', user: [/maximum number of logged in administrators/, /try again later/] } },
  { name: 'overall check timeout mid-capture: answer from what was read', seconds: 20, overallTimeoutMidCapture: true, expect: { outcome: 'ok', debug: 'reset', user: [/Capture cut short after \d+ lines?: the check did not finish within \d+ s/, SIP_ALG] } },
  { name: 'user cancel mid-capture', seconds: 20, cancelDuringCapture: true, expect: { outcome: 'cancelled', debug: 'reset', user: [/cancel/i] } },
  { name: 'read-only admin: diagnose refused, nothing to undo', readOnlyAdmin: true, expect: { outcome: ['permission-denied', 'cli-error'], debug: 'refused', user: [/`diagnose debug disable` failed on fw01/, /permission to run diagnose commands/] } },
  { name: 'Slack fails while posting the result', slackFailsOnResult: true, expect: { outcome: 'ok', debug: 'reset', user: [SIP_ALG, /verdict card was too long[\s\S]*Supersedes the verdict from the configuration posted above/] } },
  // Issue 23: the link dies right after the verdict from the configuration is posted.
  { name: 'TCP drop right after the config verdict (on `diagnose debug info`): the config verdict stays, runtime part missing', faults: { dropOn: { command: 'diagnose debug info' } }, expect: { outcome: 'ok', debug: 'none', user: [RUNTIME_MISSING, SIP_ALG] } },
  { name: 'TCP drop on the debug level right after the config verdict: reconnect and reset, the config verdict stays', faults: { dropOn: { command: 'diagnose debug application sip' } }, expect: { outcome: 'ok', debug: 'reset', reconnected: true, user: [RESET_NOTE, RUNTIME_MISSING, SIP_ALG] } },
  { name: 'the config verdict posted, then the user cancels before the capture ends: the card says the runtime part is missing', seconds: 20, cancelDuringCapture: true, expect: { outcome: 'cancelled', debug: 'reset', user: [/Runtime evidence missing: the check was cancelled/, SIP_ALG] } },
  { name: 'Slack refuses the card update: a new reply supersedes the config verdict', slackRefusesCardUpdate: true, expect: { outcome: 'ok', debug: 'reset', user: [/This card supersedes the verdict from the configuration posted above \(that card could not be updated: cant_update_message\)/, /Confirmed by the runtime evidence/, SIP_ALG] } },
  { name: 'Slack refuses the config verdict card: the result posts the settled card', slackFailsOnConfigVerdict: true, expect: { outcome: 'ok', debug: 'reset', user: [/verdict from the configuration was too long/, /Confirmed by the runtime evidence/, SIP_ALG] } },
  { name: 'Slack fails on every progress edit', slackFailsOnProgress: true, expect: { outcome: 'ok', debug: 'reset', user: [SIP_ALG] } },
  { name: 'Slack fails on progress and the capture is cancelled', slackFailsOnProgress: true, seconds: 20, cancelDuringCapture: true, expect: { outcome: 'cancelled', debug: 'reset', user: [/cancel/i] } },
  { name: 'SIGTERM mid-capture: graceful shutdown resets debug before exit', process: 'SIGTERM', expect: { outcome: 'shutdown', debug: 'reset', user: [/shutting down[\s\S]*debug was disabled and reset/] } },
  { name: 'kill -9 mid-capture, then restart: the journal resets debug', process: 'SIGKILL', expect: { outcome: 'shutdown', debug: 'reset', user: [/reset debug left over by an earlier run[^\n]*fw01/] } },
];

/** Records every call (and runs the row's hooks) before the real Slack reporter posts to the fake Slack. */
class UserFacingReporter implements CheckReporter {
  constructor(
    readonly record: RecordingReporter,
    readonly slack: SlackThreadReporter,
    /** Row hooks, run before the Slack reporter acts (e.g. to make the fake Slack refuse that call). */
    readonly hooks: { beforeConfigVerdict?: () => Promise<void>; beforeResult?: () => Promise<void> } = {},
  ) {}
  async start(r: CheckRequest) {
    await this.record.start(r);
    await this.slack.start(r);
  }
  async progress(u: ProgressUpdate) {
    await this.record.progress(u);
    await this.slack.progress(u);
  }
  async note(text: string) {
    await this.record.note(text);
    await this.slack.note(text);
  }
  async configVerdict(early: ConfigVerdict) {
    await this.record.configVerdict(early);
    await this.hooks.beforeConfigVerdict?.();
    await this.slack.configVerdict(early);
  }
  async result(result: CheckResult) {
    await this.record.result(result);
    await this.hooks.beforeResult?.();
    await this.slack.result(result);
  }
  async failed(error: CheckError, cleanup: { debugReset: boolean | null }) {
    await this.record.failed(error, cleanup);
    await this.slack.failed(error, cleanup);
  }
}

/** Every text of a Slack message: its fallback `text` and each `text` inside its blocks. */
function textsOf(m: { text?: string; blocks?: unknown[] } | undefined): string[] {
  if (!m) return [];
  const out = m.text ? [m.text] : [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return out;
}

/** What the user reads: the parent as last edited, then the thread. */
function userView(fake: FakeSlack, parentTs: string): string {
  const parent = fake.message(parentTs) as StoredMessage;
  const last = parent.edits.at(-1) ?? parent;
  return [...textsOf(last), ...fake.thread(parentTs).flatMap((m) => textsOf(m))].join('\n');
}

describe('fault matrix: debug always ends disabled and reset', () => {
  let fw: SimulatedFirewall | undefined;
  let fake: FakeSlack;
  /**
   * Timeouts from measured margins (a loaded 2-core machine is slow): a hung command must time out, a healthy one
   * must not, so the command timeout sits well above the worst event-loop stall and the slowest command of a
   * reference check; the overall-timeout row needs the time a check takes to reach its capture.
   */
  const margins = { commandTimeoutMs: 0, toCaptureMs: 0 };
  beforeAll(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    const meter = new StallMeter();
    const ref = await startFirewall();
    try {
      const t0 = Date.now();
      let toCapture = 0;
      let slowest = 0;
      const sessionRun = openerFor(ref, testLimits());
      const opener: typeof sessionRun = async (entry) => {
        const session = await sessionRun(entry);
        const run = session.run.bind(session);
        session.run = async (command, opts) => {
          const t = Date.now();
          const r = await run(command, opts);
          slowest = Math.max(slowest, Date.now() - t);
          return r;
        };
        return session;
      };
      const recorder = new RecordingReporter({}, (u) => {
        if (u.phase === 'capturing' && !toCapture) toCapture = Date.now() - t0;
      });
      await runCheck(request('fw01', { seconds: 1 }), { entry: ref.entry, limits: testLimits(), openSession: opener, reporter: recorder, journal: new MemoryJournal(), signal: new AbortController().signal, now: () => new Date(), log: () => undefined });
      const stall = meter.stop();
      margins.commandTimeoutMs = marginAbove(Math.max(stall, slowest), { factor: 5, minMs: 800, maxMs: 5000 });
      margins.toCaptureMs = toCapture;
    } finally {
      await ref.sim.close();
    }
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(async () => {
    // A failing process row must not leave its bot running (and jest hanging).
    await BotProcess.killAll();
    await fw?.sim.close();
    fw = undefined;
  });

  test.each(MATRIX.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    if (c.process) {
      fw = await startFirewall();
      await processCase(fw, c.process, c.expect.user);
      expectReadOnly(fw.sim);
      return;
    }
    const scenario = c.readOnlyAdmin ? readOnlyScenarioFile() : undefined;
    fw = await startFirewall({ faults: c.faults, scenario });
    const sim = fw.sim;
    if (c.perCommandMs) sim.setLatency({ perCommandMs: c.perCommandMs });
    const limits = testLimits({
      ...c.limits,
      ...(c.hangTimeout ? { commandTimeoutMs: margins.commandTimeoutMs } : {}),
      // Three times the measured time to reach the capture, plus 2 s, at most 10 s: the timeout falls inside the
      // 20 s window even when this row reaches its capture much slower than the reference did (a loaded machine).
      ...(c.overallTimeoutMidCapture ? { checkTimeoutMs: Math.min(10_000, 3 * margins.toCaptureMs + 2000) } : {}),
    });
    const entry = { ...fw.entry };
    if (c.wrongHostKey) entry.hostKey = { fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] };
    const env = c.wrongPassword ? { ...fw.env, SIP_CHECK_TEST_PASSWORD: 'not-the-password' } : fw.env;
    const controller = new AbortController();
    let dirtyBeforeCleanup: boolean | undefined;
    const record = new RecordingReporter({}, (u) => {
      if (c.duringCapture && u.phase === 'capturing') sim.setFaults(c.duringCapture);
      if (u.phase === 'cleaning-up') {
        dirtyBeforeCleanup = !isDebugClean(sim.state);
        // The device hangs once, on the check's session; a fresh session works again.
        if (c.duringCapture) sim.setFaults({ hangOn: undefined, hangAfter: undefined });
      }
      if (c.cancelDuringCapture && u.phase === 'capturing' && (u.elapsedSeconds ?? 0) >= 1) controller.abort();
      if (c.slackFailsOnProgress && u.phase === 'analysing') fake.setFault('chat.update', null);
    });
    const logger = recordingLogger();
    // As the bot's posting client: a 429 is the channel queue's to wait out (Retry-After), in order.
    const client = new webApi.WebClient('xoxb-faults', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger });
    const progressClient = new webApi.WebClient('xoxb-faults', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger });
    const slack = new SlackThreadReporter({ client, progressClient, logger, clock: Date.now, maxSeconds: 120, minEditIntervalMs: 0, channelQueue: testChannelQueue() }, { channelId: 'C0FAULTS' });
    const reporter = new UserFacingReporter(record, slack, {
      beforeConfigVerdict: async () => {
        if (c.slackFailsOnConfigVerdict) fake.setFault('chat.postMessage', { kind: 'error', error: 'msg_too_long', times: 1 });
      },
      beforeResult: async () => {
        // The parent's progress edit in flight is answered first: the fault must hit the card update.
        await slack.idle();
        if (c.slackFailsOnResult) fake.setFault('chat.update', { kind: 'error', error: 'msg_too_long', times: 1 });
        if (c.slackRefusesCardUpdate) fake.setFault('chat.update', { kind: 'error', error: 'cant_update_message', times: 1 });
      },
    });
    const req = request('fw01', { seconds: c.seconds ?? 2 });
    await reporter.start(req);
    if (c.slackFailsOnProgress) fake.setFault('chat.update', { kind: 'error', error: 'ratelimited' });
    const journal = new MemoryJournal();
    const logged: string[] = [];
    const outcome = await runCheck(req, {
      entry,
      limits,
      openSession: openerFor({ ...fw, env }, limits),
      reporter,
      journal,
      signal: controller.signal,
      now: () => new Date(),
      log: (_level, message) => logged.push(message),
    });
    fake.setFault('chat.update', null);
    fake.setFault('chat.postMessage', null);

    // The firewall is left clean, whatever happened, and received nothing but read-only commands.
    expect(isDebugClean(sim.state)).toBe(true);
    expectReadOnly(sim);
    expect(journal.open.size).toBe(0);
    const debugSent = debugCommandsReceived(sim);
    if (c.expect.debug === 'none') {
      expect(debugSent).toEqual([]);
      expect(outcome.debugReset).toBeNull();
    } else if (c.expect.debug === 'refused') {
      // The device refused the first debug command: nothing was ever switched on, so nothing to undo.
      expect(debugSent.length).toBeGreaterThan(0);
      expect(debugSwitchedOn(debugSent)).toEqual([]);
      expect(sim.state.debug.enables).toBe(0);
      expect(outcome.debugReset).toBeNull();
    } else {
      expect(outcome.debugReset).toBe(true);
      // After the last line that switched debug on came disable, then reset (journal begun, then cleared).
      expect(debugSwitchedOn(debugSent).length).toBeGreaterThan(0);
      expect(resetAfterLastSwitchOn(debugSent)).toBeNull();
      expect(journal.begun).toEqual([req.id]);
    }
    if (c.expect.reconnected) {
      // The check's session was given up: the reset ran on a second login, and the device really needed it.
      expect(sim.state.logins).toBe(2);
    }
    if (c.expect.dirty !== undefined) expect(dirtyBeforeCleanup).toBe(c.expect.dirty);

    // The user got a clear message, and Slack shows it.
    const expected = Array.isArray(c.expect.outcome) ? c.expect.outcome : [c.expect.outcome];
    if (c.expect.outcome === 'ok') {
      expect(outcome.error).toBeUndefined();
      expect(record.finalResult?.verdict.handler).toBeTruthy();
      if (c.expect.stoppedBy) expect(record.finalResult?.capture.stoppedBy).toBe(c.expect.stoppedBy);
    } else {
      expect(expected).toContain(outcome.error?.kind);
      expect(record.failure?.error.kind).toBe(outcome.error?.kind);
      expect(record.failure?.debugReset).toBe(outcome.debugReset);
    }
    const seen = userView(fake, slack.parentTs!);
    for (const pattern of c.expect.user) expect(seen).toMatch(pattern);
    // Slack never names the SSH user, the firewall's address or the fingerprints (the log does, with the check id).
    if (c.wrongPassword || c.wrongHostKey) expect(seen).not.toMatch(/admin|127\.0\.0\.1|SHA256:/);
    if (c.wrongHostKey) expect(sim.commandLog).toEqual([]);
    // A stuck session is replaced, never retried (a retry costs another command timeout before the reset).
    if (c.duringCapture) expect(logged).not.toContain('debug reset on the check session failed');
  });
});

/** The bot as a process, checking `fw01` on the simulator from its terminal adapter, signalled mid-capture. */
/** `user`: what the terminal shows (SIGTERM), or what the restarted bot logs for the operator (kill -9). */
async function processCase(fw: SimulatedFirewall, signal: 'SIGTERM' | 'SIGKILL', user: RegExp[]): Promise<void> {
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
  // The journal holds the firewall before the signal: "cleared" below means something.
  const journalFile = path.join(cwd, 'var', 'journal.json');
  expect(readFileSync(journalFile, 'utf8')).toContain('fw01');
  bot.kill(signal);
  const exit = await bot.exited;
  if (signal === 'SIGTERM') {
    expect(exit.code).toBe(0);
    for (const pattern of user) expect(bot.stdout).toMatch(pattern);
  } else {
    // The device keeps its debug levels when the session dies; the journal remembers the firewall.
    expect(isDebugClean(fw.sim.state)).toBe(false);
    expect(readFileSync(journalFile, 'utf8')).toContain('fw01');
    const restarted = new BotProcess(cwd, env);
    await restarted.waitFor(/type `\/sip-check help`/);
    restarted.type('quit');
    expect((await restarted.exited).code).toBe(0);
    expect(readFileSync(path.join(cwd, 'var', 'audit.jsonl'), 'utf8')).toMatch(/"event":"recovery"[^\n]*"debugReset":true/);
    const log = readFileSync(path.join(cwd, 'var', 'sip-check.log'), 'utf8');
    for (const pattern of user) expect(log).toMatch(pattern);
  }
  expect(isDebugClean(fw.sim.state)).toBe(true);
  expect(fw.sim.state.configWrites).toEqual([]);
  expect(existsSync(journalFile)).toBe(true);
  expect(readFileSync(journalFile, 'utf8')).not.toContain('fw01');
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
