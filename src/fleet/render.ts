import { storedErrorForChat } from '../errors';
import { jsonWithoutControls, neutraliseControls } from '../report/controls';
import { HANDLER_LABEL } from '../verdict/index';
import type { OverallHandler } from '../verdict/types';
import type { DriftChange } from './drift';
import { describeChange } from './drift';
import type { Audience, SweepReport, SweepRow, SweepScope } from './types';
import { countOf } from '../plural';

/**
 * Platform-neutral renderings of a sweep: the `--json` object, CSV, and the plain-text summary (terminal,
 * command line, and Slack's fallback). Exceptions first (mismatch, unknown, errors), then the table by handler.
 */


const errorMessage = (error: NonNullable<SweepRow['error']>, audience: Audience) => (audience === 'chat' ? storedErrorForChat(error) : error.message);

/** `sip-check sweep --json` and the JSON attachment: exactly the shape of issue 13. */
export function sweepJson(report: SweepReport, changes?: DriftChange[], audience: Audience = 'operator'): object {
  return {
    generatedAt: report.generatedAt,
    firewalls: report.rows.map((r) => ({
      name: r.name,
      handler: r.handler,
      rule: r.rule,
      hostname: r.hostname,
      version: r.version,
      vdoms: r.vdoms,
      error: r.error ? { kind: r.error.kind, message: errorMessage(r.error, audience) } : null,
      seconds: r.seconds,
    })),
    counts: report.counts,
    ...(changes ? { changes: changes.map((c) => ({ ...c, text: describeChange(c, audience) })) } : {}),
  };
}

const CSV_COLUMNS = ['name', 'handler', 'rule', 'hostname', 'version', 'vdoms', 'error_kind', 'error_message', 'seconds'] as const;

/**
 * One CSV cell. Controls become visible escapes (the text is device data); a leading `= + - @` (or tab, CR) is
 * defused with a `'` in every text cell (spreadsheet formula injection, OWASP); and a cell holding `,` `;` a tab, a
 * quote, CR or LF is quoted, so a spreadsheet that splits on `;` or tabs still sees one cell (`x;=1+1` is no formula).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = typeof value === 'string' ? neutraliseControls(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sweepCsv(report: SweepReport, audience: Audience = 'operator'): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.rows) {
    lines.push(
      [
        r.name,
        r.handler,
        r.rule,
        r.hostname,
        r.version,
        r.vdoms.map((v) => `${v.name}=${v.handler}`).join(';'),
        r.error?.kind ?? null,
        r.error ? errorMessage(r.error, audience) : null,
        r.seconds,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

export function scopeText(scope: SweepScope): string {
  return scope.kind === 'all' ? 'every firewall you may check' : `the firewalls tagged \`${scope.tag}\` that you may check`;
}

/** Handlers in the order the summary lists them: exceptions first. */
const ORDER: Array<OverallHandler | 'error'> = ['mismatch', 'unknown', 'error', 'mixed', 'sip-alg', 'sip-alg+ips', 'flow-sip-ips', 'session-helper', 'none'];

export function labelOf(key: string): string {
  if (key === 'error') return 'could not be checked';
  return HANDLER_LABEL[key as OverallHandler] ?? key;
}

export function countsText(counts: Record<string, number>): string {
  return ORDER.filter((k) => counts[k]).map((k) => `${counts[k]} ${labelOf(k)}`).join(', ');
}

export function isException(row: SweepRow): boolean {
  return row.error !== null || row.handler === 'mismatch' || row.handler === 'unknown';
}

