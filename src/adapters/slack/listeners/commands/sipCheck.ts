import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import { describeErrorForChat, toCheckError } from '../../../../errors';
import type { Requester } from '../../../../check/types';
import { commandFromOtherTeam, runThroughService, type ListenerDeps } from '../deps';
import { handleFleetText } from '../fleet';
import { outcomeText, replyEphemeral } from '../reply';

export type SipCheckCommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'>;

/** `/sip-check <firewall> [options] | help`. Acks before any I/O (docs/slack.md: 3 s or the user sees a timeout). */
export function sipCheckCommand(deps: ListenerDeps) {
  return async function sipCheck({ command, ack, respond }: SipCheckCommandArgs): Promise<void> {
    const received = process.hrtime.bigint();
    await ack();
    deps.observeAck?.(Number(process.hrtime.bigint() - received) / 1e9);
    const ephemeralTarget = { respond, channelId: command.channel_id, userId: command.user_id };
    try {
      const external = await commandFromOtherTeam(deps, command.team_id);
      const requester: Requester = { userId: command.user_id, channelId: command.channel_id, teamId: command.team_id, ...(external !== undefined ? { externalUser: external } : {}), adapter: 'slack' };
      if (await handleFleetText(deps, command.text ?? '', requester, { channelId: command.channel_id }, ephemeralTarget)) return;
      const { outcome, reporter } = await runThroughService(deps, command.text ?? '', requester, { channelId: command.channel_id });
      const text = outcomeText(outcome, reporter);
      if (text !== undefined) await replyEphemeral(deps, ephemeralTarget, text);
    } catch (e) {
      deps.logger.error(`sip-check: /sip-check failed: ${String(e)}`);
      await replyEphemeral(deps, ephemeralTarget, describeErrorForChat(toCheckError(e)));
    }
  };
}
