import { ConfigError } from './errors';
import { SLACK_CHANNEL_ID, SLACK_USER_ID, TAG_NAME } from './patterns';
import type { CheckLimits } from './types';

/**
 * Application settings from the environment, validated once at start-up.
 * Every problem names the variable, the bad value (never for secrets) and what is expected;
 * all problems are collected and thrown together as one `ConfigError`.
 */

export type RedactMode = 'none' | 'users' | 'addresses' | 'all';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RateLimitConfig {
  /** Checks a user may start ... */
  count: number;
  /** ... within this sliding window. */
  windowSeconds: number;
}

interface CommonConfig {
  /** Inventory file; always set in Slack modes. In console mode the built-in `fw-demo` is added. */
  inventoryPath?: string;
  limits: CheckLimits;
  /** Checks running at once across all firewalls; more are refused (`overloaded`), not queued. */
  maxConcurrent: number;
  /** Worker threads for analysis, report rendering and the ladder PNG; 0 runs them on the bot's thread. */
  workers: number;
  /** Analyses waiting for a free worker; one more fails its check with `overloaded`. */
  workerQueue: number;
  /** Per-user limit on check starts. */
  rateLimit: RateLimitConfig;
  auditPath: string;
  journalPath: string;
  /** Console mode: where attachments (transcripts, captures) are written. */
  attachmentsDir: string;
  /** Console mode: log lines go to this file so they do not interleave with the terminal thread. */
  logFile: string;
  /**
   * Console mode: the Slack user ID the terminal acts as, so inventory grants apply to it as in Slack.
   * Unset: the terminal may use the built-in `fw-demo` only.
   */
  consoleUser?: string;
  /**
   * Console mode: a second user (Slack user ID) who approves proposed changes typed in the terminal (issue 24).
   * Set, the demo firewall fw-demo allows approved changes with a write account of its own.
   */
  consoleApprover?: string;
  /** What to mask in posted SIP summaries: SIP users, IP addresses, both, or nothing. */
  redact: RedactMode;
  logLevel: LogLevel;
  /** Firewalls one fleet sweep reads at once; at most half of `maxConcurrent` (the rest stays for checks). */
  sweepConcurrency: number;
  /** The drift watch (Slack modes): sweeps on a schedule and posts changes. Absent when not configured. */
  watch?: WatchConfig;
  /** Fleet results and history (the watch; `sweep --state` names its own file). */
  fleetStatePath: string;
  /**
   * Replicas: locks, the cap, the rate limit, the crash journal and the group cache live in this Redis.
   * Unset: all of them stay in this process (and the journal in its file).
   */
  redis?: { url: string; leaseMs: number };
  /** Serve /healthz and /metrics on this port (in HTTP mode /healthz also answers on PORT, /metrics never does). */
  metricsPort?: number;
  /** The address the ops port binds to: 127.0.0.1 unless SIP_CHECK_METRICS_HOST says otherwise. */
  metricsHost: string;
  /** Not fatal, worth logging at start-up (e.g. both an app token and a signing secret are set). */
  warnings: string[];
}

export interface WatchConfig {
  channelId: string;
  everyMs: number;
  tag?: string;
}

/**
 * How the bot talks to Slack, inferred from which secrets are set. `slack` carries every secret key in every
 * Slack mode (the unused one `undefined`), so code that only narrowed away `console` can read them.
 */
export type SlackConfig =
  /** Outbound WebSocket: bot token + app-level token (`connections:write`). */
  | { mode: 'socket'; slack: { botToken: string; appToken: string; signingSecret?: undefined } }
  /** Public HTTPS endpoint: bot token + signing secret. */
  | { mode: 'http'; slack: { botToken: string; signingSecret: string; appToken?: undefined }; port: number }
  /** No Slack at all: the terminal demo. */
  | { mode: 'console'; slack?: undefined };

export type AppConfig = CommonConfig & SlackConfig;

