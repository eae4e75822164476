import type { Logger, webApi } from '@slack/bolt';
import type { SlackMessage } from './blocks';
import { slackErrorCode } from './slackErrors';

/** What progress edits need from a reporter's dependencies (`SlackReporterDeps` has them all). */
export interface ProgressEditDeps {
  /** Progress edits only: `rejectRateLimitedCalls`, no retries, so stale edits never arrive late. */
  progressClient: webApi.WebClient;
  logger: Logger;
  clock: () => number;
  minEditIntervalMs?: number;
  schedule?: (fn: () => void, ms: number) => () => void;
}

/**
 * Progress edits of one Slack message, coalesced (docs/slack.md: `chat.update` is Tier 3, at most one edit per 1-2 s per
 * message): at most one edit per interval and one in flight; a newer update replaces a pending one (counted as
 * dropped); a failed edit is dropped too, since the final edit always follows. Shared by the check's thread and the
 * sweep's message.
 */
export class CoalescedEdits {
  private lastEditAt = Number.NEGATIVE_INFINITY;
  private editing = false;
  private chain: Promise<void> = Promise.resolve();
  private pending?: SlackMessage;
  private cancelTimer?: () => void;
  private stopped = false;

  constructor(
    private readonly opts: {
      interval: number;
      clock: () => number;
      schedule: (fn: () => void, ms: number) => () => void;
      /** Sends one edit; a rejection counts the edit as dropped. */
      edit: (message: SlackMessage) => Promise<void>;
      /** Counters, shared with the reporter that owns them. */
      stats: { progressEdits: number; progressDropped: number };
      onDropped?: (error: unknown) => void;
    },
  ) {}

  get finished(): boolean {
    return this.stopped;
  }

  /** The message was just posted: the first edit waits a whole interval. */
  touched(): void {
    this.lastEditAt = this.opts.clock();
  }

  push(message: SlackMessage): void {
    if (this.stopped) return;
    const wait = this.lastEditAt + this.opts.interval - this.opts.clock();
    if (wait <= 0 && !this.editing) {
      this.pending = undefined;
      this.send(message);
      return;
    }
    if (this.pending) this.opts.stats.progressDropped += 1;
    this.pending = message;
    if (!this.cancelTimer) this.cancelTimer = this.opts.schedule(() => this.wake(), Math.max(wait, 50));
  }

  /** Resolves once the edit in flight (if any) has been answered. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Stops further edits (a pending one is dropped) and waits for the one in flight, so the final edit is the last. */
  async settle(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.pending) this.opts.stats.progressDropped += 1;
    this.pending = undefined;
    await this.chain;
  }

  /**
   * The last edit of the message (a verdict card settled by the runtime evidence): stops further edits, waits for the
   * one in flight and for the interval since the previous edit or the post, then sends it. Rejects when Slack refuses
   * it, so the caller can fall back.
   */
  async last(message: SlackMessage): Promise<void> {
    await this.settle();
    const wait = this.lastEditAt + this.opts.interval - this.opts.clock();
    if (wait > 0) await new Promise<void>((resolve) => this.opts.schedule(resolve, wait));
    this.lastEditAt = this.opts.clock();
    await this.opts.edit(message);
    this.opts.stats.progressEdits += 1;
  }

  private send(message: SlackMessage): void {
    this.editing = true;
    this.lastEditAt = this.opts.clock();
    this.chain = this.chain.then(async () => {
      try {
        await this.opts.edit(message);
        this.opts.stats.progressEdits += 1;
      } catch (e) {
        this.opts.stats.progressDropped += 1;
        this.opts.onDropped?.(e);
      } finally {
        this.editing = false;
      }
    });
  }

  private wake(): void {
    this.cancelTimer = undefined;
    if (this.stopped || !this.pending) return;
    if (this.editing) {
      this.cancelTimer = this.opts.schedule(() => this.wake(), this.opts.interval);
      return;
    }
    const message = this.pending;
    this.pending = undefined;
    this.send(message);
  }
}

const DEFAULT_EDIT_INTERVAL_MS = 1500;

function defaultSchedule(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

/** Progress edits of the message `ts()` in `channelId`, on the reporter deps' progress client, clock and interval. */
export function progressEditsOf(deps: ProgressEditDeps, channelId: string, ts: () => string | undefined, stats: { progressEdits: number; progressDropped: number }): CoalescedEdits {
  return new CoalescedEdits({
    interval: deps.minEditIntervalMs ?? DEFAULT_EDIT_INTERVAL_MS,
    clock: deps.clock,
    schedule: deps.schedule ?? defaultSchedule,
    edit: async (message) => {
      await deps.progressClient.chat.update({ channel: channelId, ts: ts()!, text: message.text, blocks: message.blocks });
    },
    stats,
    // A dropped progress edit is harmless: the final edit always follows.
    onDropped: (e) => deps.logger.debug(`sip-check: progress edit dropped: ${slackErrorCode(e)}`),
  });
}

/** What card edits need: a verdict must arrive, so they go on the retrying client. */
export interface CardEditDeps extends ProgressEditDeps {
  client: webApi.WebClient;
}

/** At most one update of a verdict card per second (issue 23), and never more often than progress edits. */
const CARD_MIN_INTERVAL_MS = 1000;

/**
 * Edits of a verdict card in the thread (`ts()`): on the retrying client (a verdict must arrive), at most one per
 * second and per the progress interval, whichever is longer.
 */
export function cardEditsOf(deps: CardEditDeps, channelId: string, ts: () => string | undefined, stats: { progressEdits: number; progressDropped: number }): CoalescedEdits {
  return new CoalescedEdits({
    interval: Math.max(CARD_MIN_INTERVAL_MS, deps.minEditIntervalMs ?? DEFAULT_EDIT_INTERVAL_MS),
    clock: deps.clock,
    schedule: deps.schedule ?? defaultSchedule,
    edit: async (message) => {
      await deps.client.chat.update({ channel: channelId, ts: ts()!, text: message.text, blocks: message.blocks });
    },
    stats,
  });
}