/** `fw01: mismatch (R8)` / `fw03: unreachable: connection refused`. */
export function exceptionLine(row: SweepRow): string {
  if (row.error) return `${row.name}: ${row.error.kind}: ${firstLine(row.error.message)}`;
  return `${row.name}: ${labelOf(row.handler ?? 'unknown')} (${row.rule ?? '?'})`;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Rows grouped by handler (errors excluded), in summary order. */
export function groupByHandler(rows: readonly SweepRow[]): Array<{ handler: string; rows: SweepRow[] }> {
  const groups = new Map<string, SweepRow[]>();
  for (const r of rows) {
    if (r.error) continue;
    const key = r.handler ?? 'unknown';
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const keys = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
  return keys.map((handler) => ({ handler, rows: groups.get(handler)! }));
}

function rank(key: string): number {
  const i = ORDER.indexOf(key as OverallHandler);
  return i < 0 ? ORDER.length : i;
}

/** One row for Slack's bullet list (a proportional font: padding would not line up there). */
export function tableLine(r: SweepRow): string {
  const vdoms = r.vdoms.length > 1 ? `  [${r.vdoms.map((v) => `${v.name}: ${v.handler}`).join(', ')}]` : '';
  return `${r.name}  ${r.hostname ?? '-'}  ${r.version ?? '-'}  ${r.rule ?? '-'}${vdoms}`;
}

/**
 * The text table's lines, columns padded to the widest cell of the whole table (every group), so they line up in a
 * terminal or a monospace file. The last column (rule, VDOMs) is not padded.
 */
export function alignedTableLines(rows: readonly SweepRow[]): Map<SweepRow, string> {
  const cells = rows.map((r) => [r.name, r.hostname ?? '-', r.version ?? '-']);
  const widths = [0, 1, 2].map((k) => Math.max(0, ...cells.map((c) => c[k].length)));
  const lines = new Map<SweepRow, string>();
  rows.forEach((r, i) => {
    const vdoms = r.vdoms.length > 1 ? `  [${r.vdoms.map((v) => `${v.name}: ${v.handler}`).join(', ')}]` : '';
    lines.set(r, `${cells[i].map((c, k) => c.padEnd(widths[k])).join('  ')}  ${r.rule ?? '-'}${vdoms}`);
  });
  return lines;
}

/** The whole summary as plain text. */
export function renderSweepText(report: SweepReport, changes?: { since?: string; list: DriftChange[] }): string {
  const out: string[] = [];
  out.push(`Sweep of ${countOf(report.rows.length, 'firewall')} in ${report.seconds} s: ${countsText(report.counts) || 'nothing to show'}`);
  const exceptions = report.rows.filter(isException);
  if (exceptions.length) {
    out.push('', 'Exceptions:');
    for (const r of exceptions) out.push(`  ✘ ${exceptionLine(r)}`);
  }
  const groups = groupByHandler(report.rows);
  const table = alignedTableLines(groups.flatMap((g) => g.rows));
  for (const group of groups) {
    out.push('', `${labelOf(group.handler)} (${group.handler}): ${group.rows.length}`);
    for (const r of group.rows) out.push(`  ${table.get(r)}`);
  }
  if (changes) out.push('', renderChangesText(changes));
  return neutraliseControls(out.join('\n'));
}

/** What changed since the previous run of a state file (or that this run is the baseline). */
export function renderChangesText(changes: { since?: string; list: DriftChange[] }): string {
  const out = [changes.since ? `Changes since ${changes.since}:` : 'No earlier run in the state file: this run is the baseline.'];
  if (changes.since && changes.list.length === 0) out.push('  none');
  for (const c of changes.list) out.push(`  • ${describeChange(c)}`);
  return neutraliseControls(out.join('\n'));
}

export function sweepFiles(report: SweepReport, audience: Audience = 'operator'): Array<{ filename: string; title: string; content: Buffer; mimeType: string }> {
  const stamp = report.generatedAt.replace(/[:.]/g, '-');
  return [
    { filename: `sip-check-sweep-${stamp}.csv`, title: 'Sweep (CSV)', content: Buffer.from(sweepCsv(report, audience)), mimeType: 'text/csv' },
    { filename: `sip-check-sweep-${stamp}.json`, title: 'Sweep (JSON)', content: Buffer.from(jsonWithoutControls(JSON.stringify(sweepJson(report, undefined, audience), null, 2)) + '\n'), mimeType: 'application/json' },
  ];
}
