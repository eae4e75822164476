import type { ListenerDeps } from '../deps';
import { rerunFromButton, type ButtonArgs } from './rerun';

/** "Longer capture": the button's command already has the doubled, capped `seconds` (blocks.longerSeconds). */
export function longerCaptureAction(deps: ListenerDeps) {
  return async function longerCapture(args: ButtonArgs): Promise<void> {
    await rerunFromButton(deps, args, { sameThread: true });
  };
}
