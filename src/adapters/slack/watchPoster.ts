import type { webApi } from '@slack/bolt';
import type { DriftChange } from '../../fleet/drift';
import type { SweepReport } from '../../fleet/types';
import { buildWatchChangesMessage, CHANGES_PER_MESSAGE } from './fleetBlocks';
import type { ChannelQueue } from './channelQueue';
import { redactMessage } from './reporter';

/**
 * Posts the drift watch's changes in its channel: one message per CHANGES_PER_MESSAGE changes, each with a button,
 * paced with the checks' posts in that channel (`channelQueue`: the one the Slack app uses).
 */
export function slackWatchPoster(client: webApi.WebClient, channelQueue: ChannelQueue, channelId: string, redact?: (text: string) => string) {
  return async (changes: DriftChange[], report: SweepReport): Promise<void> => {
    const count = Math.ceil(changes.length / CHANGES_PER_MESSAGE);
    for (let i = 0; i < count; i++) {
      const part = changes.slice(i * CHANGES_PER_MESSAGE, (i + 1) * CHANGES_PER_MESSAGE);
      const m = redactMessage(buildWatchChangesMessage(part, report, { index: i, count }), redact);
      await channelQueue.post(channelId, () => client.chat.postMessage({ channel: channelId, text: m.text, blocks: m.blocks }));
    }
  };
}
