/**
 * `CheckReporter` for Slack: one thread per check (docs/slack.md "The thread"). The parent message shows the
 * phase while the check runs (edited, coalesced) and the verdict in one line at the end; everything else
 * goes in the thread. As soon as the configuration is read, the verdict from it is posted as a card in the thread
 * and the parent's one-line answer says so (issue 23); the result updates that card in place (coalesced, at most one
 * update per second; a refused update becomes a new reply that supersedes it). Slack failures are caught and logged here, never thrown into the check (whose
 * cleanup must run), except from `start()`, where a failure means the check must not run.
 */
import type { Logger, webApi } from '@slack/bolt';
import { chatErrorSummary, CheckError, describeErrorForChat } from '../../errors';
import type { CheckReporter, CheckRequest, CheckResult, ConfigVerdict, ProgressUpdate } from '../../check/types';
import { configVerdictLine } from '../../report/verdictChange';
import {
  buildConfigVerdictMessage,
  buildFailedParentMessage,
  buildFailureMessage,
  buildFallbackMessage,
  buildFinalParentMessage,
  buildParentMessage,
  buildSummaryMessage,
  buildVerdictMessage,
  configOneLiner,
  fallbackText,
  summaryFallbackText,
  verdictFallbackText,
  verdictOneLiner,
  rerunNotice,
  withRerunNotice,
  type RerunState,
  type SlackMessage,
} from './blocks';
import { slackErrorCode, TOO_BIG_ERRORS } from './slackErrors';
import { uploadFiles, type UploadFile } from './upload';
import { cardEditsOf, progressEditsOf, type CoalescedEdits } from './coalescedEdits';
import { retryRateLimited, type ChannelQueue } from './channelQueue';

type WebClient = webApi.WebClient;

export interface SlackReporterDeps {
  /** Thread posts, uploads and the final edit: retries kept, a verdict must arrive. */
  client: WebClient;
  /** Progress edits only: `rejectRateLimitedCalls`, no retries, so stale edits never arrive late. */
  progressClient: WebClient;
  logger: Logger;
  /** Milliseconds; injected so coalescing is testable without timers. */
  clock: () => number;
  /** Applied to every text the reporter posts (messages and text attachments). */
  redact?: (text: string) => string;
  /** Longest capture the bot allows (for the "Longer capture" button). */
  maxSeconds: number;
  /** At most one progress edit per this many ms per message (docs/slack.md: chat.update is Tier 3). */
  minEditIntervalMs?: number;
  /** Wakes a deferred progress edit; returns a cancel function. Tests inject a manual scheduler. */
  schedule?: (fn: () => void, ms: number) => () => void;
  /** Every post in a channel goes through it (Slack's pace per channel; a thread keeps its order). */
  channelQueue: ChannelQueue;
}

export interface SlackThreadTarget {
  channelId: string;
  /** Reply inside this existing thread (an app mention in an incident thread) instead of starting one. */
  threadTs?: string;
  /**
   * A rerun from a button ("Capture again", "Longer capture"): the message whose button was clicked. It is edited
   * to say that a rerun runs in its thread, then how it ended.
   */
  origin?: { ts: string; message: SlackMessage };
}


export class SlackThreadReporter implements CheckReporter {
  /** Slack's error code when `start()` could not post the parent (e.g. `not_in_channel`). */
  startFailure?: string;
  /** `ts` of the status message (the thread's parent, unless replying in an existing thread). */
  parentTs?: string;
  /** Counts of what happened, for logs and tests. */
  readonly stats = { progressEdits: 0, progressDropped: 0, postFailures: 0 };
  /** Updates of the verdict card (`progressEdits`: sent), for logs and tests. */
  readonly cardStats = { progressEdits: 0, progressDropped: 0 };
  /** `ts` of the verdict card posted from the configuration, while it can be updated in place. */
  cardTs?: string;

  private request?: CheckRequest;
  private readonly edits: CoalescedEdits;
  /** Notes held for the end (see `note`). */
  private readonly notes: string[] = [];
  private readonly cardEdits: CoalescedEdits;
  private early?: ConfigVerdict;
  /** The phase the parent shows; the answer from the configuration is added beside it. */
  private lastUpdate: ProgressUpdate = { phase: 'reading-config' };