/** Hard ceiling of the capture window, whatever the environment says: a debug left on a busy unit costs CPU. */
export const MAX_CAPTURE_SECONDS = 300;

/** An IPv4 or IPv6 address or a DNS name: what `server.listen(port, host)` accepts, nothing else. */
const METRICS_HOST = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]{2,39}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*)$/;

export const ENV_DEFAULTS = {
  port: 3000,
  /** /healthz and /metrics answer on loopback only unless SIP_CHECK_METRICS_HOST says otherwise. */
  metricsHost: '127.0.0.1',
  defaultSeconds: 20,
  maxSeconds: 300,
  maxBytes: 20 * 1024 * 1024,
  maxLines: 200_000,
  defaultLevel: -1,
  commandTimeoutMs: 15_000,
  /** Added to the longest capture window for the overall check timeout (connect, config reads, cleanup). */
  checkOverheadMs: 120_000,
  connectTimeoutMs: 20_000,
  keepaliveMs: 15_000,
  debugIm: false,
  maxConcurrent: 10,
  workers: 2,
  workerQueue: 64,
  rateLimit: '5/600',
  auditPath: 'var/audit.jsonl',
  journalPath: 'var/journal.json',
  attachmentsDir: 'var/attachments',
  logFile: 'var/sip-check.log',
  redact: 'none' as RedactMode,
  logLevel: 'info' as LogLevel,
  /** Half the default global cap: a sweep never takes more than half the slots, checks keep the rest. */
  sweepConcurrency: 5,
  fleetStatePath: 'var/fleet-state.json',
  /** The drift watch never sweeps more often than this. */
  minWatchEveryMs: 5 * 60_000,
  /** Lock lease with Redis: a dead replica's firewall is recovered within about this long. */
  lockLeaseMs: 30_000,
} as const;

/** `90s`, `5m`, `1h`, `1d` (one number, one unit) → milliseconds; undefined when not that shape. */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * The bot in a container (the Dockerfile sets SIP_CHECK_CONTAINER=1) with no Slack tokens would start the terminal
 * demo; without a terminal its stdin is closed, so it would exit 0 at once and a restart policy would loop on it.
 * Returns the start-up error for that case (the demo still runs with `docker run -it`), else undefined.
 */
export function containerStartProblem(config: AppConfig, env: NodeJS.ProcessEnv, stdinIsTty: boolean): string | undefined {
  if (config.mode !== 'console' || stdinIsTty) return undefined;
  if (!['true', '1', 'yes', 'on'].includes((env.SIP_CHECK_CONTAINER ?? '').trim().toLowerCase())) return undefined;
  return (
    'no Slack tokens: in a container (SIP_CHECK_CONTAINER is set) the bot needs SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) ' +
    'or SLACK_SIGNING_SECRET (HTTP mode), e.g. in .env (see .env.example). The terminal demo needs a terminal: docker run -it'
  );
}

