import type { BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeErrorForChat, toCheckError } from '../../../../errors';
import type { Requester } from '../../../../check/types';
import { decodeButtonValue, type ButtonValue, type SlackMessage } from '../../blocks';
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
 * `sameThread`: the rerun belongs to the story of the message whose button was clicked: it runs in that message's
 * thread (the thread it is in, or the one under it), with its own status line there, and the clicked message says
 * that a rerun is running, then how it ended. Without it (the drift watch's "Run full check"), a thread the message
 * is in is kept, else the check starts its own thread.
 */
export async function rerunFromButton(deps: ListenerDeps, args: ButtonArgs, opts: { sameThread?: boolean } = {}): Promise<void> {
  const { value, requester, ephemeral } = await ackAndDecode(deps, args);
  if (!value) return;
  const container = args.body.container;
  const messageTs = stringField(container, 'message_ts');
  const threadTs = stringField(container, 'thread_ts') ?? (opts.sameThread ? messageTs : undefined);
  const origin = opts.sameThread && messageTs && container?.is_ephemeral !== true ? clickedMessage(args.body, messageTs) : undefined;
  try {
    const { outcome, reporter } = await runThroughService(deps, value.command, requester, { channelId: requester.channelId, threadTs, ...(origin ? { origin } : {}) });
    const text = outcomeText(outcome, reporter);
    if (text !== undefined) await replyEphemeral(deps, ephemeral, text);
  } catch (e) {
    deps.logger.error(`sip-check: button rerun failed: ${String(e)}`);
    await replyEphemeral(deps, ephemeral, describeErrorForChat(toCheckError(e)));
  }
}

/** The clicked message as Slack sent it with the click (text and blocks), to edit it; undefined when absent. */
function clickedMessage(body: BlockButtonAction, ts: string): { ts: string; message: SlackMessage } | undefined {
  const m = body.message;
  if (!m || m.ts !== ts || typeof m.text !== 'string' || !Array.isArray(m.blocks)) return undefined;
  return { ts, message: { text: m.text, blocks: m.blocks as SlackMessage['blocks'] } };
}
