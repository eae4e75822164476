/**
 * `SweepReporter` for Slack: one message, its progress line edited (coalesced like a check's progress, on the
 * progress client that drops rate-limited edits), then the summary in the same message, and the CSV and JSON
 * in its thread with one upload (upload.ts: the three documented calls).
 */
import { CheckError } from '../../errors';
import type { SweepReport, SweepReporter, SweepRequest } from '../../fleet/types';
import { fallbackText, type SlackMessage } from './blocks';
import { buildSweepProgressMessage, buildSweepSummaryMessage } from './fleetBlocks';
import { redactMessage, type SlackReporterDeps, type SlackThreadTarget } from './reporter';
import { slackErrorCode } from './slackErrors';
import { uploadFiles } from './upload';

const DEFAULT_EDIT_INTERVAL_MS = 1500;

export class SlackSweepReporter implements SweepReporter {
  ts?: string;
  startFailure?: string;
  readonly stats = { progressEdits: 0, progressDropped: 0 };
  private request?: SweepRequest;
  private lastEditAt = Number.NEGATIVE_INFINITY;
  private pending?: SlackMessage;
  private cancelTimer?: () => void;
  private editing = false;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: SlackReporterDeps,
    private readonly target: SlackThreadTarget,
  ) {}

  private schedule(fn: () => void, ms: number): () => void {
    if (this.deps.schedule) return this.deps.schedule(fn, ms);
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  }

  private get interval(): number {
    return this.deps.minEditIntervalMs ?? DEFAULT_EDIT_INTERVAL_MS;
  }

  async start(request: SweepRequest): Promise<void> {
    this.request = request;
    const m = redactMessage(buildSweepProgressMessage(request, 0, request.firewalls.length), this.deps.redact);
    try {
      const res = await this.deps.client.chat.postMessage({ channel: this.target.channelId, ...(this.target.threadTs ? { thread_ts: this.target.threadTs } : {}), text: m.text, blocks: m.blocks });
      this.ts = res.ts;
      this.lastEditAt = this.deps.clock();
    } catch (e) {
      this.startFailure = slackErrorCode(e);
      throw new CheckError('internal', `Slack refused the sweep's message (${this.startFailure}).`, { slackError: this.startFailure });
    }
  }

  async progress(done: number, total: number): Promise<void> {
    if (!this.request || !this.ts || this.finished) return;
    const message = redactMessage(buildSweepProgressMessage(this.request, done, total), this.deps.redact);
    const wait = this.lastEditAt + this.interval - this.deps.clock();
    if (wait <= 0 && !this.editing) {
      this.pending = undefined;
      this.send(message);
      return;
    }
    if (this.pending) this.stats.progressDropped += 1;
    this.pending = message;
    if (!this.cancelTimer) this.cancelTimer = this.schedule(() => this.wake(), Math.max(wait, 50));
  }

  async result(report: SweepReport, files: Array<{ filename: string; title: string; content: Buffer; mimeType: string }>): Promise<void> {
    this.finished = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.pending = undefined;
    await this.chain;
    if (!this.request || !this.ts) return;
    const m = redactMessage(buildSweepSummaryMessage(this.request, report), this.deps.redact);
    try {
      await this.deps.client.chat.update({ channel: this.target.channelId, ts: this.ts, text: m.text, blocks: m.blocks });
    } catch (e) {
      this.deps.logger.warn(`sip-check: the sweep summary could not be posted: ${slackErrorCode(e)}`);
      try {
        await this.deps.client.chat.update({ channel: this.target.channelId, ts: this.ts, text: fallbackText(m.text), blocks: [] });
      } catch (e2) {
        this.deps.logger.error(`sip-check: the sweep message could not show the summary: ${slackErrorCode(e2)}`);
      }
    }
    const redact = this.deps.redact ?? ((t: string) => t);
    try {
      await uploadFiles(this.deps.client, { channelId: this.target.channelId, threadTs: this.target.threadTs ?? this.ts }, files.map((f) => ({ content: Buffer.from(redact(f.content.toString('utf8'))), filename: f.filename, title: f.title })));
    } catch (e) {
      const code = slackErrorCode(e);
      this.deps.logger.warn(`sip-check: sweep files could not be attached: ${code}`);
      try {
        await this.deps.client.chat.postMessage({ channel: this.target.channelId, thread_ts: this.target.threadTs ?? this.ts, text: `The CSV and JSON could not be attached (${code}); \`npx sip-check sweep --csv\` prints the same table.` });
      } catch {
        // nothing more to try
      }
    }
  }

  private send(message: SlackMessage): void {
    this.editing = true;
    this.lastEditAt = this.deps.clock();
    this.chain = this.chain.then(async () => {
      try {
        await this.deps.progressClient.chat.update({ channel: this.target.channelId, ts: this.ts!, text: message.text, blocks: message.blocks });
        this.stats.progressEdits += 1;
      } catch {
        this.stats.progressDropped += 1;
      } finally {
        this.editing = false;
      }
    });
  }

  private wake(): void {
    this.cancelTimer = undefined;
    if (this.finished || !this.pending) return;
    if (this.editing) {
      this.cancelTimer = this.schedule(() => this.wake(), this.interval);
      return;
    }
    const message = this.pending;
    this.pending = undefined;
    this.send(message);
  }
}
