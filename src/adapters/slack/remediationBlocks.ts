import type { RemediationOption, SessionClearing } from '../../verdict/types';
import { BlockBudget, escapeMrkdwn, fallbackText, proseMrkdwn, truncate, type SlackMessage } from './blocks';
import { remediationText } from '../../report/remediationText';
import { proposeButtons } from './changeBlocks';

/**
 * The remediation options posted in the thread by "Show remediation": one section per option (title with the
 * handler and scope, side effects), its own code block, then clearing the SIP sessions as a separate step with its
 * warning. The bot never runs any of it.
 */
export function buildRemediationMessage(firewall: string, options: readonly RemediationOption[], clearings: readonly SessionClearing[], requesterId: string, proposeFor?: string): SlackMessage {
  const b = new BlockBudget(':scissors: Cut to fit Slack: the full remediation is in the attached report file.');
  b.section(`*Remediation for ${escapeMrkdwn(firewall)}* (requested by <@${requesterId}>): ${options.length} separate option${options.length === 1 ? '' : 's'}. Pick one, review it and paste it yourself: the bot never runs it.`);
  options.forEach((o, i) => {
    b.section([`*Option ${i + 1}: ${escapeMrkdwn(o.title)}*`, ...o.sideEffects.map((s) => `• ${proseMrkdwn(s)}`)].join('\n'), { allowTruncate: true });
    b.code(o.commands.join('\n'));
  });
  for (const c of clearings) {
    b.section([`*Separate step: ${escapeMrkdwn(c.title)}*`, ...c.sideEffects.map((s) => `:warning: ${proseMrkdwn(s)}`)].join('\n'), { allowTruncate: true });
    b.code(c.commands.join('\n'));
  }
  const blocks = b.build();
  // Firewalls that allow approved changes (issue 24): one Propose per option; the bot still runs nothing unapproved.
  if (proposeFor && (options.length || clearings.length)) blocks.push(proposeButtons(proposeFor, options.length, clearings.length > 0));
  return { text: fallbackText(truncate(`Remediation for ${firewall} (not run by the bot):\n${remediationText(options, clearings)}`, 3000)), blocks };
}
