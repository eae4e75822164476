import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { CheckLimits, FirewallEntry } from '../config/types';
import { COMMANDS, DEBUG_CLEANUP, vdomModeIsMulti } from '../fortios/cli';
import type { TypedLine } from '../fortios/transcript';
import type { CommandResult, FortiSession } from '../fortigate/types';
import { parseSystemStatus } from '../fortios/parsers';
import { SipCaptureAnalyzer, type CapturedSipMessage } from '../sip';
import { packetRedactionOf } from '../sip/redact';
import { SipPcapWriter, pcapFileName } from '../pcap/writer';
import { listedVdoms, pickVdoms, readGlobalVdoms } from './vdoms';
import { assessEntries, vdomReader, type UnfinishedChanges } from '../change/assess';
import { entriesOf, type ChangeAssessment } from '../change/journal';
import { canAnswerAfter, cutShortBy, type CutShort } from './degrade';
import { CheckError, toCheckError } from '../errors';
import { SINGLE_VDOM_GLOBAL_READS, assertNoDebug, captureStartCommands, sipPortFor, vdomConfigReads, vdomEvidenceReads, type DebugRestore } from './plan';
import { analyseConfig } from './analyse';
import { putBackDebugSettings, readDebugState } from './debugState';
import { inlineTasks, type TaskRunner } from '../workers/pool';
import type { CaptureStats, CheckReporter, CheckRequest, CheckResult, ConfigVerdict, FileAttachment, ProgressUpdate } from './types';
import { countOf } from '../plural';
import { deviceKey } from './locks';

/** Opens a prepared CLI session on a firewall (the FortiGate driver in production; the same driver in tests). */
export type SessionOpener = (entry: FirewallEntry) => Promise<FortiSession>;

/** The crash journal (a file, or Redis shared by replicas): `begin` settles once the entry is stored, before debug is enabled. */
export interface CheckJournal {
  begin(entry: { checkId: string; firewall: string; startedAt: string; pid: number; host?: string; port?: number; device?: string }): void | Promise<void>;
  finish(checkId: string): void | Promise<void>;
}

export interface RunDeps {
  entry: FirewallEntry;
  limits: CheckLimits;
  openSession: SessionOpener;
  reporter: CheckReporter;
  journal: CheckJournal;
  /** Aborted on user cancel or process shutdown. */
  signal: AbortSignal;
  now: () => Date;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Applied to every text posted and to the raw capture attachment (SIP_CHECK_REDACT). */
  redact?: (text: string) => string;
  /** Bound of the raw capture and of the capture file (pcap) attachments; RAW_ATTACHMENT_CAP by default. */
  attachmentMaxBytes?: number;
  /** Throws unless this check still holds the device lock (its fencing token): awaited just before `diagnose debug enable`. */
  fence?: () => Promise<void>;
  /** Where analysis, report rendering and the ladder PNG run: the worker pool (default: this thread). */
  tasks?: TaskRunner;
  /**
   * The change journal: when it holds an entry for this firewall (an approved change cut mid-way), the check judges it
   * from its config reads (another VDOM's on the same session), before any debug line, says it (a note) and audits
   * it. No entry: not one line more than without it.
   */
  changes?: UnfinishedChanges;
}

export interface RunOutcome {
  result?: CheckResult;
  error?: CheckError;
  /** Debug confirmed disabled and reset (true), never enabled (null), or not confirmed (false). */
  debugReset: boolean | null;
}

/** Raw capture kept in memory for the attachment; the analyzer sees everything within the byte bound. */
const RAW_ATTACHMENT_CAP = 8 * 1024 * 1024;
const GZIP_ABOVE = 512 * 1024;
/** In libuv's thread pool, off the event loop. */
const gzipAsync = promisify(gzip);

/**
 * One SIP check: connect → read config → capture (bounded) → cleanup (always) → analyse → report.
 * Debug cleanup runs on every exit path while the firewall can be reached, and before anything is posted,
 * so a Slack failure can never leave debug running.
 */
