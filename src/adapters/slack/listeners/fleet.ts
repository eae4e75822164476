import type { Requester } from '../../../check/types';
import { parseFleetCommand } from '../../../fleet/command';
import type { FleetOutcome } from '../../../fleet/service';
import type { SlackThreadTarget } from '../reporter';
import { SlackSweepReporter } from '../sweepReporter';
import { withUserGroups, type ListenerDeps } from './deps';
import { refusalText, replyEphemeral, type EphemeralTarget } from './reply';

/**
 * `/sip-check all`, `/sip-check tag=NAME`, `/sip-check watch` (and the same words in a mention). Returns false
 * when the text is not a fleet command (or sweeps are off), so the caller runs it as a single check.
 */
export async function handleFleetText(deps: ListenerDeps, text: string, requester: Requester, target: SlackThreadTarget, ephemeral: EphemeralTarget): Promise<boolean> {
  if (!deps.fleet) return false;
  const command = parseFleetCommand(text);
  if (!command) return false;
  let reporter: SlackSweepReporter | undefined;
  const outcome = await deps.fleet.handle(command, await withUserGroups(deps, requester), () => {
    reporter = new SlackSweepReporter(deps.reporterDeps, target);
    return reporter;
  });
  deps.onFleetOutcome?.(outcome, requester);
  const reply = fleetOutcomeText(outcome, reporter);
  if (reply !== undefined) await replyEphemeral(deps, ephemeral, reply);
  return true;
}

export function fleetOutcomeText(outcome: FleetOutcome, reporter: SlackSweepReporter | undefined): string | undefined {
  switch (outcome.kind) {
    case 'text':
      return outcome.text;
    case 'rejected':
      return refusalText(outcome.error, reporter?.startFailure, 'sweep');
    case 'started':
      return undefined;
  }
}
