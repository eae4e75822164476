import { randomUUID } from 'node:crypto';
import type { CheckLimits, Inventory } from '../config/types';
import { allowedFirewalls, authorize, authorizeByName } from './access';
import type { AuditLog } from './audit';
import { CheckError, toCheckError } from '../errors';
import { FirewallLocks, Semaphore, busyError, deviceKey, overloadedError, type CheckSlots, type DeviceLocks, type Lease } from './locks';
import { parseCheckCommand, usageText } from './options';
import { rateLimitedError, type UserRateLimit } from './rateLimit';
import { runCheck, type CheckJournal, type SessionOpener } from './run';
import type { CheckOptions, CheckReporter, CheckRequest, Requester } from './types';
import type { TaskRunner } from '../workers/pool';
import type { RemediationOption, SessionClearing } from '../verdict/types';
import { configOnly } from '../verdict/applyCli';
import { readFacts, type Facts } from '../verdict/facts';
import type { ChangeJournal } from '../change/journal';

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
  /** The remediation options of a finished check, for the "Show remediation" button; same access rules. */
  remediation(checkId: string, requester: Requester): { kind: 'ok'; firewall: string; options: RemediationOption[]; clearSessions: SessionClearing[] } | { kind: 'rejected'; error: CheckError };
  /**
   * What a change proposal starts from (issue 24): the firewall, the check's options and the config it read
   * (config only). Same access rules as the remediation; undefined when unknown or not allowed.
   */
  changeBasis?(checkId: string, requester: Requester): { firewall: string; options: RemediationOption[]; clearSessions: SessionClearing[]; basis: Facts } | undefined;
  /** Graceful shutdown: cancels running checks and waits (bounded) until their cleanup has reset debug. */
  shutdown(timeoutMs: number): Promise<void>;
  /**
   * Stops the checks running now (Ctrl-C in the terminal) as a shutdown does, without refusing later ones: each is
   * aborted with `reason`, resets debug and reports. Resolves with how many were stopped once they have reported.
   */
  cancelRunning?(reason: CheckError): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// The implementation.


export interface ServiceDeps {
  inventory: Inventory;
  limits: CheckLimits;
  openSession: SessionOpener;
  journal: CheckJournal;
  /**
   * Approved changes cut mid-way (src/change/): a check of a firewall with an entry here assesses it from its own
   * reads, says the result and audits it. Without it (or without an entry), the check is as it always was.
   */
  changeJournal?: ChangeJournal;
  audit: AuditLog;
  rateLimiter: UserRateLimit;
  maxConcurrent: number;
  /** Device locks and the global cap; default in process. With Redis, shared by every replica (src/redis/). */
  locks?: DeviceLocks;
  slots?: CheckSlots;
  metrics?: ServiceMetrics;
  now?: () => Date;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  redact?: (text: string) => string;
  /** The worker pool for analysis and rendering (default: the service's own thread). */
  tasks?: TaskRunner;
}

