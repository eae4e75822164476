import type { Analysis } from '../check/analyse';
import { remediationText } from './remediationText';
import { partialTag } from '../verdict/coverage';
import { HANDLER_LABEL } from '../verdict/decide';
import type { Evidence, PolicyVerdict, VdomVerdict } from '../verdict/types';

/**
 * The verdict as plain text with light markdown (`*bold*`, code blocks): terminal, `sip-check analyze`,
 * Slack fallback text. Verdict first, in one line. A renderer never re-parses: it reads the Analysis only.
 */

const MAX_EVIDENCE = 12;

function headline(a: Pick<Analysis, 'verdict' | 'status'>): string {
  const v = a.verdict;
  const where = [a.status.hostname, a.status.version].filter(Boolean).join(', ');
  const partial = v.partial ? ` [${partialTag(v.partial)}]` : '';
  return `*SIP handler: ${HANDLER_LABEL[v.handler]}*${v.rule && v.rule !== 'unknown' ? ` (${v.rule})` : ''}${partial}${where ? ` on ${where}` : ''}`;
}

function policyTable(policies: readonly PolicyVerdict[]): string[] {
  const rows = policies.map((p) => [String(p.id), p.name ?? '', HANDLER_LABEL[p.handler], p.rule]);
  const header = ['policy', 'name', 'handler', 'rule'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return ['```', fmt(header), ...rows.map(fmt), '```'];
}

function evidenceLines(evidence: readonly Evidence[]): string[] {
  const out: string[] = [];
  for (const e of evidence.slice(0, MAX_EVIDENCE)) {
    out.push(`• from \`${e.source}\`:`);
    out.push(...e.text.split('\n').map((l) => `    ${l}`));
  }
  if (evidence.length > MAX_EVIDENCE) out.push(`• … ${evidence.length - MAX_EVIDENCE} more in the full report`);
  return out;
}

function vdomSection(v: VdomVerdict, multi: boolean): string[] {
  const out: string[] = [];
  if (multi) out.push('', `*VDOM ${v.name}: ${HANDLER_LABEL[v.handler]}*${v.rule && v.rule !== 'unknown' ? ` (${v.rule})` : ''}`);
  const handlers = new Set(v.policies.map((p) => p.handler));
  const rules = new Set(v.policies.map((p) => p.rule));
  if (v.policies.length > 1 && (handlers.size > 1 || rules.size > 1)) out.push(...policyTable(v.policies));
  if (multi) out.push(v.explanation);
  if (v.missing.length) out.push(`Missing: ${v.missing.map((m) => `\`${m}\``).join(', ')}`);
  if (v.evidence.length) out.push('*Evidence*', ...evidenceLines(v.evidence));
  if (v.notes.length) out.push('*Notes*', ...v.notes.map((n) => `• ${n}`));
  return out;
}

export function renderVerdictText(analysis: Pick<Analysis, 'verdict' | 'status'>): string {
  const v = analysis.verdict;
  const multi = v.vdoms.length > 1;
  const out: string[] = [headline(analysis)];
  if (v.partial) out.push(v.partial.explanation);
  if (!multi) {
    out.push(v.explanation);
    out.push(...vdomSection(v.vdoms[0], false));
  } else {
    out.push(v.explanation.split('\n')[0].startsWith('VDOMs differ') ? 'VDOMs differ: see each below.' : `Every VDOM: ${HANDLER_LABEL[v.handler]}.`);
    for (const vd of v.vdoms) out.push(...vdomSection(vd, true));
  }
  const remedy = remediationText(v.remediation, v.clearSessions);
  if (remedy) out.push('', remedy);
  return out.join('\n');
}