export async function runCheck(request: CheckRequest, deps: RunDeps): Promise<RunOutcome> {
  const { limits, reporter, entry } = deps;
  const startedAt = deps.now();
  const outputs: CommandResult[] = [];
  const notes: string[] = [];
  const attachmentCap = deps.attachmentMaxBytes ?? RAW_ATTACHMENT_CAP;
  const pcap = new PcapCapture(attachmentCap, startedAt.getTime(), deps.redact);
  const analyzer = new SipCaptureAnalyzer({ filter: { peer: request.options.peer, port: request.options.port }, onMessage: pcap.onMessage });
  let captureEndMs: number | undefined;
  const raw = new RawCapture(attachmentCap);
  const capture: CaptureStats = { stoppedBy: 'not-run', bytes: 0, lines: 0, seconds: 0, level: request.options.level, debugReset: false };
  let session: FortiSession | undefined;
  /** What was typed on each SSH connection, in order (the check's, then a fresh one for the cleanup): the transcript. */
  const typed: Array<readonly TypedLine[]> = [];
  let debugTouched = false;
  let sessionSuspect = false;
  /** How to put the debug console settings back as found (issue 11 §4); set once `diagnose debug info` was read. */
  let restore: DebugRestore | undefined;
  /** What the capture read so far, for an answer after a cut (issue 11 §3). */
  const soFar = { startedMs: undefined as number | undefined, stoppedBy: undefined as string | undefined, lines: 0, bytes: 0 };

  const configOnly = request.options.configOnly === true;
  /** The verdict posted from the configuration, and its post (awaited before anything else is posted). */
  let early: ConfigVerdict | undefined;
  let earlyPosted: Promise<void> = Promise.resolve();

  const overall = new AbortController();
  const onAbort = () => overall.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => overall.abort(new CheckError('timeout', `the check did not finish within ${Math.round(limits.checkTimeoutMs / 1000)} s`)), limits.checkTimeoutMs);

  // Progress is best effort: a chat failure must never skip the cleanup below.
  const progress = (update: ProgressUpdate) => safely(() => reporter.progress(update), deps);
  const checkpoint = () => {
    if (overall.signal.aborted) throw abortError(overall.signal.reason);
  };
  /** A command on the check's session; `aside`: read for the change assessment, kept out of the verdict's outputs. */
  const send = async (command: string, aside: boolean): Promise<CommandResult> => {
    checkpoint();
    if (!session) throw new CheckError('internal', 'no session');
    // A config-only check sends no `diagnose debug` line at all: refused here, before it reaches the session.
    if (configOnly) assertNoDebug(command, 'a config-only check');
    try {
      const result = await session.run(command, { timeoutMs: limits.commandTimeoutMs });
      if (!aside) outputs.push(result);
      return result;
    } catch (e) {
      if (e instanceof CheckError && e.kind === 'timeout') sessionSuspect = true;
      throw e;
    }
  };
  const run = (command: string) => send(command, false);
  // The entry is only a reminder for crash recovery: failing to clear it (disk full) must not fail the check.
  const finishJournal = async () => {
    try {
      await deps.journal.finish(request.id);
    } catch (e) {
      deps.log('warn', 'could not clear the debug journal entry; the next start will reset debug again', { checkId: request.id, firewall: entry.name, message: toCheckError(e).message });
    }
  };
  const mustSucceed = (result: CommandResult) => {
    if (result.error) {
      const kind = result.error.kind === 'permission-denied' ? 'permission-denied' : 'cli-error';
      throw new CheckError(kind, `\`${result.command}\` failed on ${entry.name}: ${result.error.text}`, { command: result.command });
    }
    return result;
  };

  let error: CheckError | undefined;
  let debugReset: boolean | null = null;
  let changes: ChangeAssessment[] | undefined;
  try {
    await progress({ phase: 'connecting', detail: `${entry.host}:${entry.port}` });
    session = await deps.openSession(entry);
    typed.push(session.record);
    checkpoint();

    await progress({ phase: 'reading-config' });
    const status = parseSystemStatus(mustSucceed(await run(COMMANDS.systemStatus)).output);
    const multiVdom = vdomModeIsMulti(status.vdomMode);
    const sipPort = sipPortFor(request.options);
    let vdoms: string[] = [];
    if (multiVdom) {
      vdoms = pickVdoms(await readGlobalVdoms(session, run, outputs), request.options.vdom ?? entry.vdom, entry.name);
    } else {
      if (request.options.vdom && request.options.vdom !== 'root') {
        throw new CheckError('usage', `${entry.name} runs without VDOMs; \`vdom=${request.options.vdom}\` does not apply.`);
      }
      for (const command of SINGLE_VDOM_GLOBAL_READS) await run(command);
    }
    const scopes = multiVdom ? vdoms : [null];
    for (const [i, vdom] of scopes.entries()) {
      if (vdom) await session.enterVdom(vdom);
      for (const command of vdomConfigReads()) await run(command);
      if (i === scopes.length - 1 && !configOnly) {
        // The answer first (issue 23): the verdict as soon as the configuration is read, before the counters and the
        // capture (their evidence settles it). Decided once the next command is on its way (the CPU overlaps the
        // device's answer) and posted without waiting, so the reads and the capture never wait for it or the chat.
        const read = outputs.slice();
        earlyPosted = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          early = configVerdictOf(request, read, deps);
          const posting = early;
          return posting ? safely(() => reporter.configVerdict(posting), deps) : undefined;
        });
      }
      for (const command of vdomEvidenceReads(sipPort)) await run(command);
      if (vdom) await session.leaveContext();
    }

    // An approved change of this firewall cut mid-way: judged from the reads above, under this check's lock, before
    // any debug line (another VDOM's config reads on this session if it was elsewhere). Audited now, said as a note
    // (in the card, or before the error); complete and absent entries are cleared, a partial one stays. Without an
    // entry nothing more is sent.
    if (deps.changes) changes = await assessUnfinishedChanges(deps.changes, { session, multiVdom, outputs, send, request, deps, notes });

    // A config-only check ends here: the card says no debug command was sent (the transcript shows it).
    if (!configOnly) {
      // The capture runs in the first VDOM checked (debug is device-wide; the sip-proxy counters are per VDOM).
      const captureVdom = multiVdom ? vdoms[0] : null;
      if (captureVdom) await session.enterVdom(captureVdom);
      // The debug settings as found, to put back afterwards (issue 11 §4).
      restore = await readDebugState(run, request.options, entry.name, notes);
      // Stored before anything is switched on: written while the leading disable/reset run (they switch nothing on).
      const journaled = Promise.resolve().then(() => deps.journal.begin({ checkId: request.id, firewall: entry.name, startedAt: deps.now().toISOString(), pid: process.pid, host: entry.host, port: entry.port, device: deviceKey(entry) }));
      journaled.catch(() => undefined); // awaited below
      // Another replica may hold the device now (a lease lost to a stall): touch nothing of its debug, not even the
      // leading `diagnose debug reset`, which is device-wide and would clear that replica's capture.
      if (deps.fence) {
        try {
          await deps.fence();
        } catch (e) {
          await journaled.catch(() => undefined);
          await finishJournal();
          throw e;
        }
      }
      debugTouched = true;
      debugReset = false;
      let debugChanged = false;
      for (const command of captureStartCommands(request.options, limits)) {
        if (!debugChanged && !(DEBUG_CLEANUP as readonly string[]).includes(command)) {
          await journaled.catch((e: unknown) => {
            // Not recorded: nothing may be switched on, and nothing was.
            debugTouched = false;
            debugReset = null;
            throw e;
          });
        }
        // Checked again right before switching the output on: the lease may have been lost while the levels were set.
        if (command === COMMANDS.debugEnable && deps.fence) await deps.fence();
        const result = await run(command);
        if (result.error && !debugChanged) {
          // Refused before anything was switched on (a read-only admin profile): nothing to undo.
          debugTouched = false;
          debugReset = null;
          await finishJournal();
        }
        mustSucceed(result);
        if (!(DEBUG_CLEANUP as readonly string[]).includes(command)) debugChanged = true;
      }
      await progress({ phase: 'capturing', elapsedSeconds: 0, totalSeconds: request.options.seconds });
      pcap.startsAt(deps.now().getTime());
      soFar.startedMs = deps.now().getTime();
      const stats = await session.capture({
        windowMs: request.options.seconds * 1000,
        maxBytes: limits.maxBytes,
        maxLines: limits.maxLines,
        signal: overall.signal,
        onLine: (line) => {
          analyzer.pushLine(line, deps.now().getTime());
          raw.push(line);
          soFar.lines++;
          soFar.bytes += Buffer.byteLength(line) + 1;
        },
        onTick: (elapsedMs) => {
          void progress({ phase: 'capturing', elapsedSeconds: Math.floor(elapsedMs / 1000), totalSeconds: request.options.seconds });
        },
      }).catch((e: unknown) => {
        // Its closing `diagnose debug disable` timed out or the link broke: the channel cannot be trusted for cleanup.
        sessionSuspect = true;
        throw e;
      });
      captureEndMs = deps.now().getTime();
      soFar.stoppedBy = stats.stoppedBy;
      Object.assign(capture, { stoppedBy: stats.stoppedBy, bytes: stats.bytes, lines: stats.lines, seconds: Math.round(stats.elapsedMs / 1000) });
      // The capture already sent `diagnose debug disable`; reset clears the levels (they keep running otherwise).
      mustSucceed(await run(COMMANDS.debugReset));
      debugReset = true;
      capture.debugReset = true;
      // Cleared in the store while the settings are put back and the counters are read (finishJournal never throws).
      const journalCleared = finishJournal();
      try {
        const restored = restore;
        restore = undefined; // once: a failure below must not make the cleanup path try again
        await putBackDebugSettings((c) => run(c), restored, entry.name, notes, (done) => {
          capture.settingsRestored = done;
          capture.settingsUnknown = restored?.unknown ?? [];
        });
        if (stats.stoppedBy === 'cancelled') throw abortError(overall.signal.reason);
        if (stats.stoppedBy !== 'window') notes.push(`The capture stopped early: the ${stats.stoppedBy} bound was reached (${describeBound(stats.stoppedBy, limits)}).`);
        await run(COMMANDS.sipProxyStats);
        if (captureVdom) await session.leaveContext();
      } finally {
        await journalCleared;
      }
    }
  } catch (e) {
    error = e instanceof CheckError ? e : toCheckError(e);
  } finally {
    clearTimeout(timer);
    deps.signal.removeEventListener('abort', onAbort);
  }

  if (debugTouched && debugReset !== true) {
    await progress({ phase: 'cleaning-up' });
    debugReset = await resetDebug(session, sessionSuspect, deps, notes, restore, typed);
    capture.debugReset = debugReset;
    if (debugReset) await finishJournal();
  }
  // Debug is reset (or could not be): logging out (`exit`, then the server closing the connection) overlaps the
  // analysis and posting; the check still ends (and its firewall lock is released) only once it is done.
  const closing = session ? session.close() : Promise.resolve();
  // Everything below posts after the verdict from the configuration (the reporter updates that card).
  await earlyPosted;

  let cutShort: CutShort | undefined;
  if (error && canAnswerAfter(error, outputs)) {
    // The link broke or a command hung after the config was read: answer from what was read (issue 11 §3).
    const inCapture = soFar.startedMs !== undefined && (soFar.stoppedBy === undefined || soFar.stoppedBy === 'cancelled');
    const phase = soFar.startedMs === undefined ? 'before-capture' : inCapture ? 'capture' : 'after-capture';
    cutShort = cutShortBy(error, phase, soFar.stoppedBy === undefined ? soFar.lines : capture.lines, debugReset);
    if (phase === 'capture') {
      captureEndMs ??= deps.now().getTime();
      Object.assign(capture, { stoppedBy: 'cut-short', lines: soFar.lines, bytes: soFar.bytes, seconds: Math.round((captureEndMs - (soFar.startedMs ?? captureEndMs)) / 1000) });
    }
    deps.log('warn', 'check cut short; answering from what was read', { checkId: request.id, firewall: entry.name, kind: error.kind, message: error.message, phase });
    notes.unshift(cutShort.note);
    error = undefined;
  }

  if (error) {
    await closing;
    deps.log(error.kind === 'internal' ? 'error' : 'warn', 'check failed', { checkId: request.id, firewall: entry.name, kind: error.kind, message: error.message });
    for (const note of notes) await safely(() => reporter.note(note), deps);
    await safely(() => reporter.failed(error as CheckError, { debugReset }), deps);
    return { error, debugReset };
  }

  await progress({ phase: 'analysing' });
  let result: CheckResult;
  try {
    result = await buildResult(request, deps, { outputs, typed, notes, capture, startedAt, analyzer, raw, pcap, captureEndMs });
    if (cutShort) result.cutShort = cutShort;
    if (early) result.early = early;
    if (changes?.length) result.changes = changes;
  } catch (e) {
    // A bug in analysis must still end in a message, not silence; the cleanup already ran (its outcome is in debugReset).
    const cause = toCheckError(e);
    // A full worker queue or a stopping pool keeps its kind (try again later); anything else is a bug or a crash.
    const debugState = debugReset === true ? 'debug is reset' : debugReset === null ? 'debug was never enabled' : 'the debug reset could not be confirmed (see the notes)';
    const failure = new CheckError(cause.kind === 'overloaded' || cause.kind === 'shutdown' ? cause.kind : 'internal', `The analysis failed: ${cause.message}. The transcript was read and ${debugState}.`);
    deps.log('error', 'analysis failed', { checkId: request.id, firewall: entry.name, message: failure.message });
    for (const note of notes) await safely(() => reporter.note(note), deps);
    await safely(() => reporter.failed(failure, { debugReset }), deps);
    await closing;
    return { error: failure, debugReset };
  }
  for (const note of notes) await safely(() => reporter.note(note), deps);
  await safely(() => reporter.result(result), deps);
  await closing;
  return { result, debugReset };
}


