import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks';
import type { ListenerDeps } from '../deps';
import { captureAgainAction } from './captureAgain';
import { longerCaptureAction } from './longerCapture';
import { showRemediationAction } from './showRemediation';

export function registerActions(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTION_IDS.captureAgain, captureAgainAction(deps));
  app.action<BlockButtonAction>(ACTION_IDS.longerCapture, longerCaptureAction(deps));
  app.action<BlockButtonAction>(ACTION_IDS.showRemediation, showRemediationAction(deps));
}