  constructor(
    private readonly deps: SlackReporterDeps,
    private readonly target: SlackThreadTarget,
  ) {
    this.edits = progressEditsOf(deps, target.channelId, () => this.parentTs, this.stats);
    this.cardEdits = cardEditsOf(deps, target.channelId, () => this.cardTs, this.cardStats);
  }

  /** Where replies go: the existing thread, or the parent we posted. */
  get threadTs(): string | undefined {
    return this.target.threadTs ?? this.parentTs;
  }

  get channelId(): string {
    return this.target.channelId;
  }

  /** Resolves once the progress edit in flight (if any) has been answered. */
  idle(): Promise<void> {
    return this.edits.idle();
  }

  async start(request: CheckRequest): Promise<void> {
    this.request = request;
    const message = this.redacted(buildParentMessage(request, { phase: 'queued' }));
    try {
      const res = await this.deps.channelQueue.post(this.target.channelId, () =>
        this.deps.client.chat.postMessage({
          channel: this.target.channelId,
          ...(this.target.threadTs ? { thread_ts: this.target.threadTs } : {}),
          text: message.text,
          blocks: message.blocks,
        }),
      );
      this.parentTs = res.ts;
      this.edits.touched();
    } catch (e) {
      const code = slackErrorCode(e);
      this.startFailure = code;
      this.deps.logger.warn(`sip-check: could not post the parent message in ${this.target.channelId}: ${code}`);
      // Thrown on purpose: the service must not run a check nobody can see.
      throw new CheckError('internal', `Slack refused the check's first message (${code}).`, { slackError: code });
    }
    await this.markOrigin({ state: 'running' });
  }

  async progress(update: ProgressUpdate): Promise<void> {
    this.lastUpdate = update;
    if (!this.request || !this.parentTs || this.edits.finished) return;
    this.edits.push(this.redacted(buildParentMessage(this.request, update, this.earlyAnswer())));
  }

  /** The card from the configuration in the thread, and the parent's one-line answer (a coalesced edit). */
  async configVerdict(early: ConfigVerdict): Promise<void> {
    this.early = early;
    if (!this.request) return;
    if (this.parentTs && !this.edits.finished) this.edits.push(this.redacted(buildParentMessage(this.request, this.lastUpdate, this.earlyAnswer())));
    if (!this.threadTs) return;
    const ts = await this.postInThread(buildConfigVerdictMessage(early), 'verdict from the configuration', () => `${configOneLiner(early)}. ${configVerdictLine(early.captureSeconds)}`);
    if (ts) {
      this.cardTs = ts;
      this.cardEdits.touched();
    }
  }

  private earlyAnswer(): { verdict: ConfigVerdict; line: string } | undefined {
    return this.early ? { verdict: this.early, line: configVerdictLine(this.early.captureSeconds) } : undefined;
  }

  /**
   * Held until the end: a result carries the same notes in its card (`result.notes`), so each is said once, there;
   * a failure posts them before its error message.
   */
  async note(text: string): Promise<void> {
    this.notes.push(text);
  }

  async result(result: CheckResult): Promise<void> {
    await this.edits.settle();
    const oneLiner = verdictOneLiner(result);
    if (this.threadTs) {
      await this.postNotes(this.notes.filter((n) => !result.notes.includes(n)));
      await this.postVerdictCard(result);
      // A config-only check captured nothing: no SIP summary to post.
      if (!result.request.options.configOnly) await this.postInThread(buildSummaryMessage(result), 'SIP summary', () => summaryFallbackText(result));
      await this.upload(result);
    }
    await this.finalEdit(buildFinalParentMessage(result, { maxSeconds: this.deps.maxSeconds }), oneLiner);
    await this.markOrigin({ state: 'done', outcome: oneLiner });
  }

