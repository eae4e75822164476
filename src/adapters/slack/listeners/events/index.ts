import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import { appMentionEvent } from './appMention';

/** Bot events this app subscribes to; must match manifest.yml `settings.event_subscriptions.bot_events`. */
export const BOT_EVENTS = ['app_mention'] as const;

export function registerEvents(app: App, deps: ListenerDeps): void {
  app.event('app_mention', appMentionEvent(deps));
}
