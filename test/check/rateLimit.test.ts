import { RateLimiter, rateLimitedError } from '../../src/check/rateLimit';

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter: sliding window per user', () => {
  it('allows `count` checks per window, then says exactly when to retry', () => {
    const c = clock();
    const limiter = new RateLimiter({ count: 3, windowSeconds: 600, now: c.now });
    expect(limiter.take('U1')).toEqual({ ok: true });
    c.advance(60_000);
    expect(limiter.take('U1')).toEqual({ ok: true });
    c.advance(60_000);
    expect(limiter.take('U1')).toEqual({ ok: true });
    c.advance(1_000);
    // The first check (at t=0) leaves the window at t=600 s; now is t=121 s.
    expect(limiter.take('U1')).toEqual({ ok: false, retryAfterSeconds: 479 });
    c.advance(478_999);
    expect(limiter.take('U1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    c.advance(1);
    expect(limiter.take('U1')).toEqual({ ok: true });
    // The window slides: the next slot frees when the t=60 s check expires.
    expect(limiter.take('U1')).toEqual({ ok: false, retryAfterSeconds: 60 });
  });

  it('keeps users apart', () => {
    const c = clock();
    const limiter = new RateLimiter({ count: 1, windowSeconds: 60, now: c.now });
    expect(limiter.take('U1').ok).toBe(true);
    expect(limiter.take('U1').ok).toBe(false);
    expect(limiter.take('U2').ok).toBe(true);
  });

  it('does not count refused attempts', () => {
    const c = clock();
    const limiter = new RateLimiter({ count: 2, windowSeconds: 60, now: c.now });
    limiter.take('U1');
    limiter.take('U1');
    for (let i = 0; i < 10; i++) {
      c.advance(1_000);
      expect(limiter.take('U1').ok).toBe(false);
    }
    c.advance(50_000);
    expect(limiter.take('U1').ok).toBe(true);
  });

  it('refunds the last take (check refused for another reason)', () => {
    const c = clock();
    const limiter = new RateLimiter({ count: 1, windowSeconds: 60, now: c.now });
    expect(limiter.take('U1').ok).toBe(true);
    limiter.refund('U1');
    expect(limiter.take('U1').ok).toBe(true);
    expect(limiter.take('U1').ok).toBe(false);
    limiter.refund('U9');
  });

  it('forgets users whose window has passed (bounded memory)', () => {
    const c = clock();
    const limiter = new RateLimiter({ count: 1, windowSeconds: 10, now: c.now });
    for (let i = 0; i < 1500; i++) limiter.take(`U${i}`);
    expect(limiter.trackedUsers).toBe(1500);
    c.advance(11_000);
    // Idle users are swept once the map has doubled; only the 600 new users remain.
    for (let i = 0; i < 600; i++) limiter.take(`UNEW${i}`);
    expect(limiter.trackedUsers).toBe(600);
  });

  it('refuses nonsense limits', () => {
    expect(() => new RateLimiter({ count: 0, windowSeconds: 60 })).toThrow(RangeError);
    expect(() => new RateLimiter({ count: 1, windowSeconds: 0 })).toThrow(RangeError);
  });
});

describe('rateLimitedError', () => {
  it('is retryable and says when', () => {
    const error = rateLimitedError(42, { count: 5, windowSeconds: 600 });
    expect(error.kind).toBe('rate-limited');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('You have started 5 checks in the last 10 min; try again in 42 s.');
    expect(error.detail).toEqual({ retryAfterSeconds: 42 });
    expect(rateLimitedError(3, { count: 2, windowSeconds: 90 }).message).toContain('in the last 90 s');
  });
});
