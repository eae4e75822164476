import type { App } from '@slack/bolt';
import { registerActions } from './actions';
import { registerCommands } from './commands';
import type { ListenerDeps } from './deps';
import { registerEvents } from './events';

export type { ListenerDeps } from './deps';

/** The registration seam of bolt-js-starter-template: one call wires every listener. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommands(app, deps);
  registerEvents(app, deps);
  registerActions(app, deps);
}
