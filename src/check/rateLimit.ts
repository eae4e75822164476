import { CheckError } from '../errors';

/**
 * Per-user sliding-window limit: at most `count` checks started within any `windowSeconds`.
 * A sliding log (the start times themselves) rather than a token bucket, so the answer to "when may I
 * run again?" is exact. Memory: at most `count` timestamps per user, and users whose window has
 * passed are dropped.
 */
export interface RateLimiterOptions {
  count: number;
  windowSeconds: number;
  /** Milliseconds since the epoch; injected for tests. */
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** The per-user limit as the service sees it: this process's `RateLimiter`, or one shared by replicas in Redis. */
export interface UserRateLimit {
  readonly limit: { count: number; windowSeconds: number };
  /** Throws a `store-unavailable` CheckError when a shared store cannot answer. */
  take(userId: string): TakeResult | Promise<TakeResult>;
  refund(userId: string): void | Promise<void>;
}

/** Sweep idle users when the map grows past this many entries; the threshold then doubles (amortised O(1)). */
const SWEEP_THRESHOLD = 1000;

export class RateLimiter implements UserRateLimit {
  private readonly starts = new Map<string, number[]>();
  private readonly windowMs: number;
  private readonly now: () => number;
  private sweepAt = SWEEP_THRESHOLD;

  constructor(private readonly options: RateLimiterOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError('count must be a positive integer');
    if (!(options.windowSeconds > 0)) throw new RangeError('windowSeconds must be positive');
    this.windowMs = options.windowSeconds * 1000;
    this.now = options.now ?? Date.now;
  }

  /** The configured limit, for the refusal message. */
  get limit(): { count: number; windowSeconds: number } {
    return { count: this.options.count, windowSeconds: this.options.windowSeconds };
  }

  /** Counts one check for `userId` if the user is under the limit. */
  take(userId: string): TakeResult {
    const now = this.now();
    if (this.starts.size > this.sweepAt) {
      this.sweep(now);
      this.sweepAt = Math.max(SWEEP_THRESHOLD, 2 * this.starts.size);
    }
    const recent = this.recent(userId, now);
    if (recent.length >= this.options.count) {
      // The oldest start leaves the window first; round up so "retry after N s" is never early.
      const retryAfterSeconds = Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000));
      return { ok: false, retryAfterSeconds };
    }
    recent.push(now);
    this.starts.set(userId, recent);
    return { ok: true };
  }

  /** Gives back the last take (the check was then refused for another reason: busy, overloaded). */
  refund(userId: string): void {
    const list = this.starts.get(userId);
    if (!list) return;
    list.pop();
    if (list.length === 0) this.starts.delete(userId);
  }

  /** Users with a start still tracked (observability; bounded by the sweep). */
  get trackedUsers(): number {
    return this.starts.size;
  }

  private recent(userId: string, now: number): number[] {
    const list = this.starts.get(userId) ?? [];
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < list.length && list[drop] <= cutoff) drop++;
    return drop === 0 ? list : list.slice(drop);
  }

  private sweep(now: number): void {
    for (const [userId] of this.starts) {
      const recent = this.recent(userId, now);
      if (recent.length === 0) this.starts.delete(userId);
      else this.starts.set(userId, recent);
    }
  }
}

export function rateLimitedError(retryAfterSeconds: number, limit: { count: number; windowSeconds: number }): CheckError {
  const window = limit.windowSeconds % 60 === 0 ? `${limit.windowSeconds / 60} min` : `${limit.windowSeconds} s`;
  return new CheckError(
    'rate-limited',
    `You have started ${limit.count} checks in the last ${window}; try again in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
    true,
  );
}