/** What the service reports for /metrics (src/ops/metrics.ts); no Prometheus types here. */
export interface ServiceMetrics {
  lockAcquired(seconds: number, result: 'acquired' | 'busy' | 'error'): void;
  checkStarted(): void;
  checkEnded(outcome: string, debugReset: boolean | null): void;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Finished checks kept for the "Show remediation" button. */
const REMEMBERED_RESULTS = 200;

export function createCheckService(deps: ServiceDeps): CheckService {
  const now = deps.now ?? (() => new Date());
  const locks = deps.locks ?? new FirewallLocks();
  const slots = deps.slots ?? new Semaphore(deps.maxConcurrent);
  // A refused start does not count against the user's rate limit; a store that cannot refund is only logged.
  const refund = async (userId: string) => {
    try {
      await deps.rateLimiter.refund(userId);
    } catch (e) {
      deps.log('warn', 'could not refund a rate-limit start', { userId, message: toCheckError(e).message });
    }
  };
  const running = new Map<string, Running>();
  const results = new Map<string, { firewall: string; options: RemediationOption[]; clearSessions: SessionClearing[]; basis: Facts }>();
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
      let rate;
      try {
        rate = await deps.rateLimiter.take(requester.userId);
      } catch (e) {
        return reject(toCheckError(e), requester, { firewall });
      }
      if (!rate.ok) return reject(rateLimitedError(rate.retryAfterSeconds, deps.rateLimiter.limit), requester, { firewall });
      const id = randomUUID();
      // One debug session per device: two inventory names for one host:port share the lock.
      const lockStarted = process.hrtime.bigint();
      const lockSeconds = () => Number(process.hrtime.bigint() - lockStarted) / 1e9;
      let lock;
      try {
        lock = await locks.tryAcquire(deviceKey(entry), { requestedBy: requester.userId, startedAt: now(), checkId: id });
      } catch (e) {
        // Never run without the lock: a store that cannot answer refuses the check.
        deps.metrics?.lockAcquired(lockSeconds(), 'error');
        await refund(requester.userId);
        return reject(toCheckError(e), requester, { firewall });
      }
      if ('busy' in lock) {
        deps.metrics?.lockAcquired(lockSeconds(), 'busy');
        await refund(requester.userId);
        return reject(busyError(firewall, lock.busy), requester, { firewall });
      }
      deps.metrics?.lockAcquired(lockSeconds(), 'acquired');
      const lease: Lease = lock.lease;
      let releaseSlot: (() => Promise<void>) | null;
      try {
        releaseSlot = await slots.tryAcquire(id);
      } catch (e) {
        await lease.release();
        await refund(requester.userId);
        return reject(toCheckError(e), requester, { firewall });
      }
      if (!releaseSlot) {
        await lease.release();
        await refund(requester.userId);
        return reject(overloadedError(slots.limit), requester, { firewall });
      }
      const slot = releaseSlot;
      const release = async () => {
        await lease.release();
        await slot();
      };
      const request: CheckRequest = { id, firewall, options, requester };
      const reporter = makeReporter();
      try {
        await reporter.start(request);
      } catch (e) {
        await release();
        await refund(requester.userId);
        const error = toCheckError(e);
        return reject(error, requester, { firewall, checkId: id });
      }
      if (shuttingDown) {
        // Shutdown began while the parent message was being posted: do not start what it would not wait for.
        await release();
        const error = new CheckError('shutdown', 'The bot is shutting down; try again in a minute.');
        await reporter.failed(error, { debugReset: null }).catch(() => undefined);
        return reject(error, requester, { firewall, checkId: id });
      }
      const controller = new AbortController();
      // A lost lease stops the check like a cancel: before debug is enabled, or with an immediate reset.
      const onLeaseLost = () => controller.abort(lease.lost.reason);
      if (lease.lost.aborted) onLeaseLost();
      else lease.lost.addEventListener('abort', onLeaseLost, { once: true });
      const startedAt = now();
      deps.audit.record({ event: 'check-start', checkId: id, userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, firewall, vdom: options.vdom ?? entry.vdom, options, startedAt: startedAt.toISOString() });
      deps.metrics?.checkStarted();
      const done = (async () => {
        let outcomeKind = 'internal';
        let debugReset: boolean | null = null;
        try {
          const outcome = await runCheck(request, { entry, limits: deps.limits, openSession: deps.openSession, reporter, journal: deps.journal, changes: deps.changeJournal ? { journal: deps.changeJournal, audit: deps.audit } : undefined, signal: controller.signal, now, log: deps.log, redact: deps.redact, fence: () => lease.confirm(), tasks: deps.tasks });
          outcomeKind = outcome.error ? outcome.error.kind : 'ok';
          debugReset = outcome.debugReset;
          // The whole message (local paths, SSH user, address) stays here, under the check id chat users are given.
          if (outcome.error) deps.log('warn', 'check failed', { checkId: id, firewall, kind: outcome.error.kind, message: outcome.error.message });
          if (outcome.result) {
            results.set(id, { firewall, options: outcome.result.verdict.remediation, clearSessions: outcome.result.verdict.clearSessions, basis: configOnly(readFacts(outcome.result.outputs)) });
            while (results.size > REMEMBERED_RESULTS) results.delete(results.keys().next().value as string);
          }
          deps.audit.record({
            event: 'check-end', checkId: id, userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, firewall,
            vdom: options.vdom ?? entry.vdom, options, startedAt: startedAt.toISOString(), finishedAt: now().toISOString(),
            outcome: outcome.error ? outcome.error.kind : outcome.result?.cutShort ? `cut-short:${outcome.result.cutShort.kind}` : 'ok', verdict: outcome.result?.verdict.handler, debugReset: outcome.debugReset,
          });
        } catch (e) {
          deps.log('error', 'check crashed', { checkId: id, message: toCheckError(e).message });
        } finally {
          lease.lost.removeEventListener('abort', onLeaseLost);
          await release().catch(() => undefined);
          running.delete(id);
          deps.metrics?.checkEnded(outcomeKind, debugReset);
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
      return { kind: 'ok', firewall: found.firewall, options: found.options, clearSessions: found.clearSessions };
    },

    changeBasis(checkId, requester) {
      const found = results.get(checkId);
      if (!found || !authorize(deps.inventory.firewalls.find((f) => f.name === found.firewall), requester).ok) return undefined;
      return { firewall: found.firewall, options: found.options, clearSessions: found.clearSessions, basis: found.basis };
    },

    async cancelRunning(reason) {
      const all = [...running.values()];
      for (const r of all) r.controller.abort(reason);
      await Promise.allSettled(all.map((r) => r.done));
      return all.length;
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

