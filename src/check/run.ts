import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { CheckLimits, FirewallEntry } from '../config/types';
import { COMMANDS, DEBUG_CLEANUP, vdomModeIsMulti } from '../fortios/cli';
import type { CommandResult, FortiSession } from '../fortigate/types';
import { parseSystemStatus, parseVdList } from '../fortios/parsers';
import { SipCaptureAnalyzer } from '../sip';
import { CheckError, toCheckError } from '../errors';
import { GLOBAL_READS, SINGLE_VDOM_GLOBAL_READS, captureStartCommands, sipPortFor, vdomReads } from './plan';
import { inlineTasks, type TaskRunner } from '../workers/pool';
import type { CaptureStats, CheckReporter, CheckRequest, CheckResult, FileAttachment, ProgressUpdate } from './types';

/** Opens a prepared CLI session on a firewall (the FortiGate driver in production; the same driver in tests). */
export type SessionOpener = (entry: FirewallEntry) => Promise<FortiSession>;

/** The crash journal (DebugJournal): `begin` settles once the record is durable, before debug is enabled. */
export interface CheckJournal {
  begin(entry: { checkId: string; firewall: string; startedAt: string; pid: number; host?: string; port?: number }): void | Promise<void>;
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
  /** Where analysis, report rendering and the ladder PNG run: the worker pool (default: this thread). */
  tasks?: TaskRunner;
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
  const analyzer = new SipCaptureAnalyzer({ filter: { peer: request.options.peer, port: request.options.port } });
  let captureEndMs: number | undefined;
  const raw = new RawCapture(RAW_ATTACHMENT_CAP);
  const capture: CaptureStats = { stoppedBy: 'not-run', bytes: 0, lines: 0, seconds: 0, level: request.options.level, debugReset: false };
  let session: FortiSession | undefined;
  let debugTouched = false;
  let sessionSuspect = false;

