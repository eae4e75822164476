import type { ListenerDeps } from '../deps';
import { rerunFromButton, type ButtonArgs } from './rerun';

/** "Capture again": the same firewall and options. */
export function captureAgainAction(deps: ListenerDeps) {
  return async function captureAgain(args: ButtonArgs): Promise<void> {
    await rerunFromButton(deps, args, { sameThread: true });
  };
}
