import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { describeError, type CheckError } from '../../errors';
import { formatOptions } from '../../check/options';
import { mrkdwnToPlain } from '../../report/plainText';
import type { CheckReporter, CheckRequest, CheckResult, ConfigVerdict, ProgressUpdate } from '../../check/types';
import { neutraliseControls } from '../../report/controls';
import { renderSipSummaryText } from '../../report/sipText';
import { renderVerdictText } from '../../report/verdictText';
import { configVerdictLine, runtimeMissingLine, settleConfigVerdict } from '../../report/verdictChange';
import { partialTag } from '../../verdict/coverage';

const PHASE_TEXT: Record<ProgressUpdate['phase'], string> = {
  queued: 'queued',
  connecting: 'connecting',
  'reading-config': 'reading the configuration',
  capturing: 'capturing SIP debug',
  analysing: 'analysing',
  'cleaning-up': 'resetting debug on the firewall',
  done: 'done',
  failed: 'failed',
};

/**
 * The thread Slack would show, in a terminal: a parent line, then indented replies. Files go to a directory
 * and their paths are printed (the Slack adapter uploads them instead).
 */
export class ConsoleThreadReporter implements CheckReporter {
  private lastPhase: string | null = null;
  /** The verdict printed from the configuration, before the capture (issue 23). */
  private early?: ConfigVerdict;
  private readonly redact: (t: string) => string;

  constructor(
    private readonly out: Writable,
    private readonly attachmentsDir: string,
    private readonly opts: { tty: boolean; redact?: (t: string) => string } = { tty: false },
  ) {
    this.redact = opts.redact ?? ((t) => t);
  }

  async start(request: CheckRequest): Promise<void> {
    this.write(`\n● SIP check on ${request.firewall}  (${formatOptions(request.firewall, request.options).split(' ').slice(1).join(' ')})  requested by ${request.requester.userId}\n`);
  }

  async progress(update: ProgressUpdate): Promise<void> {
    const label = PHASE_TEXT[update.phase];
    if (update.phase === 'capturing' && update.totalSeconds !== undefined) {
      const text = `  … ${label} ${update.elapsedSeconds ?? 0}/${update.totalSeconds} s`;
      // On a terminal the countdown redraws one line; in a pipe only the phase change is printed.
      if (this.opts.tty) this.out.write(`\r${text}   `);
      else if (this.lastPhase !== update.phase) this.write(`${text}\n`);
      this.lastPhase = update.phase;
      return;
    }
    if (this.lastPhase === update.phase) return;
    if (this.opts.tty && this.lastPhase === 'capturing') this.out.write('\n');
    this.lastPhase = update.phase;
    this.write(`  … ${label}${update.detail ? ` (${update.detail})` : ''}\n`);
  }

  async note(text: string): Promise<void> {
    this.endProgressLine();
    this.reply(`ℹ ${text}`);
  }

  /** Step one: the verdict from the configuration, as soon as it is read; the capture then runs. */
  async configVerdict(early: ConfigVerdict): Promise<void> {
    this.endProgressLine();
    this.early = early;
    this.reply(`${this.redact(renderVerdictText({ verdict: early.verdict, status: { hostname: early.hostname, version: early.version } }))}\n⧗ ${configVerdictLine(early.captureSeconds)}`);
  }

  async result(result: CheckResult): Promise<void> {
    this.endProgressLine();
    const analysis = { verdict: result.verdict, config: result.config, sip: result.sip, status: { hostname: result.hostname, version: result.version } };
    const early = result.early ?? this.early;
    const settled = early ? settleConfigVerdict(early.verdict, result) : undefined;
    // Step two: what the runtime evidence did; the whole verdict again only when it changed.
    if (settled) this.reply(this.redact(`${settled.kind === 'confirmed' ? '✔' : settled.kind === 'changed' ? '↻' : '✂'} ${settled.line}`));
    if (!settled || settled.kind === 'changed') this.reply(this.redact(renderVerdictText(analysis)));
    if (!result.request.options.configOnly) this.reply(this.redact(renderSipSummaryText(result.sip, { maxCalls: 10, maxProblems: 10 })));
    const dir = path.join(this.attachmentsDir, result.request.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lines = result.attachments.map((a) => {
      const file = path.join(dir, a.filename);
      writeFileSync(file, a.content, { mode: 0o600 });
      return `  ${a.title}: ${file}`;
    });
    const restored = result.capture.settingsRestored?.length ? `; put back as found: ${result.capture.settingsRestored.join(', ')}` : '';
    const debug = result.request.options.configOnly
      ? 'Config only: no SIP capture; no `diagnose debug` command was sent to the firewall.'
      : `Debug on the firewall: ${result.capture.debugReset ? 'disabled and reset ✔' : 'NOT confirmed reset ✘'}${restored}  (captured ${result.capture.lines} lines, ${result.capture.bytes} bytes in ${result.capture.seconds} s, stopped by ${result.capture.stoppedBy})`;
    this.reply(`${debug}\nFiles:\n${lines.join('\n')}`);
    const partial = result.verdict.partial ? ` (${partialTag(result.verdict.partial)})` : '';
    this.write(`● ${result.request.firewall}: ${result.verdict.handler}${partial}: ${oneLine(result.verdict.explanation)}\n`);
  }

  async failed(error: CheckError, cleanup: { debugReset: boolean | null }): Promise<void> {
    this.endProgressLine();
    if (this.early) this.reply(`✂ ${runtimeMissingLine(error.message.split('\n')[0])}`);
    const debug = cleanup.debugReset === null ? 'debug was never enabled' : cleanup.debugReset ? 'debug was disabled and reset' : 'debug reset NOT confirmed: run `diagnose debug reset` on the firewall';
    this.reply(`✘ ${describeError(error)}\n(${debug})`);
  }

  private endProgressLine(): void {
    if (this.opts.tty && this.lastPhase === 'capturing') this.out.write('\n');
    this.lastPhase = null;
  }

  /** Device and peer text made inert first, then our own markup (ANSI bold on a terminal) added. */
  private reply(text: string): void {
    // Device text made inert first, then our own markup (ANSI bold on a terminal): written as is, not neutralised again.
    text = mrkdwnToPlain(neutraliseControls(text), { bold: this.opts.tty });
    this.out.write(text.split('\n').map((l, i) => (i === 0 ? `  └ ${l}` : l === '' ? '' : `    ${l}`)).join('\n') + '\n');
  }

  private write(text: string): void {
    this.out.write(neutraliseControls(text));
  }
}

function oneLine(text: string): string {
  const first = text.split('\n')[0];
  return first.length > 160 ? `${first.slice(0, 157)}…` : first;
}
