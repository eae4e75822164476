import type { SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeErrorForChat, toCheckError } from '../../../../errors';
import type { Requester } from '../../../../check/types';
import { runThroughService, type ListenerDeps } from '../deps';
import { handleFleetText } from '../fleet';
import { outcomeText, replyEphemeral } from '../reply';

export type AppMentionArgs = Pick<SlackEventMiddlewareArgs<'app_mention'>, 'event' | 'body'>;

/** Leading `<@U…>` mentions (the bot's), removed to leave the command text. */
const LEADING_MENTIONS = /^(?:\s*<@[A-Z0-9]{2,40}(?:\|[^>]{0,80})?>)+/;

export function mentionCommandText(text: string): string {
  return text.replace(LEADING_MENTIONS, '').trim();
}

/**
 * `@sip-check fw01 seconds=30`: slash commands cannot run inside threads (docs/slack.md), so a mention does the
 * same check and answers in the mention's thread (an incident thread, or a new one under the mention). What is
 * only for the person who asked (help, a refusal) is ephemeral: in the thread when the mention was written in one,
 * else in the channel.
 */
export function appMentionEvent(deps: ListenerDeps) {
  return async function appMention({ event, body }: AppMentionArgs): Promise<void> {
    // Only people start checks: not other bots, workflows or edited/system messages.
    if (!event.user || event.bot_id !== undefined || event.subtype !== undefined) return;
    const threadTs = event.thread_ts ?? event.ts;
    const userTeam = event.user_team ?? event.team;
    const requester: Requester = {
      userId: event.user,
      channelId: event.channel,
      teamId: userTeam ?? body.team_id,
      externalUser: userTeam !== undefined && body.team_id !== undefined && userTeam !== body.team_id,
      adapter: 'slack',
    };
    // An ephemeral shows in a thread only if the thread already exists (chat.postEphemeral, `thread_ts`): in the
    // mention's thread when it was written in one, else in the channel. A check's own thread is made by its first post.
    const ephemeralTarget = { channelId: event.channel, userId: event.user, ...(event.thread_ts ? { threadTs: event.thread_ts } : {}) };
    try {
      if (await handleFleetText(deps, mentionCommandText(event.text), requester, { channelId: event.channel, threadTs }, ephemeralTarget)) return;
      const { outcome, reporter } = await runThroughService(deps, mentionCommandText(event.text), requester, { channelId: event.channel, threadTs });
      const text = outcomeText(outcome, reporter);
      if (text !== undefined) await replyEphemeral(deps, ephemeralTarget, text);
    } catch (e) {
      deps.logger.error(`sip-check: app_mention failed: ${String(e)}`);
      await replyEphemeral(deps, ephemeralTarget, describeErrorForChat(toCheckError(e)));
    }
  };
}