  async failed(error: CheckError, cleanup: { debugReset: boolean | null }): Promise<void> {
    await this.edits.settle();
    if (!this.request) {
      this.deps.logger.error(`sip-check: check failed before start: ${error.kind}: ${error.message}`);
      return;
    }
    // The whole message (paths, users, addresses) goes to the log with the check id; the chat gets the summary.
    this.deps.logger.warn(`sip-check: check ${this.request.id} of ${this.request.firewall} failed: ${error.kind}: ${error.message}`);
    const plain = `SIP check of ${this.request.firewall} failed: ${describeErrorForChat(error, this.request.id)}`;
    if (this.cardTs && this.early) {
      // The card from the configuration stays, and says the runtime part will not come.
      try {
        await this.cardEdits.last(this.redacted(buildConfigVerdictMessage(this.early, chatErrorSummary(error))));
      } catch (e) {
        this.stats.postFailures += 1;
        this.deps.logger.warn(`sip-check: could not mark the verdict card as missing its runtime part: ${slackErrorCode(e)}`);
      }
    }
    if (this.threadTs) {
      await this.postNotes(this.notes);
      await this.postInThread(buildFailureMessage(this.request, error, cleanup), 'error message', () => plain);
    }
    await this.finalEdit(buildFailedParentMessage(this.request, error, this.early), plain);
    await this.markOrigin({ state: 'failed', outcome: chatErrorSummary(error) });
  }

  private async postNotes(notes: readonly string[]): Promise<void> {
    for (const text of notes) await this.postInThread({ text: fallbackText(text), blocks: [] }, 'note', () => text);
  }

  /** Edits the message whose button started this rerun: a rerun is running in its thread, then how it ended. */
  private async markOrigin(state: RerunState): Promise<void> {
    const origin = this.target.origin;
    if (!origin || !this.request) return;
    const m = this.redacted(withRerunNotice(origin.message, rerunNotice(this.request, state)));
    try {
      await retryRateLimited(() => this.deps.client.chat.update({ channel: this.target.channelId, ts: origin.ts, text: m.text, blocks: m.blocks }));
    } catch (e) {
      this.deps.logger.warn(`sip-check: the message whose button started the rerun could not be edited: ${slackErrorCode(e)}`);
    }
  }

  /**
   * The verdict card: the card from the configuration updated in place when there is one (at most one update per
   * second, coalesced as progress is); a refused update becomes a new card that says it supersedes the earlier one.
   */
  private async postVerdictCard(result: CheckResult): Promise<void> {
    if (this.cardTs) {
      try {
        await this.cardEdits.last(this.redacted(buildVerdictMessage(result)));
        return;
      } catch (e) {
        const code = slackErrorCode(e);
        this.stats.postFailures += 1;
        this.deps.logger.warn(`sip-check: updating the verdict card failed (${code}); posting it as a new reply`);
        const plain = () => `Supersedes the verdict from the configuration posted above. ${verdictFallbackText(result)}`;
        // Too long as an update is too long as a post: the shorter text at once, saying where the full output is.
        const card = TOO_BIG_ERRORS.has(code) ? buildFallbackMessage('verdict card', plain(), code) : buildVerdictMessage(result, { supersedes: code });
        await this.postInThread(card, 'verdict card', plain);
        return;
      }
    }
    const notes = result.notes.length ? `\n${result.notes.join('\n')}` : '';
    await this.postInThread(buildVerdictMessage(result), 'verdict card', () => verdictFallbackText(result) + notes);
  }
  private redacted(m: SlackMessage): SlackMessage {
    return redactMessage(m, this.deps.redact);
  }

  private async finalEdit(message: SlackMessage, plain: string): Promise<void> {
    if (!this.parentTs) return;
    const m = this.redacted(message);
    try {
      await retryRateLimited(() => this.deps.client.chat.update({ channel: this.target.channelId, ts: this.parentTs!, text: m.text, blocks: m.blocks }));
      return;
    } catch (e) {
      this.stats.postFailures += 1;
      this.deps.logger.warn(`sip-check: final edit of the parent failed: ${slackErrorCode(e)}`);
    }
    try {
      const text = this.redacted({ text: fallbackText(plain), blocks: [] }).text;
      await retryRateLimited(() => this.deps.client.chat.update({ channel: this.target.channelId, ts: this.parentTs!, text, blocks: [] }));
    } catch (e) {
      this.deps.logger.error(`sip-check: the parent message could not show the final state: ${slackErrorCode(e)}`);
    }
  }

