import Redis from 'ioredis';
import { CheckError, toCheckError } from '../errors';
import type { Logger } from '../log';

/**
 * The one Redis connection of a replica (ioredis). Commands fail fast while Redis is down instead of queueing
 * (`enableOfflineQueue: false`): a check must be refused at once, not started late with a stale lock.
 * ioredis keeps reconnecting in the background; the first command after Redis is back succeeds.
 */
export interface RedisStore {
  readonly client: Redis;
  /** Key prefix of everything this bot stores (`sip-check:` by default). */
  readonly prefix: string;
  key(...parts: string[]): string;
  /** `PING` within the command timeout: /healthz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  /** Per-command timeout; a lock must not wait longer than this on a half-dead connection. Default 2,000 ms. */
  commandTimeoutMs?: number;
  log?: Logger;
}

export const DEFAULT_PREFIX = 'sip-check:';

export async function connectRedis(opts: RedisStoreOptions): Promise<RedisStore> {
  const commandTimeoutMs = opts.commandTimeoutMs ?? 2_000;
  const client = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: commandTimeoutMs,
    commandTimeout: commandTimeoutMs,
    // Reconnect forever, at most every 2 s: Redis restarts are expected (rolling deploys).
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Log transitions, not every failed reconnect attempt.
  let up = false;
  client.on('ready', () => {
    if (!up) opts.log?.('info', 'connected to Redis', { url: redactUrl(opts.url) });
    up = true;
  });
  client.on('error', (e: Error) => {
    if (up) opts.log?.('error', 'lost Redis: no new check starts until it is back; running checks finish their cleanup', { message: e.message });
    up = false;
  });
  client.on('end', () => (up = false));
  try {
    await client.connect();
  } catch (e) {
    // Start anyway (Redis may come up after the bot): checks are refused and /healthz says why until then.
    opts.log?.('error', 'cannot reach Redis at start-up: checks are refused until it answers', { url: redactUrl(opts.url), message: toCheckError(e).message });
  }
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  return {
    client,
    prefix,
    key: (...parts) => prefix + parts.join(':'),
    async ping() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      // QUIT only on a live connection; otherwise stop the reconnect loop at once.
      if (client.status === 'ready') await client.quit().catch(() => undefined);
      client.disconnect();
    },
  };
}

/** Any Redis failure becomes the one error a user sees for it. */
export function storeError(e: unknown, what: string): CheckError {
  if (e instanceof CheckError) return e;
  return new CheckError('store-unavailable', `The bot cannot reach Redis to ${what} (${redisFailure(e)}), so no check was started.`, {}, true);
}

/** ioredis's messages in words an operator recognises. */
export function redisFailure(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET/i.test(message)) return 'not connected';
  if (/timed? ?out/i.test(message)) return 'no answer in time';
  return message.slice(0, 120);
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // ioredis also reads the password (and a username) from the query string.
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|token|auth/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
