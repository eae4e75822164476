import type { BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeErrorForChat, toCheckError } from '../../../../errors';
import type { Requester } from '../../../../check/types';
import { decodeButtonValue, type ButtonValue } from '../../blocks';
import { runThroughService, type ListenerDeps } from '../deps';
import { outcomeText, replyEphemeral, type EphemeralTarget } from '../reply';

export type ButtonArgs = Pick<SlackActionMiddlewareArgs<BlockButtonAction>, 'body' | 'action' | 'ack' | 'respond'>;

/** The clicker, by IDs: buttons get the same access control as typed commands. */
export function requesterOf(body: BlockButtonAction): Requester {
  const channelId = body.channel?.id ?? stringField(body.container, 'channel_id') ?? '';
  const userTeam = body.user.team_id;
  const appTeam = body.team?.id;
  return { userId: body.user.id, channelId, teamId: userTeam ?? appTeam, externalUser: userTeam !== undefined && appTeam !== undefined && userTeam !== appTeam, adapter: 'slack' };
}

export function stringField(o: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** Acks, decodes the button value and tells the clicker (ephemerally) when it is not a valid one. */
export async function ackAndDecode(deps: ListenerDeps, { body, action, ack, respond }: ButtonArgs): Promise<{ value?: ButtonValue; requester: Requester; ephemeral: EphemeralTarget }> {
  await ack();
  const requester = requesterOf(body);
  const ephemeral: EphemeralTarget = { respond, channelId: requester.channelId, userId: requester.userId };
  const value = decodeButtonValue(action.value);
  if (!value) await replyEphemeral(deps, ephemeral, 'This button is not one sip-check understands (an old or altered message). Run `/sip-check` again.');
  return { value, requester, ephemeral };
}

/**
 * "Capture again" and "Longer capture": the button carries the canonical command text, which goes
 * through the same `service.handle` as a typed command (same parsing, same access control).
 */
export async function rerunFromButton(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  const { value, requester, ephemeral } = await ackAndDecode(deps, args);
  if (!value) return;
  // A check that ran inside an (incident) thread runs again in that thread; otherwise a new parent.
  const threadTs = stringField(args.body.container, 'thread_ts');
  try {
    const { outcome, reporter } = await runThroughService(deps, value.command, requester, { channelId: requester.channelId, threadTs });
    const text = outcomeText(outcome, reporter);
    if (text !== undefined) await replyEphemeral(deps, ephemeral, text);
  } catch (e) {
    deps.logger.error(`sip-check: button rerun failed: ${String(e)}`);
    await replyEphemeral(deps, ephemeral, describeErrorForChat(toCheckError(e)));
  }
}