/**
 * The change journal's entries for this firewall, judged from what the check read (see `RunDeps.changes`); each
 * becomes a note. A journal that cannot be read is logged and said; it never fails the check.
 */
async function assessUnfinishedChanges(
  changes: UnfinishedChanges,
  on: { session: FortiSession; multiVdom: boolean; outputs: readonly CommandResult[]; send: (command: string, aside: boolean) => Promise<CommandResult>; request: CheckRequest; deps: RunDeps; notes: string[] },
): Promise<ChangeAssessment[] | undefined> {
  const { deps, request } = on;
  let pending;
  try {
    pending = entriesOf(await changes.journal.pending(), deps.entry);
  } catch (e) {
    const message = toCheckError(e).message;
    deps.log('warn', 'could not read the change journal; unfinished changes of this firewall were not assessed', { checkId: request.id, firewall: deps.entry.name, message });
    on.notes.push(`The change journal could not be read, so whether an approved change of ${deps.entry.name} was cut mid-way is not known from this check.`);
    return undefined;
  }
  if (!pending.length) return undefined;
  const known = listedVdoms(on.outputs);
  const found = await assessEntries(
    pending,
    { outputs: on.outputs, multiVdom: on.multiVdom, readVdom: vdomReader(on.session, (c) => on.send(c, true), async () => known) },
    { journal: changes.journal, audit: changes.audit, via: `check ${request.id}`, userId: request.requester.userId, log: deps.log },
  );
  on.notes.push(...found.map((f) => f.text));
  return found;
}

