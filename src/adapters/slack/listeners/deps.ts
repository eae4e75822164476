import type { Logger, webApi } from '@slack/bolt';
import type { CheckService, HandleOutcome } from '../../../check/service';
import { FLEET_HELP } from '../../../fleet/command';
import type { FleetOutcome, FleetService } from '../../../fleet/service';
import type { Requester } from '../../../check/types';
import { SlackThreadReporter, type SlackReporterDeps, type SlackThreadTarget } from '../reporter';
import type { UserGroupDirectory } from '../userGroups';
import type { ChangeService } from '../../../change/service';

/** What every listener needs: the platform-neutral service and how to build a thread reporter. */
export interface ListenerDeps {
  service: CheckService;
  logger: Logger;
  reporterDeps: SlackReporterDeps;
  /** Posts ephemerals and remediation replies (retries kept). */
  client: webApi.WebClient;
  /** Called with every outcome, so callers (tests, metrics) can await a running check's `done`. */
  onOutcome?: (outcome: HandleOutcome, requester: Requester) => void;
  /** Resolves the requester's user groups when the inventory grants any. */
  userGroups?: UserGroupDirectory;
  /** Fleet sweeps and the watch status (`all`, `tag=NAME`, `watch`); absent: those words are not commands. */
  fleet?: FleetService;
  onFleetOutcome?: (outcome: FleetOutcome, requester: Requester) => void;
  /** Seconds from a slash command reaching its listener to the ack sent (metrics). */
  observeAck?: (seconds: number) => void;
  /** Approved changes (issue 24); absent: no Propose button. */
  changes?: ChangeService;
  /** Called with each approval being run (tests await it). */
  onChange?: (run: Promise<void>) => void;
  /** The bot's own workspace (`auth.test`), undefined when it cannot be known; absent: no team comparison. */
  homeTeamId?: () => Promise<string | undefined>;
}

/**
 * Whether a slash command comes from another workspace (a Slack Connect channel): its `team_id` is not the bot's.
 * Mentions and buttons compare the user's team with the app's in their payload; a command carries one team only,
 * so it is compared with the bot's own (`auth.test`). Unknown home team: treated as external (fail closed).
 */
export async function commandFromOtherTeam(deps: ListenerDeps, teamId: string | undefined): Promise<boolean | undefined> {
  if (!deps.homeTeamId) return undefined;
  const home = await deps.homeTeamId();
  return home === undefined || teamId !== home;
}

/** `auth.test`'s `team_id`, asked once and kept; a failure is logged and asked again next time. */
export function homeTeamOf(client: webApi.WebClient, logger: Logger): () => Promise<string | undefined> {
  let known: Promise<string | undefined> | undefined;
  return () => {
    known ??= client.auth.test().then(
      (r) => r.team_id,
      (e: unknown) => {
        known = undefined;
        logger.error(`sip-check: auth.test failed, slash commands are refused until the bot's workspace is known: ${String(e)}`);
        return undefined;
      },
    );
    return known;
  };
}

/** The requester with the user groups the inventory cares about (Slack does not send them). */
export async function withUserGroups(deps: ListenerDeps, requester: Requester): Promise<Requester> {
  if (!deps.userGroups) return requester;
  return { ...requester, userGroups: await deps.userGroups.groupsOf(requester.userId) };
}

/**
 * Runs `text` through `service.handle` with a reporter bound to `target`, and returns the outcome plus the
 * reporter (if one was made) so the caller can tell a Slack refusal of the parent from other rejections.
 */
export async function runThroughService(
  deps: ListenerDeps,
  text: string,
  requester: Requester,
  target: SlackThreadTarget,
): Promise<{ outcome: HandleOutcome; reporter?: SlackThreadReporter }> {
  let reporter: SlackThreadReporter | undefined;
  requester = await withUserGroups(deps, requester);
  let outcome = await deps.service.handle(text, requester, () => {
    reporter = new SlackThreadReporter(deps.reporterDeps, target);
    return reporter;
  });
  if (outcome.kind === 'help' && deps.fleet) outcome = { ...outcome, text: `${outcome.text}\n\n${FLEET_HELP}` };
  deps.onOutcome?.(outcome, requester);
  if (outcome.kind === 'started') {
    // The check reports through the reporter; only failures of the service itself land here.
    outcome.done.catch((e: unknown) => deps.logger.error(`sip-check: check ${outcome.checkId} ended with an unhandled error: ${String(e)}`));
  }
  return { outcome, reporter };
}
