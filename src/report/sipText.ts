import type { SipCallSummary, SipSummary } from '../sip/types';
import { countOf } from '../plural';

/**
 * The SIP summary as compact monospace text (problems first; codes like tshark `-z sip,stat`; a calls table like
 * sngrep's call list; registrations). `maxCalls`/`maxProblems` cut the chat version with an "… N more" line; the
 * caller attaches the full version as a file. Renders only: never re-parses.
 */
export function renderSipSummaryText(summary: SipSummary, opts: { maxCalls?: number; maxProblems?: number } = {}): string {
  const maxCalls = opts.maxCalls ?? 10;
  const maxProblems = opts.maxProblems ?? 5;
  const out: string[] = [];

  const head = [
    countOf(summary.messages, 'SIP message'),
    countOf(summary.calls.length, 'call'),
    countOf(summary.registrations.length, 'registration'),
    countOf(summary.retransmissions, 'retransmission'),
  ];
  out.push(`SIP: ${head.join(', ')} · ${countOf(summary.lines.total, 'debug line')} (${summary.lines.unknown} not recognised)`);
  if (summary.dropped && (summary.dropped.calls > 0 || summary.dropped.problems > 0)) {
    out.push(`Memory caps hit: ${countOf(summary.dropped.calls, 'call')} counted but not kept, ${countOf(summary.dropped.problems, 'problem')} not kept.`);
  }
  if (summary.messages === 0) out.push('No SIP message in the capture.');

  const outcomes = summary.outcomes ?? [];
  if (outcomes.length > 0) out.push('', `Call outcomes (answers, not faults): ${outcomesText(summary)}`);

  if (summary.problems.length > 0) {
    out.push('', `Problems (${summary.problems.length}):`);
    for (const p of summary.problems.slice(0, maxProblems)) {
      out.push(`• ${p.message} [${p.kind}]`);
      for (const e of p.evidence.slice(0, 3)) out.push(`    ${e.trim()}`);
    }
    more(out, summary.problems.length - maxProblems, 'problem');
  } else if (summary.messages > 0) {
    out.push('', 'Problems: none found in the signalling.');
  }

  const methods = Object.entries(summary.requests).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const codes = Object.entries(summary.responses).sort((a, b) => Number(a[0]) - Number(b[0]));
  if (methods.length || codes.length) {
    out.push('');
    if (methods.length) out.push(`Requests: ${methods.map(([m, n]) => `${m} ×${n}`).join(', ')}`);
    if (codes.length) out.push(`Responses: ${codes.map(([c, n]) => `${c} ×${n}`).join(', ')}`);
    if (summary.retransmissions > 0) out.push(`Retransmissions: ${summary.retransmissions}`);
  }

  if (summary.calls.length > 0) {
    out.push('', 'Calls:');
    const rows = summary.calls.slice(0, maxCalls).map((c, i) => callRow(c, i + 1));
    out.push(...table(['#', 'Start', 'From', 'To', 'State', 'Msgs', 'Final', 'PDD', 'Setup', 'Duration'], rows));
    more(out, summary.calls.length - maxCalls, 'call');
    const media = summary.calls.slice(0, maxCalls).flatMap((c, i) => c.media.map((m) => `  #${i + 1} ${m.leg}: ${m.address}:${m.port} ${m.codecs.join('/')}${m.direction ? ' ' + m.direction : ''}`));
    if (media.length) out.push('Media (SDP):', ...media.slice(0, maxCalls * 2));
  }

  if (summary.registrations.length > 0) {
    out.push('', 'Registrations:');
    const rows = summary.registrations.slice(0, maxCalls).map((r) => [r.aor, r.outcome, r.expires !== undefined ? `${r.expires}s` : '-', r.contact ?? '-']);
    out.push(...table(['AOR', 'Outcome', 'Expires', 'Contact'], rows));
    more(out, summary.registrations.length - maxCalls, 'registration');
  }

  if (summary.otherTransactions.length > 0) {
    const other = summary.otherTransactions.map((t) => `${t.method} ×${t.count}${t.unanswered ? ` (${t.unanswered} unanswered)` : ''}`);
    out.push('', `Other transactions: ${other.join(', ')}`);
  }
  return out.join('\n');
}

/** `INVITE 486 Busy Here ×12, INVITE 487 Request Terminated ×1`: busy, declined, not found, cancelled. */
export function outcomesText(summary: SipSummary): string {
  return (summary.outcomes ?? []).map((o) => `${o.method} ${o.status}${o.reason ? ' ' + o.reason : ''} ×${o.count}`).join(', ');
}

function callRow(c: SipCallSummary, index: number): string[] {
  const final = c.finalStatus !== null ? `${c.finalStatus}${c.finalReason ? ' ' + c.finalReason : ''}` : '-';
  return [
    String(index),
    c.startedAt ? c.startedAt.slice(c.startedAt.search(/[ T]/) + 1) : '-',
    clip(c.from, 28),
    clip(c.to, 28),
    c.state,
    String(c.messages),
    clip(final, 24),
    duration(c.postDialDelayMs),
    duration(c.setupMs),
    duration(c.durationMs),
  ];
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function more(out: string[], n: number, what: string): void {
  if (n > 0) out.push(`… ${countOf(n, `more ${what}`)} (full list in the attached report)`);
}

function clip(s: string, width: number): string {
  return s.length > width ? s.slice(0, width - 1) + '…' : s;
}

/** `950 ms`, `4 s`, `2m05s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
