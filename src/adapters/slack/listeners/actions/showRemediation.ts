import { describeErrorForChat } from '../../../../errors';
import { buildRemediationMessage } from '../../remediationBlocks';
import { redactMessage } from '../../reporter';
import { slackErrorCode } from '../../slackErrors';
import { withUserGroups, type ListenerDeps } from '../deps';
import { replyEphemeral } from '../reply';
import { ackAndDecode, stringField, type ButtonArgs } from './rerun';

/** "Show remediation": posts the check's remediation options in its thread. The bot never runs them. */
export function showRemediationAction(deps: ListenerDeps) {
  return async function showRemediation(args: ButtonArgs): Promise<void> {
    const { value, requester, ephemeral } = await ackAndDecode(deps, args);
    if (!value) return;
    const found = deps.service.remediation(value.checkId, await withUserGroups(deps, requester));
    if (found.kind === 'rejected') {
      await replyEphemeral(deps, ephemeral, describeErrorForChat(found.error));
      return;
    }
    const container = args.body.container;
    const threadTs = stringField(container, 'thread_ts') ?? stringField(container, 'message_ts');
    const message = redactMessage(buildRemediationMessage(found.firewall, found.options, found.clearSessions, requester.userId, deps.changes?.allows(found.firewall) ? value.checkId : undefined), deps.reporterDeps.redact);
    try {
      await deps.reporterDeps.channelQueue.post(requester.channelId, () =>
        deps.client.chat.postMessage({ channel: requester.channelId, ...(threadTs ? { thread_ts: threadTs } : {}), text: message.text, blocks: message.blocks }),
      );
    } catch (e) {
      const code = slackErrorCode(e);
      deps.logger.warn(`sip-check: posting remediation failed: ${code}`);
      await replyEphemeral(deps, ephemeral, `The remediation could not be posted in the thread (${code}):\n${message.text}`);
    }
  };
}