/** Reads and validates every variable; throws one `ConfigError` listing all problems. */
export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const reader = new EnvReader(env, problems);

  const slack = readSlackMode(reader, problems, warnings);

  const inventoryPath = reader.path('SIP_CHECK_INVENTORY');
  // Any Slack secret means Slack was intended, even when that part is wrong: report the inventory too.
  const wantsSlack = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'].some((name) => reader.raw(name) !== undefined);
  if (wantsSlack && inventoryPath === undefined) {
    problems.push('SIP_CHECK_INVENTORY is not set: expected the path of the inventory file (required with Slack; see inventory.example.yml)');
  }

  const maxSeconds = reader.int('SIP_CHECK_MAX_SECONDS', ENV_DEFAULTS.maxSeconds, 1, MAX_CAPTURE_SECONDS, 'seconds');
  const defaultSeconds = reader.int('SIP_CHECK_DEFAULT_SECONDS', ENV_DEFAULTS.defaultSeconds, 1, MAX_CAPTURE_SECONDS, 'seconds');
  if (maxSeconds !== undefined && defaultSeconds !== undefined && defaultSeconds > maxSeconds) {
    problems.push(`SIP_CHECK_DEFAULT_SECONDS=${defaultSeconds} is larger than SIP_CHECK_MAX_SECONDS=${maxSeconds}: expected at most ${maxSeconds}`);
  }
  const maxBytes = reader.int('SIP_CHECK_MAX_BYTES', ENV_DEFAULTS.maxBytes, 1024, 1024 * 1024 * 1024, 'bytes');
  const maxLines = reader.int('SIP_CHECK_MAX_LINES', ENV_DEFAULTS.maxLines, 1, 10_000_000, 'lines');
  const defaultLevel = reader.int('SIP_CHECK_DEFAULT_LEVEL', ENV_DEFAULTS.defaultLevel, -1, 4095, 'debug level');
  const commandTimeoutMs = reader.int('SIP_CHECK_COMMAND_TIMEOUT_MS', ENV_DEFAULTS.commandTimeoutMs, 1000, 600_000, 'milliseconds');
  const windowMs = (maxSeconds ?? ENV_DEFAULTS.maxSeconds) * 1000;
  const checkTimeoutMs = reader.int('SIP_CHECK_TIMEOUT_MS', windowMs + ENV_DEFAULTS.checkOverheadMs, 1000, 3_600_000, 'milliseconds');
  if (checkTimeoutMs !== undefined && maxSeconds !== undefined && checkTimeoutMs <= windowMs) {
    problems.push(
      `SIP_CHECK_TIMEOUT_MS=${checkTimeoutMs} is not longer than the longest capture (SIP_CHECK_MAX_SECONDS=${maxSeconds}): expected more than ${windowMs} (default ${windowMs + ENV_DEFAULTS.checkOverheadMs})`,
    );
  }
  const connectTimeoutMs = reader.int('SIP_CHECK_CONNECT_TIMEOUT_MS', ENV_DEFAULTS.connectTimeoutMs, 1000, 300_000, 'milliseconds');
  const keepaliveMs = reader.int('SIP_CHECK_KEEPALIVE_MS', ENV_DEFAULTS.keepaliveMs, 0, 600_000, 'milliseconds (0 disables)');
  const debugIm = reader.bool('SIP_CHECK_DEBUG_IM', ENV_DEFAULTS.debugIm);
  const maxConcurrent = reader.int('SIP_CHECK_MAX_CONCURRENT', ENV_DEFAULTS.maxConcurrent, 1, 100, 'checks');
  const workers = reader.int('SIP_CHECK_WORKERS', ENV_DEFAULTS.workers, 0, 16, 'worker threads (0: analyse on the main thread)');
  const workerQueue = reader.int('SIP_CHECK_WORKER_QUEUE', ENV_DEFAULTS.workerQueue, 0, 10_000, 'queued analyses');
  const rateLimit = readRateLimit(reader);
  const auditPath = reader.path('SIP_CHECK_AUDIT_LOG') ?? ENV_DEFAULTS.auditPath;
  const journalPath = reader.path('SIP_CHECK_JOURNAL') ?? ENV_DEFAULTS.journalPath;
  const attachmentsDir = reader.path('SIP_CHECK_ATTACHMENTS_DIR') ?? ENV_DEFAULTS.attachmentsDir;
  const logFile = reader.path('SIP_CHECK_LOG_FILE') ?? ENV_DEFAULTS.logFile;
  const consoleUser = reader.raw('SIP_CHECK_CONSOLE_USER');
  if (consoleUser !== undefined && !SLACK_USER_ID.test(consoleUser)) {
    reader.problem('SIP_CHECK_CONSOLE_USER', consoleUser.replace(/[\x00-\x1f\x7f]/g, '?'), 'a Slack user ID such as U012ABCDEF');
  }
  const consoleApprover = reader.raw('SIP_CHECK_CONSOLE_APPROVER');
  if (consoleApprover !== undefined && !SLACK_USER_ID.test(consoleApprover)) {
    reader.problem('SIP_CHECK_CONSOLE_APPROVER', consoleApprover.replace(/[\x00-\x1f\x7f]/g, '?'), 'a Slack user ID such as U012ABCDEF');
  }
  const redact = reader.oneOf('SIP_CHECK_REDACT', ['none', 'users', 'addresses', 'all'] as const, ENV_DEFAULTS.redact);
  const logLevel = reader.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, ENV_DEFAULTS.logLevel);
  const share = Math.max(1, Math.floor((maxConcurrent ?? ENV_DEFAULTS.maxConcurrent) / 2));
  const sweepConcurrency = reader.int('SIP_CHECK_SWEEP_CONCURRENCY', Math.min(ENV_DEFAULTS.sweepConcurrency, share), 1, 50, 'firewalls read at once by a sweep');
  if (sweepConcurrency !== undefined && maxConcurrent !== undefined && sweepConcurrency > share) {
    problems.push(
      `SIP_CHECK_SWEEP_CONCURRENCY=${sweepConcurrency} is more than half of SIP_CHECK_MAX_CONCURRENT=${maxConcurrent}: expected at most ${share} (sweeps leave the other half of the cap to single checks; raise SIP_CHECK_MAX_CONCURRENT too)`,
    );
  }
  const fleetStatePath = reader.path('SIP_CHECK_FLEET_STATE') ?? ENV_DEFAULTS.fleetStatePath;
  const watch = readWatch(reader, problems);
  if (watch && slack?.mode === 'console') warnings.push('SIP_CHECK_WATCH_CHANNEL is set but the bot runs in the terminal (no Slack tokens): the drift watch posts to Slack only and is off');
  // The URL may carry a password: shape-checked, never echoed.
  const redisUrl = reader.raw('SIP_CHECK_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s"'\x00-\x1f\x7f]+$/.test(redisUrl)) {
    problems.push('SIP_CHECK_REDIS_URL is invalid (value not shown): expected redis://[user:password@]host:port[/db] or rediss://...');
  }
  const leaseMs = reader.int('SIP_CHECK_LOCK_LEASE_MS', ENV_DEFAULTS.lockLeaseMs, 1000, 600_000, 'milliseconds');
  const metricsPortRaw = reader.raw('SIP_CHECK_METRICS_PORT');
  const metricsPort = metricsPortRaw === undefined ? undefined : reader.int('SIP_CHECK_METRICS_PORT', 0, 1, 65535, 'a TCP port', 'unset: not served');
  const metricsHost = reader.raw('SIP_CHECK_METRICS_HOST') ?? ENV_DEFAULTS.metricsHost;
  if (!METRICS_HOST.test(metricsHost)) reader.problem('SIP_CHECK_METRICS_HOST', metricsHost, 'an IP address or host name to bind the ops port to (0.0.0.0 for every interface); default 127.0.0.1');

  if (problems.length > 0 || !slack) throw new ConfigError(problems);
  return {
    ...slack,
    ...(inventoryPath !== undefined ? { inventoryPath } : {}),
    limits: {
      defaultSeconds: defaultSeconds!,
      maxSeconds: maxSeconds!,
      maxBytes: maxBytes!,
      maxLines: maxLines!,
      defaultLevel: defaultLevel!,
      commandTimeoutMs: commandTimeoutMs!,
      checkTimeoutMs: checkTimeoutMs!,
      connectTimeoutMs: connectTimeoutMs!,
      keepaliveMs: keepaliveMs!,
      debugIm: debugIm!,
    },
    maxConcurrent: maxConcurrent!,
    workers: workers!,
    workerQueue: workerQueue!,
    rateLimit: rateLimit!,
    auditPath,
    journalPath,
    attachmentsDir,
    logFile,
    ...(consoleUser !== undefined && SLACK_USER_ID.test(consoleUser) ? { consoleUser } : {}),
    ...(consoleApprover !== undefined && SLACK_USER_ID.test(consoleApprover) ? { consoleApprover } : {}),
    redact: redact!,
    logLevel: logLevel!,
    sweepConcurrency: sweepConcurrency!,
    ...(watch ? { watch } : {}),
    fleetStatePath,
    ...(redisUrl !== undefined ? { redis: { url: redisUrl, leaseMs: leaseMs! } } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    metricsHost,
    warnings,
  };
}