/** The verdict from what was read before the capture; undefined (logged) if the analysis fails: the capture still runs. */
function configVerdictOf(request: CheckRequest, outputs: CommandResult[], deps: RunDeps): ConfigVerdict | undefined {
  try {
    const read = analyseConfig(outputs);
    return { request, hostname: read.status.hostname, version: read.status.version, verdict: read.verdict, config: read.config, captureSeconds: request.options.seconds, readAt: deps.now() };
  } catch (e) {
    deps.log('error', 'the verdict from the configuration failed; the result will carry the verdict', { checkId: request.id, firewall: deps.entry.name, message: toCheckError(e).message });
    return undefined;
  }
}

/** Analysis and attachments, after the firewall is left clean. */
async function buildResult(
  request: CheckRequest,
  deps: RunDeps,
  collected: { outputs: CommandResult[]; typed: ReadonlyArray<readonly TypedLine[]>; notes: string[]; capture: CaptureStats; startedAt: Date; analyzer: SipCaptureAnalyzer; raw: RawCapture; pcap: PcapCapture; captureEndMs?: number },
): Promise<CheckResult> {
  const { outputs, typed, notes, capture, startedAt, analyzer, raw, pcap, captureEndMs } = collected;
  const entry = deps.entry;
  const sip = analyzer.summary({ endMs: captureEndMs });
  if (request.options.peer !== undefined || request.options.port !== undefined) {
    const what = [request.options.peer && `peer ${request.options.peer}`, request.options.port && `port ${request.options.port}`].filter(Boolean).join(' and ');
    notes.push(`The SIP summary keeps only messages to or from ${what}: ${countOf(sip.lines.filteredOut ?? 0, 'other SIP record')} left out. The raw capture has everything.`);
  }
  const ladders = analyzer.ladders(3);
  const tasks = deps.tasks ?? inlineTasks;
  // The logout was typed when closing began: every line is in the record by now.
  const record = typed.map((lines) => lines.map((line) => ({ ...line })));
  const rendered = await tasks.run('report', { outputs, sip, ladders, record, firewall: entry.name });
  const analysis = rendered.analysis;
  const redact = deps.redact ?? ((t: string) => t);
  const attachments: FileAttachment[] = [];
  const report = redact(rendered.report);
  attachments.push({ filename: `sip-check-${entry.name}-report.txt`, title: 'Full report', content: Buffer.from(report), mimeType: 'text/plain' });
  attachments.push({ filename: `sip-check-${entry.name}-transcript.txt`, title: 'CLI transcript (every line typed, in order)', content: Buffer.from(redact(rendered.transcript)), mimeType: 'text/plain' });
  if (raw.bytes > 0) attachments.push(await raw.attachment(entry.name, redact));
  const packets = pcap.attachment(entry.name, startedAt, sip.messages, notes);
  if (packets) attachments.push(packets);
  if (ladders.length) {
    try {
      attachments.push({ filename: `sip-check-${entry.name}-ladder.png`, title: 'SIP ladder', content: await tasks.run('ladderPng', ladders.map((l) => redactLadder(l, redact))), mimeType: 'image/png' });
    } catch (e) {
      notes.push(`The ladder picture could not be drawn (${toCheckError(e).message}); the text ladder is in the full report.`);
    }
  }
  return {
    request,
    hostname: analysis.status.hostname,
    version: analysis.status.version,
    verdict: analysis.verdict,
    config: analysis.config,
    sip: analysis.sip,
    capture,
    outputs,
    attachments,
    notes,
    startedAt,
    finishedAt: deps.now(),
  };
}

