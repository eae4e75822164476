import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks';
import { FLEET_ACTION_IDS } from '../../fleetBlocks';
import type { ListenerDeps } from '../deps';
import { captureAgainAction } from './captureAgain';
import { longerCaptureAction } from './longerCapture';
import { rerunFromButton, type ButtonArgs } from './rerun';
import { showRemediationAction } from './showRemediation';
import { approveChangeAction, proposeChangeAction } from './changes';
import { CHANGE_ACTION_IDS } from '../../changeBlocks';

export function registerActions(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTION_IDS.captureAgain, captureAgainAction(deps));
  app.action<BlockButtonAction>(ACTION_IDS.longerCapture, longerCaptureAction(deps));
  app.action<BlockButtonAction>(ACTION_IDS.showRemediation, showRemediationAction(deps));
  // "Config only" (and "Config again"): the button's command carries `config`; same service, same access control.
  app.action<BlockButtonAction>(ACTION_IDS.configOnly, (args: ButtonArgs) => rerunFromButton(deps, args));
  if (deps.changes) {
    app.action<BlockButtonAction>(new RegExp(`^${CHANGE_ACTION_IDS.propose}_(?:\\d|clear)$`), proposeChangeAction(deps));
    app.action<BlockButtonAction>(CHANGE_ACTION_IDS.approve, approveChangeAction(deps));
  }
  // The drift watch's "Run full check": the firewall name runs through the same service as a typed command.
  app.action<BlockButtonAction>(FLEET_ACTION_IDS.fullCheck, (args: ButtonArgs) => rerunFromButton(deps, args));
}
