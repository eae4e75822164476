import type { RemediationOption, SessionClearing } from '../verdict/types';

/**
 * The remediation options as text with light markdown (terminal, `sip-check analyze`, Slack): one numbered
 * option per block, its title (handler and scope), side effects in words, then its own code block, so no block
 * holds two outcomes. Clearing SIP sessions comes last as a separate step with its warning.
 */

export const REMEDIATION_HEADING = '*Remediation*: separate options; pick one, review it, paste it yourself';

export function optionText(o: RemediationOption, n: number): string[] {
  return [`*Option ${n}: ${o.title}*`, ...o.sideEffects.map((s) => `• ${s}`), '```', ...o.commands, '```'];
}

export function clearingText(c: SessionClearing): string[] {
  return [`*Separate step: ${c.title}*`, ...c.sideEffects.map((s) => `Warning: ${s}`), '```', ...c.commands, '```'];
}

/** '' when there is nothing to suggest. */
export function remediationText(options: readonly RemediationOption[], clearings: readonly SessionClearing[]): string {
  if (!options.length && !clearings.length) return '';
  const out: string[] = [REMEDIATION_HEADING];
  options.forEach((o, i) => out.push('', ...optionText(o, i + 1)));
  for (const c of clearings) out.push('', ...clearingText(c));
  return out.join('\n');
}