/**
 * `diagnose debug disable` + `diagnose debug reset` on the session if it is still usable, else on a fresh one
 * (a hung command leaves the channel mid-output; a dropped connection leaves nothing): reconnect once.
 */
async function resetDebug(session: FortiSession | undefined, sessionSuspect: boolean, deps: RunDeps, notes: string[], restore: DebugRestore | undefined, typed: Array<readonly TypedLine[]>): Promise<boolean> {
  const attempt = async (s: FortiSession) => {
    for (const command of DEBUG_CLEANUP) {
      const r = await s.run(command, { timeoutMs: deps.limits.commandTimeoutMs });
      if (r.error) return false;
    }
    // Best effort once debug is reset: the console settings as found (a failure is said, never fatal).
    await putBackDebugSettings((c) => s.run(c, { timeoutMs: deps.limits.commandTimeoutMs }), restore, deps.entry.name, notes, (done) => {
      if (done.length) notes.push(`Debug settings of ${deps.entry.name} put back as found: ${done.join(', ')}.`);
    }).catch(() => undefined);
    return true;
  };
  if (session && session.alive && !sessionSuspect) {
    try {
      if (await attempt(session)) return true;
    } catch (e) {
      deps.log('warn', 'debug reset on the check session failed', { firewall: deps.entry.name, kind: toCheckError(e).kind });
    }
  }
  if (session) await session.close();
  let fresh: FortiSession | undefined;
  try {
    fresh = await deps.openSession(deps.entry);
    typed.push(fresh.record);
    const ok = await attempt(fresh);
    notes.push(ok
      ? `The SSH session to ${deps.entry.name} was lost or stuck during the check; the bot reconnected and reset debug (\`diagnose debug disable\`, \`diagnose debug reset\`).`
      : `The bot reconnected to ${deps.entry.name} but could not confirm the debug reset: run \`diagnose debug disable\` and \`diagnose debug reset\` on it.`);
    return ok;
  } catch (e) {
    notes.push(`The bot could not reconnect to ${deps.entry.name} to reset debug (${toCheckError(e).kind}). The device-side timer (\`diagnose debug duration\`) stops the output; run \`diagnose debug reset\` on it, or the bot will retry at its next start.`);
    return false;
  } finally {
    if (fresh) await fresh.close();
  }
}

