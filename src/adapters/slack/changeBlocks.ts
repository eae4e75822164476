import type { ChangeProposal } from '../../change/approvals';
import type { ChangeStep } from '../../change/engine';
import { proposalText } from '../../change/service';
import { BlockBudget, encodeButtonValue, fallbackText, type KnownBlock, type SlackMessage } from './blocks';

/** Approved changes in Slack (issue 24): Propose buttons under the remediation, the proposal with Approve, the steps. */

export const CHANGE_ACTION_IDS = {
  propose: 'sip_check_propose',
  approve: 'sip_check_approve',
} as const;

/** One "Propose this change" per option, and one for clearing the SIP sessions (its own approval). */
export function proposeButtons(checkId: string, options: number, clearing: boolean): KnownBlock {
  const elements = Array.from({ length: Math.min(options, 4) }, (_, i) => ({
    type: 'button' as const,
    action_id: `${CHANGE_ACTION_IDS.propose}_${i + 1}`,
    text: { type: 'plain_text' as const, text: `Propose this change: option ${i + 1}` },
    value: encodeButtonValue({ command: String(i + 1), checkId }),
  }));
  if (clearing) elements.push({ type: 'button', action_id: `${CHANGE_ACTION_IDS.propose}_clear`, text: { type: 'plain_text', text: 'Propose clearing SIP sessions' }, value: encodeButtonValue({ command: 'clear', checkId }) });
  return { type: 'actions', block_id: 'sip_check_propose', elements };
}

export function buildProposalMessage(p: ChangeProposal): SlackMessage {
  const text = proposalText(p);
  const b = new BlockBudget(':scissors: Cut to fit Slack.');
  b.section(text, { allowTruncate: true });
  const blocks = b.build();
  blocks.push({
    type: 'actions',
    block_id: 'sip_check_approve',
    elements: [{ type: 'button', style: 'danger', action_id: CHANGE_ACTION_IDS.approve, text: { type: 'plain_text', text: 'Approve and apply' }, value: encodeButtonValue({ command: 'approve', checkId: p.id }) }],
  });
  return { text: fallbackText(text), blocks };
}

export function buildStepMessage(changeId: string, step: ChangeStep): SlackMessage {
  const t = `${step.step === 'done' ? ':white_check_mark:' : step.step === 'rollback' || step.step === 'interrupted' ? ':warning:' : ':gear:'} ${changeId} [${step.step}] ${step.text}`;
  return { text: fallbackText(t), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t.slice(0, 2900) } }] };
}
