import type { Logger } from '@slack/bolt';
import { webApi } from '@slack/bolt';

/**
 * How fast the bot posts in one channel. Slack's rate-limit guide: `chat.postMessage` "generally allows posting one
 * message per second per channel", with "short bursts >1 allowed" and no guarantee beyond; past that it answers
 * HTTP 429 with `Retry-After` (docs.slack.dev/apis/web-api/rate-limits).
 */
export interface ChannelPacing {
  /** Sustained spacing of posts in one channel, in ms. */
  intervalMs: number;
  /** Posts allowed back to back before the spacing applies. */
  burst: number;
}

/** Slack's documented pace: one message per second per channel; a short burst of 3 (Slack gives no number). */
export const SLACK_CHANNEL_PACING: ChannelPacing = { intervalMs: 1000, burst: 3 };

/** A rate-limited post is tried again this many times (each after Slack's `Retry-After`). */
const MAX_RATE_LIMITED_RETRIES = 5;

interface ChannelState {
  /** The last queued post of this channel, settled or not: the next one starts after it. */
  tail: Promise<unknown>;
  /**
   * Theoretical arrival time of the next post (GCRA, the token bucket as a single number): a post may go once
   * `now >= tat - (burst - 1) * interval`. Advanced when a post is answered, not when it is sent, so Slack (which
   * counts on arrival) never sees two posts closer than the bot meant, whatever the network's delay.
   */
  tat: number;
}

/**
 * One queue per channel for everything that posts a message there: `chat.postMessage` (parents, thread replies) and
 * `files.completeUploadExternal` (the file share is a message in the channel). Posts run one at a time in the order
 * they were queued, so a thread keeps its order, spaced by `pacing`; a 429 waits Slack's `Retry-After` and tries
 * the same post again before the next one goes (web-api's own retry would let later posts overtake it).
 * Not queued: `chat.update` (Tier 3, per workspace; progress edits are coalesced in coalescedEdits.ts) and
 * `chat.postEphemeral` (Tier 4; nothing lands in the channel's history).
 *
 * The client used for queued posts must have `rejectRateLimitedCalls: true`, so a 429 reaches this queue.
 */
export class ChannelQueue {
  private readonly channels = new Map<string, ChannelState>();
  private readonly pacing: ChannelPacing;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: { pacing?: ChannelPacing; now?: () => number; sleep?: (ms: number) => Promise<void>; logger?: Logger } = {}) {
    this.pacing = opts.pacing ?? SLACK_CHANNEL_PACING;
    if (!(this.pacing.intervalMs >= 0) || !(this.pacing.burst >= 1)) throw new Error(`invalid channel pacing ${JSON.stringify(this.pacing)}`);
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.logger = opts.logger;
  }

  private readonly logger?: Logger;

  /** Runs `post` after every post queued before it in `channelId`, within the pace; resolves or rejects with it. */
  post<T>(channelId: string, post: () => Promise<T>): Promise<T> {
    const state = this.stateOf(channelId);
    const run = state.tail.then(() => this.paced(channelId, state, post));
    state.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every post queued so far in `channelId` has been answered. */
  async idle(channelId: string): Promise<void> {
    await this.channels.get(channelId)?.tail;
  }

  private stateOf(channelId: string): ChannelState {
    let state = this.channels.get(channelId);
    if (!state) {
      state = { tail: Promise.resolve(), tat: Number.NEGATIVE_INFINITY };
      this.channels.set(channelId, state);
    }
    return state;
  }

  private async paced<T>(channelId: string, state: ChannelState, post: () => Promise<T>): Promise<T> {
    const { intervalMs, burst } = this.pacing;
    for (let retries = 0; ; retries++) {
      const wait = state.tat - (burst - 1) * intervalMs - this.now();
      if (wait > 0) await this.sleep(wait);
      let answer: T;
      try {
        answer = await post();
      } catch (e) {
        this.answered(state);
        const retryAfterMs = rateLimitedRetryAfterMs(e);
        if (retryAfterMs === undefined || retries >= MAX_RATE_LIMITED_RETRIES) throw e;
        this.logger?.warn(`sip-check: Slack rate-limited a post in ${channelId}; trying it again in ${retryAfterMs} ms, before the channel's next post`);
        await this.sleep(retryAfterMs);
        continue;
      }
      this.answered(state);
      return answer;
    }
  }

  private answered(state: ChannelState): void {
    state.tat = Math.max(state.tat, this.now()) + this.pacing.intervalMs;
  }
}

/**
 * For the calls of the posting client that are not queued (the final edit of a status line, an ephemeral): the
 * client rejects a 429 (`rejectRateLimitedCalls`), so wait Slack's `Retry-After` and try again, a few times.
 */
export async function retryRateLimited<T>(call: () => Promise<T>, sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))): Promise<T> {
  for (let retries = 0; ; retries++) {
    try {
      return await call();
    } catch (e) {
      const retryAfterMs = rateLimitedRetryAfterMs(e);
      if (retryAfterMs === undefined || retries >= MAX_RATE_LIMITED_RETRIES) throw e;
      await sleep(retryAfterMs);
    }
  }
}

/** `Retry-After` of a 429 in ms (web-api's `WebAPIRateLimitedError`, seconds), else undefined. */
export function rateLimitedRetryAfterMs(e: unknown): number | undefined {
  if (e instanceof webApi.WebAPIRateLimitedError) return e.retryAfter * 1000;
  return undefined;
}