/** The drift watch: a channel and a period, both or neither; an optional tag. */
function readWatch(reader: EnvReader, problems: string[]): WatchConfig | undefined {
  const channelId = reader.raw('SIP_CHECK_WATCH_CHANNEL');
  const every = reader.raw('SIP_CHECK_WATCH_EVERY');
  const tag = reader.raw('SIP_CHECK_WATCH_TAG');
  let ok = true;
  if (channelId !== undefined && !SLACK_CHANNEL_ID.test(channelId)) {
    reader.problem('SIP_CHECK_WATCH_CHANNEL', channelId.replace(/[\x00-\x1f\x7f]/g, '?'), 'a Slack channel ID such as C0NETOPS1 (channel details > bottom), not a #name');
    ok = false;
  }
  let everyMs: number | undefined;
  if (every !== undefined) {
    everyMs = parseDuration(every);
    if (everyMs === undefined || everyMs < ENV_DEFAULTS.minWatchEveryMs || everyMs > 7 * 86_400_000) {
      reader.problem('SIP_CHECK_WATCH_EVERY', every.replace(/[\x00-\x1f\x7f]/g, '?'), 'a period from 5m to 7d written as a number and a unit (s, m, h, d), e.g. 1h');
      ok = false;
    }
  }
  if (tag !== undefined && !TAG_NAME.test(tag)) {
    reader.problem('SIP_CHECK_WATCH_TAG', tag.replace(/[\x00-\x1f\x7f]/g, '?'), 'an inventory tag: lower-case letters, digits, "_", "-", at most 32 characters');
    ok = false;
  }
  if ((channelId === undefined) !== (every === undefined)) {
    problems.push(
      channelId === undefined
        ? 'SIP_CHECK_WATCH_EVERY is set but SIP_CHECK_WATCH_CHANNEL is not: set the channel ID the watch posts to, or unset SIP_CHECK_WATCH_EVERY'
        : 'SIP_CHECK_WATCH_CHANNEL is set but SIP_CHECK_WATCH_EVERY is not: set how often the watch sweeps (e.g. 1h, at least 5m), or unset SIP_CHECK_WATCH_CHANNEL',
    );
    return undefined;
  }
  if (tag !== undefined && channelId === undefined) {
    problems.push('SIP_CHECK_WATCH_TAG is set but the watch is off: set SIP_CHECK_WATCH_CHANNEL and SIP_CHECK_WATCH_EVERY too, or unset SIP_CHECK_WATCH_TAG');
    return undefined;
  }
  if (!ok || channelId === undefined || everyMs === undefined) return undefined;
  return { channelId, everyMs, ...(tag !== undefined ? { tag } : {}) };
}

