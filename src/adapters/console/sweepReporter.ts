import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { neutraliseControls } from '../../report/controls';
import { renderSweepText, scopeText, sweepFiles } from '../../fleet/render';
import type { SweepReport, SweepReporter, SweepRequest } from '../../fleet/types';
import { countOf } from '../../plural';

/** A sweep in the terminal: the progress line rewritten in place (TTY), the summary, the CSV and JSON as files. */
export class ConsoleSweepReporter implements SweepReporter {
  private readonly redact: (t: string) => string;
  private shown = 0;

  constructor(
    private readonly out: Writable,
    private readonly attachmentsDir: string,
    private readonly opts: { tty: boolean; redact?: (t: string) => string } = { tty: false },
  ) {
    this.redact = opts.redact ?? ((t) => t);
  }

  async start(request: SweepRequest): Promise<void> {
    this.out.write(`\n● Sweep of ${scopeText(request.scope).replace(/`/g, '')}: ${countOf(request.firewalls.length, 'firewall')}, config only (no debug)  requested by ${request.requester.userId}\n`);
  }

  async progress(done: number, total: number): Promise<void> {
    if (this.opts.tty) this.out.write(`\r  ${done}/${total}   `);
    else if (done === total || done - this.shown >= Math.max(1, Math.ceil(total / 10))) {
      this.shown = done;
      this.out.write(`  ${done}/${total}\n`);
    }
  }

  async result(report: SweepReport): Promise<void> {
    const files = sweepFiles(report);
    if (this.opts.tty) this.out.write('\n');
    const dir = path.join(this.attachmentsDir, `sweep-${report.id}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const paths = files.map((f) => {
      const file = path.join(dir, f.filename);
      writeFileSync(file, this.redact(f.content.toString('utf8')), { mode: 0o600 });
      return file;
    });
    const body = neutraliseControls(this.redact(renderSweepText(report))).split('\n').map((l) => `  │ ${l}`).join('\n');
    this.out.write(`${body}\n${paths.map((p) => `  │ 📎 ${p}`).join('\n')}\n`);
  }
}