  /**
   * Posts in the thread; on a refused body posts a shorter text that says where the full output is.
   * Returns the `ts` of the message when it was posted whole. Never throws.
   */
  private async postInThread(message: SlackMessage, what: string, fallback: () => string): Promise<string | undefined> {
    const m = this.redacted(message);
    try {
      const res = await this.deps.channelQueue.post(this.target.channelId, () =>
        this.deps.client.chat.postMessage({
          channel: this.target.channelId,
          thread_ts: this.threadTs!,
          reply_broadcast: false,
          text: m.text,
          ...(m.blocks.length ? { blocks: m.blocks } : {}),
        }),
      );
      return res.ts;
    } catch (e) {
      const code = slackErrorCode(e);
      this.stats.postFailures += 1;
      this.deps.logger.warn(`sip-check: posting the ${what} failed: ${code}`);
      let summary: string;
      try {
        summary = fallback();
      } catch (renderError) {
        // A renderer bug must not silence the thread.
        summary = `(${what}: rendering failed: ${renderError instanceof Error ? renderError.message : String(renderError)})`;
      }
      const short = this.redacted(
        TOO_BIG_ERRORS.has(code)
          ? buildFallbackMessage(what, summary, code)
          : { text: fallbackText(`(The ${what} could not be posted: ${code}. The full output is in the attached report file, if it could be uploaded.)\n${summary}`), blocks: [] },
      );
      try {
        await this.deps.channelQueue.post(this.target.channelId, () => this.deps.client.chat.postMessage({ channel: this.target.channelId, thread_ts: this.threadTs!, text: short.text }));
        return undefined;
      } catch (e2) {
        this.deps.logger.error(`sip-check: the ${what} and its fallback could not be posted: ${slackErrorCode(e2)}`);
        return undefined;
      }
    }
  }

  /**
   * The check's attachments (report, transcript, raw capture, ladder PNG), shared in the thread in one completion
   * (upload.ts: images carry their alt text as `alt_txt`, the documented name). They arrive already redacted by
   * the check (SIP_CHECK_REDACT), with the same redactor as the messages: not again here.
   */
  private async upload(result: CheckResult): Promise<void> {
    const files: UploadFile[] = result.attachments.map((a) => ({
      content: a.content,
      filename: a.filename,
      title: a.title,
      // Alt text names callers: the same redactor as every message (SIP_CHECK_REDACT).
      ...(a.mimeType.startsWith('image/') ? { altText: (this.deps.redact ?? ((t: string) => t))(altTextFor(a.title, result)) } : {}),
    }));
    if (files.length === 0) return;
    try {
      await uploadFiles(this.deps.client, { channelId: this.target.channelId, threadTs: this.threadTs! }, files, { channelQueue: this.deps.channelQueue });
    } catch (e) {
      const code = slackErrorCode(e);
      this.stats.postFailures += 1;
      this.deps.logger.warn(`sip-check: file upload failed: ${code}`);
      const names = files.map((f) => f.filename).join(', ');
      await this.postInThread({ text: fallbackText(`The files (${names}) could not be attached (${code}). Run the check again or use \`sip-check analyze\` on a saved transcript.`), blocks: [] }, 'upload notice', () => `Upload failed: ${code}`);
    }
  }
}

/** The check's attachments, plus a transcript rendered from `outputs` when the check did not attach one. */
/** Applies `redact` to a message's fallback text and every `text` string in its blocks. */
export function redactMessage(m: SlackMessage, redact: ((text: string) => string) | undefined): SlackMessage {
  if (!redact) return m;
  return { text: redact(m.text), blocks: redactTexts(m.blocks, redact) as SlackMessage['blocks'] };
}

/** Applies `redact` to every `text` string in a block tree. */
function redactTexts(value: unknown, redact: (s: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => redactTexts(v, redact));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'text' && typeof v === 'string' ? redact(v) : redactTexts(v, redact);
    return out;
  }
  return value;
}

/** What a screen reader says for the ladder picture: what it shows, not only its title (bounded in upload.ts). */
function altTextFor(title: string, result: CheckResult): string {
  const calls = result.sip.calls.slice(0, 3).map((c) => `${c.from} to ${c.to}: ${c.state}${c.finalStatus !== null ? ` (${c.finalStatus})` : ''}`);
  return `${title} for ${result.request.firewall}: SIP message flow${calls.length ? ` of ${calls.join('; ')}` : ''}. The same ladder is in the full report as text.`;
}