/** Secrets are named, checked for shape, and never echoed. */
function readSlackMode(reader: EnvReader, problems: string[], warnings: string[]): SlackConfig | undefined {
  const botToken = reader.secret('SLACK_BOT_TOKEN', 'xoxb-', 'a bot token starting with xoxb-');
  const appToken = reader.secret('SLACK_APP_TOKEN', 'xapp-', 'an app-level token starting with xapp-');
  const signingSecret = reader.secret('SLACK_SIGNING_SECRET', undefined, 'the signing secret from Basic Information');
  if (reader.failed(['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'])) return undefined;

  if (botToken === undefined) {
    if (appToken === undefined && signingSecret === undefined) return { mode: 'console' };
    const present = [appToken !== undefined ? 'SLACK_APP_TOKEN' : undefined, signingSecret !== undefined ? 'SLACK_SIGNING_SECRET' : undefined].filter(Boolean).join(' and ');
    problems.push(`SLACK_BOT_TOKEN is not set but ${present} is: set SLACK_BOT_TOKEN (xoxb-...) too, or unset ${present} for the console demo`);
    return undefined;
  }
  if (appToken !== undefined) {
    if (signingSecret !== undefined) warnings.push('SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are both set: using Socket Mode; the signing secret is not used');
    return { mode: 'socket', slack: { botToken, appToken } };
  }
  if (signingSecret !== undefined) {
    // PORT matters only in HTTP mode (platforms set it for every process).
    const port = reader.int('PORT', ENV_DEFAULTS.port, 1, 65535, 'a TCP port');
    if (port === undefined) return undefined;
    return { mode: 'http', slack: { botToken, signingSecret }, port };
  }
  problems.push(
    'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode, xapp-...) nor SLACK_SIGNING_SECRET (HTTP mode) is: set one of them, or unset SLACK_BOT_TOKEN for the console demo',
  );
  return undefined;
}