async function safely(fn: () => Promise<void>, deps: RunDeps): Promise<void> {
  try {
    await fn();
  } catch (e) {
    deps.log('error', 'reporting failed', { firewall: deps.entry.name, message: toCheckError(e).message });
  }
}

function abortError(reason: unknown): CheckError {
  if (reason instanceof CheckError) return reason;
  return new CheckError('cancelled', 'the check was cancelled');
}

function describeBound(stop: string, limits: CheckLimits): string {
  if (stop === 'bytes') return `${Math.round(limits.maxBytes / 1024 / 1024)} MiB`;
  if (stop === 'lines') return `${limits.maxLines} lines`;
  return stop;
}

function redactLadder<T extends { title: string; endpoints: string[]; rows: Array<{ from: string; to: string; label: string; sdp?: string }> }>(ladder: T, redact: (t: string) => string): T {
  return {
    ...ladder,
    title: redact(ladder.title),
    endpoints: ladder.endpoints.map(redact),
    rows: ladder.rows.map((r) => ({ ...r, from: redact(r.from), to: redact(r.to), label: redact(r.label), sdp: r.sdp === undefined ? undefined : redact(r.sdp) })),
  };
}

/** The raw debug capture for the attachment: capped in memory, gzipped when large. */
class RawCapture {
  private readonly chunks: string[] = [];
  bytes = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(line: string): void {
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size > this.cap) {
      this.truncated = true;
      return;
    }
    this.chunks.push(line);
    this.bytes += size;
  }
  async attachment(firewall: string, redact: (t: string) => string): Promise<FileAttachment> {
    let text = redact(this.chunks.join('\n') + '\n');
    if (this.truncated) text += `[sip-check: raw capture cut at ${formatBytes(this.cap)}; the summary saw all of it]\n`;
    const buffer = Buffer.from(text);
    if (buffer.length > GZIP_ABOVE) {
      return { filename: `sip-check-${firewall}-sip-debug.log.gz`, title: 'Raw SIP debug capture (gzip)', content: await gzipAsync(buffer), mimeType: 'application/gzip' };
    }
    return { filename: `sip-check-${firewall}-sip-debug.log`, title: 'Raw SIP debug capture', content: buffer, mimeType: 'text/plain' };
  }
}

