/**
 * The bot side of the benchmarks, built as main.ts builds it: `createCheckService` with the real session opener,
 * audit log, journal and rate limiter, and `createSlackApp` in HTTP mode against the fake Slack. Plus the timing
 * seams: a reporter and a session opener that stamp what the check does, without changing it.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { App, Logger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { createSlackApp } from '../src/adapters/slack/app';
import { ChannelQueue } from '../src/adapters/slack/channelQueue';
import { AuditLog } from '../src/check/audit';
import type { CheckError } from '../src/errors';
import { DebugJournal } from '../src/check/journal';
import { RateLimiter } from '../src/check/rateLimit';
import type { SessionOpener } from '../src/check/run';
import { WorkerPool } from '../src/workers/pool';
import { loadAppConfig } from '../src/config/env';
import { createCheckService, type CheckService, type HandleOutcome } from '../src/check/service';
import type { CheckReporter, CheckRequest, CheckResult, ConfigVerdict, ProgressUpdate, Requester } from '../src/check/types';
import type { CheckLimits, Inventory } from '../src/config/types';
import type { CaptureOptions, CaptureResult, CommandResult, FortiSession } from '../src/fortigate/types';
import { signSlackRequest } from '../test/support/fakeSlack';
import { BENCH_USER, nowMs, OUT_DIR } from './lib';

export const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-bench-token';

export interface BotCounters {
  /** `error`-level log lines of the service (crashed checks, failed posts). */
  errors: number;
  warnings: number;
}

export function buildService(opts: { inventory: Inventory; limits: CheckLimits; openSession: SessionOpener; maxConcurrent: number; tag: string; counters?: BotCounters }): CheckService {
  mkdirSync(OUT_DIR, { recursive: true });
  const counters = opts.counters;
  // As in production (src/main.ts): the default worker pool, started up front.
  const defaults = loadAppConfig({});
  const tasks = defaults.workers > 0 ? new WorkerPool({ size: defaults.workers, maxQueue: defaults.workerQueue }).warm() : undefined;
  const service = createCheckService({
    inventory: opts.inventory,
    limits: opts.limits,
    openSession: opts.openSession,
    journal: new DebugJournal(path.join(OUT_DIR, `journal-${opts.tag}-${process.pid}.json`)),
    audit: new AuditLog(path.join(OUT_DIR, `audit-${opts.tag}.log`)),
    // Generous: the benchmarks measure the bot, not the per-user limit.
    rateLimiter: new RateLimiter({ count: 1_000_000, windowSeconds: 60 }),
    maxConcurrent: opts.maxConcurrent,
    log: (level) => {
      if (counters && level === 'error') counters.errors += 1;
      if (counters && level === 'warn') counters.warnings += 1;
    },
    tasks,
  });
  return {
    ...service,
    async shutdown(timeoutMs) {
      await service.shutdown(timeoutMs);
      await tasks?.close();
    },
  };
}

/** Bolt's logger, silenced (the benchmark prints figures, not logs); errors are counted. */
export function quietLogger(counters?: BotCounters): Logger {
  let level = LogLevel.ERROR;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => {
      if (counters) counters.warnings += 1;
    },
    error: () => {
      if (counters) counters.errors += 1;
    },
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export interface HttpBot {
  app: App;
  url: string;
  stop(): Promise<void>;
}

export async function startHttpBot(opts: { service: CheckService; slackApiUrl: string; counters?: BotCounters; onOutcome?: (outcome: HandleOutcome, requester: Requester) => void }): Promise<HttpBot> {
  const app = createSlackApp({
    mode: 'http',
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    service: opts.service,
    slackApiUrl: opts.slackApiUrl,
    logger: quietLogger(opts.counters),
    postRetryConfig: { retries: 0 },
    // Unpaced (the fake does not pace either): the figures are the bot's, not Slack's one post per second.
    channelQueue: new ChannelQueue({ pacing: { intervalMs: 0, burst: 1 } }),
    onOutcome: opts.onOutcome,
  });
  const server = (await app.start(0)) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return {
    app,
    url,
    stop: async () => {
      await app.stop();
    },
  };
}

let responseCounter = 0;

/** A `/sip-check` slash command as Slack sends it: form-encoded, signed with the signing secret. */
export function slashCommandRequest(text: string, slackBaseUrl: string, user = BENCH_USER): { body: string; headers: Record<string, string> } {
  responseCounter += 1;
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0FAKE', // the fake Slack's auth.test team: a command from another workspace is refused (external user)
    team_domain: 'bench',
    // A channel per command: the bot paces posts per channel as Slack asks (about one a second after a short burst),
    // so back-to-back checks in one channel would measure that queue, not the check. One check in a channel is
    // what a user sees.
    channel_id: `C0BENCH${responseCounter}`,
    channel_name: 'voip-bench',
    user_id: user,
    user_name: 'bench',
    command: '/sip-check',
    text,
    api_app_id: 'A0SIPCHECK',
    response_url: `${slackBaseUrl}/respond/${responseCounter}`,
    trigger_id: `1334522460${responseCounter}.738474920.8088930838d88f008e0`,
  }).toString();
  const headers = { ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' };
  return { body, headers };
}

