import { randomBytes } from 'node:crypto';
import { CheckError } from '../errors';
import type { CheckSlots, DeviceLocks, Lease, LeaseResult, LockHolder } from '../check/locks';
import type { Logger } from '../log';
import { redisFailure, storeError, type RedisStore } from './client';

/**
 * Device locks shared by replicas: leases (`SET NX PX` with a random token) renewed while the check runs and
 * released only by their owner (compare-and-delete scripts). Each acquisition takes a fencing token (`INCR`)
 * that the check re-checks before `diagnose debug enable`.
 *
 * The stored value is `<token>|<fence>|<holder JSON>`, so "already running, started by X at T" works across
 * replicas and a compare of the whole value checks token and fence at once.
 */

// KEYS: lock, fence. ARGV: token, holder JSON, lease ms. Returns {1, fence} or {0, current value}.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence .. '|' .. ARGV[2], 'PX', ARGV[3])
return {1, fence}
`;
// KEYS: lock, fence. ARGV: value, lease ms, fence. 1 = still ours (and renewed), 0 = lost.
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(redis.call('GET', KEYS[2])) ~= tonumber(ARGV[3]) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
// KEYS: lock. ARGV: value.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface RedisLockOptions {
  /** Lease length; renewed every third of it. A dead replica's device is free (and recovered) after this. */
  leaseMs: number;
  log?: Logger;
}

export class RedisDeviceLocks implements DeviceLocks {
  constructor(
    private readonly store: RedisStore,
    private readonly opts: RedisLockOptions,
  ) {}

  async tryAcquire(device: string, holder: LockHolder): Promise<LeaseResult> {
    const token = randomBytes(16).toString('hex');
    const holderJson = JSON.stringify({ requestedBy: holder.requestedBy, startedAt: holder.startedAt.toISOString(), checkId: holder.checkId });
    const lockKey = this.store.key('lock', device);
    const fenceKey = this.store.key('fence', device);
    let reply: [number, number | string];
    try {
      reply = (await this.store.client.eval(ACQUIRE, 2, lockKey, fenceKey, token, holderJson, this.opts.leaseMs)) as [number, number | string];
    } catch (e) {
      throw storeError(e, 'take the firewall lock');
    }
    if (reply[0] === 0) return { busy: parseHolder(String(reply[1])) };
    const fence = Number(reply[1]);
    return { lease: new RedisLease(this.store, lockKey, fenceKey, `${token}|${fence}|${holderJson}`, fence, this.opts) };
  }

  /** Who holds a device now (tests, diagnostics). */
  async holder(device: string): Promise<LockHolder | undefined> {
    const value = await this.store.client.get(this.store.key('lock', device));
    return value === null ? undefined : parseHolder(value);
  }
}

function parseHolder(value: string): LockHolder {
  const [, , ...rest] = value.split('|');
  try {
    const h = JSON.parse(rest.join('|')) as { requestedBy: string; startedAt: string; checkId: string };
    return { requestedBy: h.requestedBy, startedAt: new Date(h.startedAt), checkId: h.checkId };
  } catch {
    return { requestedBy: 'another replica', startedAt: new Date(NaN), checkId: 'unknown' };
  }
}

class RedisLease implements Lease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** Local deadline: the lease is certainly ours until then (measured from the start of the last successful renewal). */
  private validUntil: number;
  private released = false;

  constructor(
    private readonly store: RedisStore,
    private readonly lockKey: string,
    private readonly fenceKey: string,
    private readonly value: string,
    readonly fencingToken: number,
    private readonly opts: RedisLockOptions,
  ) {
    this.validUntil = Date.now() + opts.leaseMs;
    const every = Math.max(100, Math.floor(opts.leaseMs / 3));
    this.timer = setInterval(() => void this.renew(every), every);
    this.timer.unref();
  }

  get lost(): AbortSignal {
    return this.controller.signal;
  }

  async confirm(): Promise<void> {
    if (this.controller.signal.aborted) throw this.controller.signal.reason as CheckError;
    let ok: number;
    try {
      ok = (await this.store.client.eval(RENEW, 2, this.lockKey, this.fenceKey, this.value, this.opts.leaseMs, this.fencingToken)) as number;
    } catch (e) {
      throw new CheckError('store-unavailable', `The bot cannot reach Redis to confirm its firewall lock (${redisFailure(e)}), so debug was not enabled.`, {}, true);
    }
    if (ok !== 1) {
      this.lose('another replica holds the firewall lock now');
      throw this.controller.signal.reason as CheckError;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    try {
      await this.store.client.eval(RELEASE, 1, this.lockKey, this.value);
    } catch (e) {
      // The lease expires by itself.
      this.opts.log?.('warn', 'could not release a firewall lock; it expires by itself', { lock: this.lockKey, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private async renew(every: number): Promise<void> {
    if (this.released || this.controller.signal.aborted) return;
    const started = Date.now();
    try {
      const ok = (await this.store.client.eval(RENEW, 2, this.lockKey, this.fenceKey, this.value, this.opts.leaseMs, this.fencingToken)) as number;
      if (ok === 1) this.validUntil = started + this.opts.leaseMs;
      else this.lose('the lease is gone from Redis: it expired or Redis restarted, and another replica may hold the firewall now');
    } catch {
      // Stop while the lease still certainly holds: no other replica can take the device before that.
      if (Date.now() + every >= this.validUntil) this.lose('Redis did not answer before the lease ran out');
    }
  }

  private lose(why: string): void {
    if (this.controller.signal.aborted) return;
    clearInterval(this.timer);
    this.opts.log?.('error', 'lost the firewall lock: stopping the check and resetting debug', { lock: this.lockKey, why });
    this.controller.abort(new CheckError('lock-lost', `The check stopped: this bot replica lost its lock on the firewall (${why}).`));
  }
}

// KEYS: slots zset. ARGV: limit, lease ms, check id. Members score = expiry (Redis server time, shared by replicas).
const SLOT_ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
return 1
`;
const SLOT_RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])
`;

/** The global cap shared by replicas: a sorted set of running checks whose entries expire unless renewed. */
export class RedisCheckSlots implements CheckSlots {
  constructor(
    private readonly store: RedisStore,
    readonly limit: number,
    private readonly opts: RedisLockOptions,
  ) {}

  async tryAcquire(checkId: string): Promise<(() => Promise<void>) | null> {
    const key = this.store.key('slots');
    let ok: number;
    try {
      ok = (await this.store.client.eval(SLOT_ACQUIRE, 1, key, this.limit, this.opts.leaseMs, checkId)) as number;
    } catch (e) {
      throw storeError(e, 'count the running checks');
    }
    if (ok !== 1) return null;
    const every = Math.max(100, Math.floor(this.opts.leaseMs / 3));
    const timer = setInterval(() => {
      this.store.client.eval(SLOT_RENEW, 1, key, this.opts.leaseMs, checkId).catch(() => undefined);
    }, every);
    timer.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await this.store.client.zrem(key, checkId).catch(() => undefined);
    };
  }

  /** Checks counted now (metrics, tests). */
  async inUse(): Promise<number> {
    return this.store.client.zcard(this.store.key('slots'));
  }
}