/**
 * The SIP messages as a capture file (src/pcap), built while the capture streams, within the raw capture's bound.
 * Attached when the capture held SIP; the thread says when it was cut. A redaction that cannot produce pseudonym
 * addresses (not made by createRedactor) gets no capture file rather than a leaking one.
 */
class PcapCapture {
  private readonly chunks: Buffer[] = [];
  private readonly writer: SipPcapWriter | undefined;
  readonly onMessage: ((m: CapturedSipMessage) => void) | undefined;

  constructor(private readonly cap: number, startMs: number, redact: ((t: string) => string) | undefined) {
    const redaction = packetRedactionOf(redact);
    if (redact && !redaction) return;
    const writer = new SipPcapWriter({ write: (c) => this.chunks.push(c), startMs, maxBytes: cap, redaction });
    this.writer = writer;
    // It runs inside the capture loop: a fault here must cost the file, never the capture or the debug reset.
    this.onMessage = (m) => {
      if (this.failure !== undefined) return;
      try {
        writer.add(m);
      } catch (e) {
        this.failure = e instanceof Error ? e.message : String(e);
      }
    };
  }

  private failure: string | undefined;

  /** No console timestamps: packets are timed from here. */
  startsAt(ms: number): void {
    if (this.writer) this.writer.startMs = ms;
  }

  attachment(firewall: string, startedAt: Date, messages: number, notes: string[]): FileAttachment | undefined {
    const w = this.writer;
    if (!w) {
      if (messages > 0) notes.push('No capture file (pcap) was attached: the configured redaction cannot produce pseudonym addresses for it.');
      return undefined;
    }
    if (this.failure !== undefined) {
      notes.push(`No capture file (pcap) was attached: writing it failed (${this.failure}). The summary and the raw capture are complete.`);
      return undefined;
    }
    if (w.packets === 0 && w.leftOut === 0) return undefined;
    if (w.cut) notes.push(`The capture file (pcap) was cut at ${formatBytes(this.cap)}: it holds the first ${countOf(w.packets, 'packet')}; ${countOf(w.leftOut, 'later SIP message')} ${w.leftOut === 1 ? 'is' : 'are'} only in the summary.`);
    return { filename: pcapFileName(firewall, startedAt), title: 'SIP messages as a capture file (pcapng: Wireshark, sngrep -I)', content: Buffer.concat(this.chunks), mimeType: 'application/vnd.tcpdump.pcap' };
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MiB` : `${Math.round(n / 1024)} KiB`;
}
