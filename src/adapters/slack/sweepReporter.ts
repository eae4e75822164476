/**
 * `SweepReporter` for Slack: one message, its progress line edited (coalesced like a check's progress, on the
 * progress client that drops rate-limited edits), then the summary in the same message, and the CSV and JSON
 * in its thread with one upload (upload.ts: the three documented calls).
 */
import { CheckError } from '../../errors';
import { sweepFiles } from '../../fleet/render';
import type { SweepReport, SweepReporter, SweepRequest } from '../../fleet/types';
import { buildSweepProgressMessage, buildSweepSummaryMessage } from './fleetBlocks';
import { redactMessage, type SlackReporterDeps, type SlackThreadTarget } from './reporter';
import { slackErrorCode } from './slackErrors';
import { retryRateLimited } from './channelQueue';
import { uploadFiles } from './upload';
import { progressEditsOf, type CoalescedEdits } from './coalescedEdits';

export class SlackSweepReporter implements SweepReporter {
  ts?: string;
  startFailure?: string;
  readonly stats = { progressEdits: 0, progressDropped: 0 };
  private request?: SweepRequest;
  private readonly edits: CoalescedEdits;

  constructor(
    private readonly deps: SlackReporterDeps,
    private readonly target: SlackThreadTarget,
  ) {
    this.edits = progressEditsOf(deps, target.channelId, () => this.ts, this.stats);
  }

  async start(request: SweepRequest): Promise<void> {
    this.request = request;
    const m = redactMessage(buildSweepProgressMessage(request, 0, request.firewalls.length), this.deps.redact);
    try {
      const res = await this.deps.channelQueue.post(this.target.channelId, () =>
        this.deps.client.chat.postMessage({ channel: this.target.channelId, ...(this.target.threadTs ? { thread_ts: this.target.threadTs } : {}), text: m.text, blocks: m.blocks }),
      );
      this.ts = res.ts;
      this.edits.touched();
    } catch (e) {
      this.startFailure = slackErrorCode(e);
      throw new CheckError('internal', `Slack refused the sweep's message (${this.startFailure}).`, { slackError: this.startFailure });
    }
  }

  async progress(done: number, total: number): Promise<void> {
    if (!this.request || !this.ts || this.edits.finished) return;
    this.edits.push(redactMessage(buildSweepProgressMessage(this.request, done, total), this.deps.redact));
  }

  async result(report: SweepReport): Promise<void> {
    // The files say what the message says: each error's chat summary, not the message with addresses and users.
    const files = sweepFiles(report, 'chat');
    await this.edits.settle();
    if (!this.request || !this.ts) return;
    const m = redactMessage(buildSweepSummaryMessage(this.request, report), this.deps.redact);
    try {
      await retryRateLimited(() => this.deps.client.chat.update({ channel: this.target.channelId, ts: this.ts!, text: m.text, blocks: m.blocks }));
    } catch (e) {
      this.deps.logger.warn(`sip-check: the sweep summary could not be posted: ${slackErrorCode(e)}`);
      try {
        // m.text is already escaped (fallbackText in the builder): not again, or `<@U…>` shows as `&amp;lt;@U…&amp;gt;`.
        await retryRateLimited(() => this.deps.client.chat.update({ channel: this.target.channelId, ts: this.ts!, text: m.text, blocks: [] }));
      } catch (e2) {
        this.deps.logger.error(`sip-check: the sweep message could not show the summary: ${slackErrorCode(e2)}`);
      }
    }
    const redact = this.deps.redact ?? ((t: string) => t);
    try {
      await uploadFiles(this.deps.client, { channelId: this.target.channelId, threadTs: this.target.threadTs ?? this.ts }, files.map((f) => ({ content: Buffer.from(redact(f.content.toString('utf8'))), filename: f.filename, title: f.title })), { channelQueue: this.deps.channelQueue });
    } catch (e) {
      const code = slackErrorCode(e);
      this.deps.logger.warn(`sip-check: sweep files could not be attached: ${code}`);
      try {
        const threadTs = this.target.threadTs ?? this.ts;
        await this.deps.channelQueue.post(this.target.channelId, () =>
          this.deps.client.chat.postMessage({ channel: this.target.channelId, thread_ts: threadTs, text: `The CSV and JSON could not be attached (${code}); \`npx sip-check sweep --csv\` prints the same table.` }),
        );
      } catch {
        // nothing more to try
      }
    }
  }
}
