import type { Analysis } from '../check/analyse';
import type { SipLadder } from '../sip/types';
import { neutraliseControls } from './controls';
import { renderTextLadder } from './ladder';
import { mrkdwnToPlain } from './plainText';
import { renderSipSummaryText } from './sipText';
import { renderVerdictText } from './verdictText';

/** The complete report attached to every check: nothing cut, plain text for the file rather than the chat; controls made visible. */
export function renderFullReport(analysis: Analysis, ladders: readonly SipLadder[]): string {
  const parts = [
    mrkdwnToPlain(renderVerdictText(analysis)),
    '',
    mrkdwnToPlain(renderSipSummaryText(analysis.sip, { maxCalls: Number.MAX_SAFE_INTEGER, maxProblems: Number.MAX_SAFE_INTEGER })),
  ];
  for (const ladder of ladders) parts.push('', renderTextLadder(ladder));
  return neutraliseControls(parts.join('\n')) + '\n';
}