  const overall = new AbortController();
  const onAbort = () => overall.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => overall.abort(new CheckError('timeout', `the check did not finish within ${Math.round(limits.checkTimeoutMs / 1000)} s`)), limits.checkTimeoutMs);

  // Progress is best effort: a chat failure must never skip the cleanup below.
  const progress = (update: ProgressUpdate) => safely(() => reporter.progress(update), deps);
  const checkpoint = () => {
    if (overall.signal.aborted) throw abortError(overall.signal.reason);
  };
  const run = async (command: string): Promise<CommandResult> => {
    checkpoint();
    if (!session) throw new CheckError('internal', 'no session');
    try {
      const result = await session.run(command, { timeoutMs: limits.commandTimeoutMs });
      outputs.push(result);
      return result;
    } catch (e) {
      if (e instanceof CheckError && e.kind === 'timeout') sessionSuspect = true;
      throw e;
    }
  };
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
  try {
    await progress({ phase: 'connecting', detail: `${entry.host}:${entry.port}` });
    session = await deps.openSession(entry);
    checkpoint();

    await progress({ phase: 'reading-config' });
    const status = parseSystemStatus(mustSucceed(await run(COMMANDS.systemStatus)).output);
    const multiVdom = vdomModeIsMulti(status.vdomMode);
    const sipPort = sipPortFor(request.options);
    let vdoms: string[] = [];
    if (multiVdom) {
      await session.enterGlobal();
      for (const command of GLOBAL_READS) await run(command);
      await session.leaveContext();
      const known = parseVdList(outputs.find((o) => o.command === COMMANDS.vdList)?.output ?? '').map((v) => v.name);
      const wanted = request.options.vdom ?? entry.vdom;
      if (wanted) {
        // `edit NAME` under `config vdom` creates a VDOM that does not exist: a config write. Only enter names
        // the firewall listed (root always exists).
        if (wanted !== 'root' && !known.includes(wanted)) {
          throw new CheckError('usage', known.length
            ? `VDOM \`${wanted}\` does not exist on ${entry.name}. VDOMs: ${known.join(', ')}`
            : `Could not list the VDOMs of ${entry.name} (\`${COMMANDS.vdList}\`), so \`vdom=${wanted}\` cannot be checked safely.`);
        }
        vdoms = [wanted];
      } else {
        vdoms = known.length ? known : ['root'];
      }
    } else {
      if (request.options.vdom && request.options.vdom !== 'root') {
        throw new CheckError('usage', `${entry.name} runs without VDOMs; \`vdom=${request.options.vdom}\` does not apply.`);
      }
      for (const command of SINGLE_VDOM_GLOBAL_READS) await run(command);
    }
    for (const vdom of multiVdom ? vdoms : [null]) {
      if (vdom) await session.enterVdom(vdom);
      for (const command of vdomReads(sipPort)) await run(command);
      if (vdom) await session.leaveContext();
    }

    // The capture runs in the first VDOM checked (debug is device-wide; the sip-proxy counters are per VDOM).
    const captureVdom = multiVdom ? vdoms[0] : null;
    if (captureVdom) await session.enterVdom(captureVdom);
    // Durable before anything is switched on: written while the leading disable/reset run (they switch nothing on).
    const journaled = Promise.resolve().then(() => deps.journal.begin({ checkId: request.id, firewall: entry.name, startedAt: deps.now().toISOString(), pid: process.pid, host: entry.host, port: entry.port }));
    journaled.catch(() => undefined); // awaited below
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
    const stats = await session.capture({
      windowMs: request.options.seconds * 1000,
      maxBytes: limits.maxBytes,
      maxLines: limits.maxLines,
      signal: overall.signal,
      onLine: (line) => {
        analyzer.pushLine(line, deps.now().getTime());
        raw.push(line);
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
    Object.assign(capture, { stoppedBy: stats.stoppedBy, bytes: stats.bytes, lines: stats.lines, seconds: Math.round(stats.elapsedMs / 1000) });
    // The capture already sent `diagnose debug disable`; reset clears the levels (they keep running otherwise).
    mustSucceed(await run(COMMANDS.debugReset));
    debugReset = true;
    capture.debugReset = true;
    // Cleared on disk while the counters are read (finishJournal never throws).
    const journalCleared = finishJournal();
    if (stats.stoppedBy === 'cancelled') {
      await journalCleared;
      throw abortError(overall.signal.reason);
    }
    if (stats.stoppedBy !== 'window') notes.push(`The capture stopped early: the ${stats.stoppedBy} bound was reached (${describeBound(stats.stoppedBy, limits)}).`);
    try {
      await run(COMMANDS.sipProxyStats);
      if (captureVdom) await session.leaveContext();
    } finally {
      await journalCleared;
    }
  } catch (e) {
    error = e instanceof CheckError ? e : toCheckError(e);
  } finally {
    clearTimeout(timer);
    deps.signal.removeEventListener('abort', onAbort);
  }

  if (debugTouched && debugReset !== true) {
    await progress({ phase: 'cleaning-up' });
    debugReset = await resetDebug(session, sessionSuspect, deps, notes);
    capture.debugReset = debugReset;
    if (debugReset) await finishJournal();
  }
  // Debug is reset (or could not be): logging out (`exit`, then the server closing the connection) overlaps the
  // analysis and posting; the check still ends (and its firewall lock is released) only once it is done.
  const closing = session ? session.close() : Promise.resolve();

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
    result = await buildResult(request, deps, { outputs, notes, capture, startedAt, analyzer, raw, captureEndMs });
  } catch (e) {
    // A bug in analysis must still end in a message, not silence; debug is already reset at this point.
    const cause = toCheckError(e);
    // A full worker queue or a stopping pool keeps its kind (try again later); anything else is a bug or a crash.
    const failure = new CheckError(cause.kind === 'overloaded' || cause.kind === 'shutdown' ? cause.kind : 'internal', `The analysis failed: ${cause.message}. The transcript was read and debug is reset.`);
    deps.log('error', 'analysis failed', { checkId: request.id, firewall: entry.name, message: failure.message });
    await safely(() => reporter.failed(failure, { debugReset }), deps);
    await closing;
    return { error: failure, debugReset };
  }
  for (const note of notes) await safely(() => reporter.note(note), deps);
  await safely(() => reporter.result(result), deps);
  await closing;
  return { result, debugReset };
}


/** Analysis and attachments, after the firewall is left clean. */
async function buildResult(
  request: CheckRequest,
  deps: RunDeps,
  collected: { outputs: CommandResult[]; notes: string[]; capture: CaptureStats; startedAt: Date; analyzer: SipCaptureAnalyzer; raw: RawCapture; captureEndMs?: number },
): Promise<CheckResult> {
  const { outputs, notes, capture, startedAt, analyzer, raw, captureEndMs } = collected;
  const entry = deps.entry;
  const sip = analyzer.summary({ endMs: captureEndMs });
  if (request.options.peer !== undefined || request.options.port !== undefined) {
    const what = [request.options.peer && `peer ${request.options.peer}`, request.options.port && `port ${request.options.port}`].filter(Boolean).join(' and ');
    notes.push(`The SIP summary keeps only messages to or from ${what}: ${sip.lines.filteredOut ?? 0} other SIP record(s) left out. The raw capture has everything.`);
  }
  const ladders = analyzer.ladders(3);
  const tasks = deps.tasks ?? inlineTasks;
  const rendered = await tasks.run('report', { outputs, sip, ladders, fallbackHostname: entry.name });
  const analysis = rendered.analysis;
  const redact = deps.redact ?? ((t: string) => t);
  const attachments: FileAttachment[] = [];
  const report = redact(rendered.report);
  attachments.push({ filename: `sip-check-${entry.name}-report.txt`, title: 'Full report', content: Buffer.from(report), mimeType: 'text/plain' });
  attachments.push({ filename: `sip-check-${entry.name}-transcript.txt`, title: 'CLI transcript (config and evidence)', content: Buffer.from(redact(rendered.transcript)), mimeType: 'text/plain' });
  if (raw.bytes > 0) attachments.push(await raw.attachment(entry.name, redact));
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
async function resetDebug(session: FortiSession | undefined, sessionSuspect: boolean, deps: RunDeps, notes: string[]): Promise<boolean> {
  const attempt = async (s: FortiSession) => {
    for (const command of DEBUG_CLEANUP) {
      const r = await s.run(command, { timeoutMs: deps.limits.commandTimeoutMs });
      if (r.error) return false;
    }
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
    if (this.truncated) text += `[sip-check: raw capture cut at ${Math.round(this.cap / 1024 / 1024)} MiB; the summary saw all of it]\n`;
    const buffer = Buffer.from(text);
    if (buffer.length > GZIP_ABOVE) {
      return { filename: `sip-check-${firewall}-sip-debug.log.gz`, title: 'Raw SIP debug capture (gzip)', content: await gzipAsync(buffer), mimeType: 'application/gzip' };
    }
    return { filename: `sip-check-${firewall}-sip-debug.log`, title: 'Raw SIP debug capture', content: buffer, mimeType: 'text/plain' };
  }
}
