import { proposalText } from '../../../../change/service';
import { buildProposalMessage, buildStepMessage } from '../../changeBlocks';
import { withUserGroups, type ListenerDeps } from '../deps';
import { replyEphemeral } from '../reply';
import { uploadFiles } from '../../upload';
import { ackAndDecode, stringField, type ButtonArgs } from './rerun';

/**
 * "Propose this change" and "Approve and apply" (issue 24). The proposal, every approval or refusal and every step
 * of the change are posted in the check's thread; the change itself runs in src/change/ (engine).
 */

function threadOf(args: ButtonArgs): string | undefined {
  const container = args.body.container;
  return stringField(container, 'thread_ts') ?? stringField(container, 'message_ts');
}

export function proposeChangeAction(deps: ListenerDeps) {
  return async function proposeChange(args: ButtonArgs): Promise<void> {
    const { value, requester, ephemeral } = await ackAndDecode(deps, args);
    if (!value || !deps.changes) return;
    const which = value.command === 'clear' ? 'clear' : Number(value.command);
    if (which !== 'clear' && !(Number.isInteger(which) && which >= 1 && which <= 9)) return;
    const r = await deps.changes.propose(value.checkId, which, await withUserGroups(deps, requester));
    if (r.kind === 'refused') {
      await replyEphemeral(deps, ephemeral, r.reason);
      return;
    }
    const message = buildProposalMessage(r.proposal);
    const threadTs = threadOf(args);
    try {
      // Paced with every other post in the channel (channelQueue.ts).
      await deps.reporterDeps.channelQueue.post(requester.channelId, () =>
        deps.client.chat.postMessage({ channel: requester.channelId, ...(threadTs ? { thread_ts: threadTs } : {}), text: message.text, blocks: message.blocks }),
      );
    } catch (e) {
      deps.logger.warn(`sip-check: posting a change proposal failed: ${String(e)}`);
      await replyEphemeral(deps, ephemeral, proposalText(r.proposal));
    }
  };
}

export function approveChangeAction(deps: ListenerDeps) {
  return async function approveChange(args: ButtonArgs): Promise<void> {
    const { value, requester, ephemeral } = await ackAndDecode(deps, args);
    if (!value || !deps.changes || value.command !== 'approve') return;
    const threadTs = threadOf(args);
    const post = async (text: string, blocks?: unknown[]) => {
      try {
        await deps.reporterDeps.channelQueue.post(requester.channelId, () =>
          deps.client.chat.postMessage({ channel: requester.channelId, ...(threadTs ? { thread_ts: threadTs } : {}), text, ...(blocks ? { blocks: blocks as never } : {}) }),
        );
      } catch (e) {
        deps.logger.warn(`sip-check: posting a change step failed: ${String(e)}`);
      }
    };
    const changeId = value.checkId;
    const run = (async () => {
      const r = await deps.changes!.approve(changeId, await withUserGroups(deps, requester), async (step) => {
        const m = buildStepMessage(changeId, step);
        await post(m.text, m.blocks);
        if (step.file) {
          try {
            // The same upload path as a check's files (upload.ts), paced in the channel; a thread always exists here.
            if (threadTs) await uploadFiles(deps.client, { channelId: requester.channelId, threadTs }, [{ filename: step.file.name, title: `Backup before ${changeId}`, content: Buffer.from(step.file.content) }], { channelQueue: deps.reporterDeps.channelQueue });
          } catch (e) {
            deps.logger.warn(`sip-check: uploading a change backup failed: ${String(e)}`);
          }
        }
      });
      if (r.kind === 'refused') {
        // Refusals are visible in the thread (and audited by the desk), not only to the clicker.
        await post(`Approval of ${changeId} by <@${requester.userId}> refused: ${r.reason}`);
        await replyEphemeral(deps, ephemeral, r.reason);
      }
    })();
    deps.onChange?.(run);
    await run;
  };
}