function readRateLimit(reader: EnvReader): RateLimitConfig | undefined {
  const raw = reader.raw('SIP_CHECK_RATE_LIMIT') ?? ENV_DEFAULTS.rateLimit;
  const match = /^([0-9]{1,4})\/([0-9]{1,6})$/.exec(raw);
  const count = match ? Number(match[1]) : NaN;
  const windowSeconds = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || count > 1000 || windowSeconds < 1 || windowSeconds > 86_400) {
    reader.problem(
      'SIP_CHECK_RATE_LIMIT',
      raw,
      `CHECKS/SECONDS with 1-1000 checks per 1-86400 seconds (e.g. ${ENV_DEFAULTS.rateLimit} = 5 checks per 10 minutes per user)`,
    );
    return undefined;
  }
  return { count, windowSeconds };
}

/** Reads variables, records problems; empty strings count as unset (a `.env` copied from `.env.example`). */
class EnvReader {
  private readonly failedNames = new Set<string>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: string[],
  ) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  failed(names: string[]): boolean {
    return names.some((n) => this.failedNames.has(n));
  }

  problem(name: string, value: string | undefined, expected: string): void {
    this.failedNames.add(name);
    // Values are shown for non-secret variables only, printable and shortened.
    const shown = value === undefined ? '' : `=${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value)}`;
    this.problems.push(`${name}${shown} is invalid: expected ${expected}`);
  }

  int(name: string, fallback: number, min: number, max: number, unit: string, defaultText = `default ${fallback}`): number | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^-?[0-9]{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problem(name, raw, `an integer from ${min} to ${max} (${unit}); ${defaultText}`);
      return undefined;
    }
    return Number(raw);
  }

  bool(name: string, fallback: boolean): boolean | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    this.problem(name, raw, `true or false; default ${fallback}`);
    return undefined;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const found = allowed.find((a) => a === raw.toLowerCase());
    if (found === undefined) this.problem(name, raw, `one of ${allowed.join(', ')}; default ${fallback}`);
    return found;
  }

  path(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if (/[\x00-\x1f\x7f]/.test(raw)) {
      this.problem(name, raw.replace(/[\x00-\x1f\x7f]/g, '?'), 'a file path without control characters');
      return undefined;
    }
    return raw;
  }

  /** A secret: shape-checked, never echoed (not even partly: a prefix of a token is still a leak). */
  secret(name: string, prefix: string | undefined, expected: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if ((prefix !== undefined && !raw.startsWith(prefix)) || /[\s"'\x00-\x1f\x7f]/.test(raw)) {
      this.failedNames.add(name);
      this.problems.push(`${name} is invalid (value not shown): expected ${expected}, without spaces or quotes`);
      return undefined;
    }
    return raw;
  }
}
