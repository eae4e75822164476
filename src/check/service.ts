import type { CheckError } from './errors';
import type { CheckOptions, CheckReporter, Requester } from './types';

/**
 * What a chat adapter sees of the bot: text in, an outcome out. Platform-neutral (Nautobot ChatOps'
 * dispatcher idea): parsing, access control, rate limits, locks and the check itself live behind it.
 */
export type HandleOutcome =
  /** `help`, or no argument: usage, option bounds and the firewalls this requester may check. Ephemeral. */
  | { kind: 'help'; text: string }
  /** Refused before any SSH work (usage, unknown firewall, not authorized, busy, rate-limited). Ephemeral. */
  | { kind: 'rejected'; error: CheckError }
  /** The parent message is posted and the check runs in the background; `done` settles when it has reported. */
  | { kind: 'started'; checkId: string; firewall: string; options: CheckOptions; done: Promise<void> };

export interface CheckService {
  /**
   * Handles `/sip-check <text>` for a requester. `makeReporter` is called only when the check is allowed;
   * if its `start()` fails (e.g. Slack `not_in_channel`) the check is not run and the error is returned as rejected.
   */
  handle(text: string, requester: Requester, makeReporter: () => CheckReporter): Promise<HandleOutcome>;
  /** The remediation CLI snippet of a finished check, for the "Show remediation" button; same access rules. */
  remediation(checkId: string, requester: Requester): { kind: 'ok'; text: string; firewall: string } | { kind: 'rejected'; error: CheckError };
  /** Graceful shutdown: cancels running checks and waits (bounded) until their cleanup has reset debug. */
  shutdown(timeoutMs: number): Promise<void>;
}
