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
