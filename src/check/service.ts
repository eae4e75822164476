import { randomUUID } from 'node:crypto';
import type { CheckLimits, Inventory } from '../config/types';
import { allowedFirewalls, authorize, authorizeByName } from './access';
import type { AuditLog } from './audit';
import { CheckError, toCheckError } from '../errors';
import { FirewallLocks, Semaphore, busyError, overloadedError } from './locks';
import { parseCheckCommand, usageText } from './options';
import { rateLimitedError, type RateLimiter } from './rateLimit';
import { runCheck, type CheckJournal, type SessionOpener } from './run';
import type { CheckOptions, CheckReporter, CheckRequest, Requester } from './types';
import type { TaskRunner } from '../workers/pool';

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

// ---------------------------------------------------------------------------------------------
// The implementation.


export interface ServiceDeps {
  inventory: Inventory;
  limits: CheckLimits;
  openSession: SessionOpener;
  journal: CheckJournal;
  audit: AuditLog;
  rateLimiter: RateLimiter;
  maxConcurrent: number;
  now?: () => Date;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  redact?: (text: string) => string;
  /** The worker pool for analysis and rendering (default: the service's own thread). */
  tasks?: TaskRunner;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Finished checks kept for the "Show remediation" button. */
const REMEMBERED_RESULTS = 200;

export function createCheckService(deps: ServiceDeps): CheckService {
  const now = deps.now ?? (() => new Date());
  const locks = new FirewallLocks();
  const slots = new Semaphore(deps.maxConcurrent);
  const running = new Map<string, Running>();
  const results = new Map<string, { firewall: string; remediation: string }>();
  let shuttingDown = false;

  const reject = (error: CheckError, requester: Requester, extra: Record<string, unknown> = {}): HandleOutcome => {
    deps.audit.record({
      event: error.kind === 'not-authorized' || error.kind === 'unknown-firewall' ? 'denied' : 'rejected',
      userId: requester.userId,
      channelId: requester.channelId,
      teamId: requester.teamId,
      outcome: error.kind,
      ...extra,
    });
    return { kind: 'rejected', error };
  };

  return {
    async handle(text, requester, makeReporter) {
      const parsed = parseCheckCommand(text, deps.limits);
      if (parsed.kind === 'help') {
        const names = allowedFirewalls(deps.inventory, requester);
        const list = names.length ? names.map((n) => `\`${n}\``).join(', ') : 'none (ask the bot admin to grant you access)';
        return { kind: 'help', text: `${usageText(deps.limits)}\n\nFirewalls you may check: ${list}` };
      }
      if (parsed.kind === 'error') return reject(parsed.error, requester);
      const { firewall, options } = parsed;
      // Unknown and forbidden firewalls get the same answer: nothing is revealed (access.ts).
      const access = authorizeByName(deps.inventory, firewall, requester);
      if (!access.ok) return reject(access.error, requester, { firewall });
      const entry = access.entry;
      if (shuttingDown) return reject(new CheckError('shutdown', 'The bot is shutting down; try again in a minute.'), requester, { firewall });
      const rate = deps.rateLimiter.take(requester.userId);
      if (!rate.ok) return reject(rateLimitedError(rate.retryAfterSeconds, deps.rateLimiter.limit), requester, { firewall });
      const id = randomUUID();
      // One debug session per device: two inventory names for one host:port share the lock.
      const lock = locks.tryAcquire(`${entry.host}:${entry.port}`, { requestedBy: requester.userId, startedAt: now(), checkId: id });
      if (typeof lock !== 'function') {
        // A refused start does not count against the user's rate limit.
        deps.rateLimiter.refund(requester.userId);
        return reject(busyError(firewall, lock.busy), requester, { firewall });
      }
      const releaseSlot = slots.tryAcquire();
      if (!releaseSlot) {
        lock();
        deps.rateLimiter.refund(requester.userId);
        return reject(overloadedError(deps.maxConcurrent), requester, { firewall });
      }
      const release = () => {
        lock();
        releaseSlot();
      };
      const request: CheckRequest = { id, firewall, options, requester };
      const reporter = makeReporter();
      try {
        await reporter.start(request);
      } catch (e) {
        release();
        deps.rateLimiter.refund(requester.userId);
        const error = toCheckError(e);
        return reject(error, requester, { firewall, checkId: id });
      }
      if (shuttingDown) {
        // Shutdown began while the parent message was being posted: do not start what it would not wait for.
        release();
        const error = new CheckError('shutdown', 'The bot is shutting down; try again in a minute.');
        await reporter.failed(error, { debugReset: null }).catch(() => undefined);
        return reject(error, requester, { firewall, checkId: id });
      }
      const controller = new AbortController();
      const startedAt = now();
      deps.audit.record({ event: 'check-start', checkId: id, userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, firewall, vdom: options.vdom ?? entry.vdom, options, startedAt: startedAt.toISOString() });
      const done = (async () => {
        try {
          const outcome = await runCheck(request, { entry, limits: deps.limits, openSession: deps.openSession, reporter, journal: deps.journal, signal: controller.signal, now, log: deps.log, redact: deps.redact, tasks: deps.tasks });
          if (outcome.result) {
            results.set(id, { firewall, remediation: outcome.result.verdict.remediation });
            while (results.size > REMEMBERED_RESULTS) results.delete(results.keys().next().value as string);
          }
          deps.audit.record({
            event: 'check-end', checkId: id, userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, firewall,
            vdom: options.vdom ?? entry.vdom, options, startedAt: startedAt.toISOString(), finishedAt: now().toISOString(),
            outcome: outcome.error ? outcome.error.kind : 'ok', verdict: outcome.result?.verdict.handler, debugReset: outcome.debugReset,
          });
        } catch (e) {
          deps.log('error', 'check crashed', { checkId: id, message: toCheckError(e).message });
        } finally {
          release();
          running.delete(id);
        }
      })();
      running.set(id, { controller, done });
      return { kind: 'started', checkId: id, firewall, options, done };
    },

    remediation(checkId, requester) {
      const found = results.get(checkId);
      if (!found) return { kind: 'rejected', error: new CheckError('usage', 'That check is no longer in memory; run it again to see its remediation.') };
      const access = authorize(deps.inventory.firewalls.find((f) => f.name === found.firewall), requester);
      if (!access.ok) {
        deps.audit.record({ event: 'denied', userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, firewall: found.firewall, checkId, outcome: 'not-authorized' });
        return { kind: 'rejected', error: new CheckError('not-authorized', 'You may not see this firewall\'s remediation.') };
      }
      deps.audit.record({ event: 'button', userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, firewall: found.firewall, checkId, outcome: 'remediation' });
      return { kind: 'ok', text: found.remediation, firewall: found.firewall };
    },

    async shutdown(timeoutMs) {
      shuttingDown = true;
      const all = [...running.values()];
      for (const r of all) r.controller.abort(new CheckError('shutdown', 'the bot is shutting down; the check was stopped and debug reset'));
      await Promise.race([
        Promise.allSettled(all.map((r) => r.done)),
        new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    },
  };
}