/** Posts the command; resolves with the HTTP status once Bolt has answered (the ack). */
export async function postSlashCommand(url: string, text: string, slackBaseUrl: string): Promise<number> {
  const { body, headers } = slashCommandRequest(text, slackBaseUrl);
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

// ---------------------------------------------------------------------------------------------
// Timing seams.

/** What one check did, in `performance.now()` milliseconds. */
export interface CheckTimeline {
  startBegin?: number;
  startEnd?: number;
  phases: Partial<Record<ProgressUpdate['phase'], number>>;
  openBegin?: number;
  openEnd?: number;
  commands: Array<{ command: string; begin: number; end: number }>;
  captureBegin?: number;
  captureEnd?: number;
  /** The verdict from the configuration (issue 23): the reporter called, and the card posted. */
  verdictBegin?: number;
  verdictEnd?: number;
  resultBegin?: number;
  resultEnd?: number;
  failed?: CheckError;
  /** `verdict.handler` of the posted result (the result itself is not kept: attachments are large). */
  verdict?: string;
}

export function newTimeline(): CheckTimeline {
  return { phases: {}, commands: [] };
}

/** Delegates to the real reporter and stamps each call (first time of each phase). */
export class TimedReporter implements CheckReporter {
  constructor(
    private readonly inner: CheckReporter,
    private readonly timeline: CheckTimeline,
  ) {}
  async start(request: CheckRequest): Promise<void> {
    this.timeline.startBegin = nowMs();
    try {
      await this.inner.start(request);
    } finally {
      this.timeline.startEnd = nowMs();
    }
  }
  async progress(update: ProgressUpdate): Promise<void> {
    this.timeline.phases[update.phase] ??= nowMs();
    await this.inner.progress(update);
  }
  note(text: string): Promise<void> {
    return this.inner.note(text);
  }
  async configVerdict(early: ConfigVerdict): Promise<void> {
    this.timeline.verdictBegin = nowMs();
    try {
      await this.inner.configVerdict(early);
    } finally {
      this.timeline.verdictEnd = nowMs();
    }
  }
  async result(result: CheckResult): Promise<void> {
    this.timeline.resultBegin = nowMs();
    this.timeline.verdict = result.verdict.handler;
    try {
      await this.inner.result(result);
    } finally {
      this.timeline.resultEnd = nowMs();
    }
  }
  async failed(error: CheckError, cleanup: { debugReset: boolean | null }): Promise<void> {
    this.timeline.failed = error;
    await this.inner.failed(error, cleanup);
  }
}

/** A service whose reporters are wrapped in `TimedReporter`s bound to `current()`'s timeline. */
export function timedService(inner: CheckService, current: () => CheckTimeline): CheckService {
  return {
    handle: (text, requester, makeReporter) => inner.handle(text, requester, () => new TimedReporter(makeReporter(), current())),
    remediation: (checkId, requester) => inner.remediation(checkId, requester),
    shutdown: (timeoutMs) => inner.shutdown(timeoutMs),
  };
}

/** An opener whose sessions stamp every command and the capture. */
export function timedOpener(inner: SessionOpener, current: () => CheckTimeline): SessionOpener {
  return async (entry) => {
    const timeline = current();
    timeline.openBegin = nowMs();
    const session = await inner(entry);
    timeline.openEnd = nowMs();
    return new TimedSession(session, timeline);
  };
}

class TimedSession implements FortiSession {
  constructor(
    private readonly inner: FortiSession,
    private readonly timeline: CheckTimeline,
  ) {}
  get info() {
    return this.inner.info;
  }
  get context() {
    return this.inner.context;
  }
  get alive() {
    return this.inner.alive;
  }
  get record() {
    return this.inner.record;
  }
  async run(command: string, opts?: { timeoutMs?: number }): Promise<CommandResult> {
    const begin = nowMs();
    const result = await this.inner.run(command, opts);
    this.timeline.commands.push({ command, begin, end: nowMs() });
    return result;
  }
  enterVdom(name: string): Promise<void> {
    return this.inner.enterVdom(name);
  }
  enterGlobal(): Promise<void> {
    return this.inner.enterGlobal();
  }
  leaveContext(): Promise<void> {
    return this.inner.leaveContext();
  }
  async capture(opts: CaptureOptions): Promise<CaptureResult> {
    this.timeline.captureBegin = nowMs();
    try {
      return await this.inner.capture(opts);
    } finally {
      this.timeline.captureEnd = nowMs();
    }
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
