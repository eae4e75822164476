import { randomBytes } from 'node:crypto';
import type { RateLimitConfig } from '../config/env';
import type { TakeResult, UserRateLimit } from '../check/rateLimit';
import { storeError, type RedisStore } from './client';

/**
 * The per-user sliding-window limit shared by replicas: the same sliding log as `RateLimiter` (start times in a
 * sorted set per user, scored by Redis server time so replica clocks do not matter), taken atomically in a script.
 */

// KEYS: user zset. ARGV: count, window ms, member. Returns {1, 0} or {0, ms until the oldest start leaves}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
`;

export class RedisRateLimiter implements UserRateLimit {
  constructor(
    private readonly store: RedisStore,
    private readonly config: RateLimitConfig,
  ) {}

  get limit(): { count: number; windowSeconds: number } {
    return { count: this.config.count, windowSeconds: this.config.windowSeconds };
  }

  async take(userId: string): Promise<TakeResult> {
    let reply: [number, number];
    try {
      reply = (await this.store.client.eval(TAKE, 1, this.store.key('rate', userId), this.config.count, this.config.windowSeconds * 1000, randomBytes(6).toString('hex'))) as [number, number];
    } catch (e) {
      throw storeError(e, 'count your recent checks');
    }
    if (reply[0] === 1) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(reply[1]) / 1000)) };
  }

  /** Gives back the newest start (the check was refused for another reason). */
  async refund(userId: string): Promise<void> {
    await this.store.client.zpopmax(this.store.key('rate', userId));
  }
}
