import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import { sipCheckCommand } from './sipCheck';

/** The slash command; its name must match manifest.yml (a test checks it). */
export const SLASH_COMMAND = '/sip-check';

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command(SLASH_COMMAND, sipCheckCommand(deps));
}
