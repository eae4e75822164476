import type { RespondFn } from '@slack/bolt';
import { describeErrorForChat, type CheckError } from '../../../errors';
import type { HandleOutcome } from '../../../check/service';
import { buildEphemeral, notInChannelText } from '../blocks';
import type { SlackThreadReporter } from '../reporter';
import { NOT_IN_CHANNEL_ERRORS, slackErrorCode } from '../slackErrors';
import { retryRateLimited } from '../channelQueue';
import type { ListenerDeps } from './deps';

/** Where an ephemeral answer goes: the command's response_url first, `chat.postEphemeral` as fallback. */
export interface EphemeralTarget {
  respond?: RespondFn;
  channelId: string;
  userId: string;
  threadTs?: string;
}

/** Sends an ephemeral answer; never throws (an expired response_url falls back to chat.postEphemeral). */
export async function replyEphemeral(deps: ListenerDeps, target: EphemeralTarget, text: string): Promise<void> {
  const message = buildEphemeral(text);
  if (target.respond) {
    try {
      await target.respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
      return;
    } catch (e) {
      deps.logger.warn(`sip-check: respond() failed (${e instanceof Error ? e.message : String(e)}); trying chat.postEphemeral`);
    }
  }
  try {
    await retryRateLimited(() =>
      deps.client.chat.postEphemeral({
        channel: target.channelId,
        user: target.userId,
        ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
        text: message.text,
        blocks: message.blocks,
      }),
    );
  } catch (e) {
    deps.logger.error(`sip-check: could not tell ${target.userId} in ${target.channelId}: ${slackErrorCode(e)}`);
  }
}

/** The ephemeral text for a non-started outcome, or undefined when the check started (the reporter speaks). */
export function outcomeText(outcome: HandleOutcome, reporter: SlackThreadReporter | undefined): string | undefined {
  switch (outcome.kind) {
    case 'help':
      return outcome.text;
    case 'rejected':
      return refusalText(outcome.error, reporter?.startFailure, 'check');
    case 'started':
      return undefined;
  }
}

/** Why a check or sweep did not start: Slack's refusal of its first message when that was it, else the error. */
export function refusalText(error: CheckError, slackError: string | undefined, what: 'check' | 'sweep'): string {
  if (slackError && NOT_IN_CHANNEL_ERRORS.has(slackError)) return notInChannelText(slackError);
  if (slackError) return `Slack refused to post the ${what}'s message (\`${slackError}\`), so the ${what} was not run. Try again in a moment.`;
  return describeErrorForChat(error);
}
