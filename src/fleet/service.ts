import { randomUUID } from 'node:crypto';
import type { CheckLimits, FirewallEntry, Inventory } from '../config/types';
import { isAllowed } from '../check/access';
import type { AuditLog } from '../check/audit';
import type { DeviceLocks } from '../check/locks';
import type { UserRateLimit } from '../check/rateLimit';
import { rateLimitedError } from '../check/rateLimit';
import type { SessionOpener } from '../check/run';
import type { Requester } from '../check/types';
import { CheckError, toCheckError } from '../errors';
import { sweepFirewall } from './collect';
import type { FleetCommand } from './command';
import { buildReport, runSweep, type SweepSlots } from './sweep';
import type { SweepReport, SweepReporter, SweepRequest, SweepScope } from './types';

/**
 * Fleet sweeps for chat users and the watch: access (a sweep covers only firewalls the requester may check),
 * one sweep per user at a time, the sweep's share of the global cap, the check's per-device locks.
 */

export type FleetOutcome =
  | { kind: 'text'; text: string }
  | { kind: 'rejected'; error: CheckError }
  | { kind: 'started'; sweepId: string; total: number; done: Promise<SweepReport | undefined> };

/** Who started a sweep without a user, as a busy message names it. */
export const SWEEP_BY_WATCH = 'the drift watch';
export const SWEEP_BY_COMMAND_LINE = 'sip-check sweep (command line)';

export interface FleetService {
  handle(command: FleetCommand, requester: Requester, makeReporter: () => SweepReporter): Promise<FleetOutcome>;
  /**
   * A sweep without a user: every inventory firewall in scope. `requestedBy` names who started it in a busy
   * message of a check that meets its lock (default: the drift watch).
   */
  sweep(scope: SweepScope, opts?: { onProgress?: (done: number, total: number) => void; requestedBy?: string }): Promise<SweepReport>;
  /** The firewalls a scope covers for this requester (undefined: everyone, i.e. the watch). */
  entriesFor(scope: SweepScope, requester?: Requester): FirewallEntry[];
  /** Stops starting new firewalls; waits (bounded) for running sweeps. */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface FleetDeps {
  inventory: Inventory;
  limits: CheckLimits;
  openSession: SessionOpener;
  slots: SweepSlots;
  /** Firewalls one sweep reads at once (SIP_CHECK_SWEEP_CONCURRENCY), within the slots' share. */
  concurrency: number;
  /** The check service's locks, so a firewall under a check is `busy` (and a check waits for no sweep). */
  locks?: DeviceLocks;
  audit?: AuditLog;
  /** A sweep takes one token of the user's check rate limit. */
  rateLimiter?: UserRateLimit;
  /** The `/sip-check watch` answer (set when the watch runs). */
  watchStatus?: () => string;
  now?: () => Date;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export function createFleetService(deps: FleetDeps): FleetService {
  const now = deps.now ?? (() => new Date());
  const byUser = new Map<string, string>();
  const running = new Set<Promise<unknown>>();
  const stop = new AbortController();

  const entriesFor = (scope: SweepScope, requester?: Requester) =>
    deps.inventory.firewalls.filter((e) => (requester ? isAllowed(e, requester) : e.demo !== true) && (scope.kind === 'all' || (e.tags ?? []).includes(scope.tag)));

  const execute = async (id: string, scope: SweepScope, entries: FirewallEntry[], requestedBy: string, onProgress?: (done: number, total: number) => void): Promise<SweepReport> => {
    const started = now();
    const t0 = Date.now();
    const rows = await runSweep(entries, {
      collect: (entry, signal) => sweepFirewall(entry, { openSession: deps.openSession, limits: deps.limits, signal }),
      concurrency: deps.concurrency,
      slots: deps.slots,
      locks: deps.locks,
      holder: { requestedBy, startedAt: started, checkId: `sweep-${id}` },
      signal: stop.signal,
      onRow: (_row, done, total) => onProgress?.(done, total),
    });
    return buildReport(id, scope, rows, now(), (Date.now() - t0) / 1000);
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  return {
    entriesFor,

    async handle(command, requester, makeReporter) {
      if (command.kind === 'error') return { kind: 'rejected', error: command.error };
      if (command.kind === 'watch') {
        // The schedule and fleet-wide counts are for people who may check at least one firewall.
        if (entriesFor({ kind: 'all' }, requester).length === 0) return { kind: 'rejected', error: new CheckError('unknown-firewall', 'You may not check any firewall from here.') };
        return { kind: 'text', text: deps.watchStatus?.() ?? 'The drift watch is off: set SIP_CHECK_WATCH_CHANNEL and SIP_CHECK_WATCH_EVERY to run it.' };
      }
      const { scope } = command;
      const entries = entriesFor(scope, requester);
      if (entries.length === 0) {
        // The same answer whether the tag exists elsewhere or not: nothing is revealed (check/access.ts).
        const what = scope.kind === 'all' ? 'You may not check any firewall from here.' : `None of the firewalls you may check here is tagged \`${scope.tag}\`.`;
        deps.audit?.record({ event: 'rejected', userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, outcome: 'unknown-firewall', action: 'sweep' });
        return { kind: 'rejected', error: new CheckError('unknown-firewall', what) };
      }
      if (stop.signal.aborted) return { kind: 'rejected', error: new CheckError('shutdown', 'The bot is shutting down; try again in a minute.') };
      const current = byUser.get(requester.userId);
      if (current) return { kind: 'rejected', error: new CheckError('busy', `Your sweep ${current} is still running; one sweep per user at a time.`, {}, true) };
      const rate = await deps.rateLimiter?.take(requester.userId);
      if (rate && !rate.ok) return { kind: 'rejected', error: rateLimitedError(rate.retryAfterSeconds, deps.rateLimiter!.limit) };
      const id = randomUUID();
      const request: SweepRequest = { id, scope, requester, firewalls: entries.map((e) => e.name) };
      const reporter = makeReporter();
      byUser.set(requester.userId, id);
      try {
        await reporter.start(request);
      } catch (e) {
        byUser.delete(requester.userId);
        await Promise.resolve(deps.rateLimiter?.refund(requester.userId)).catch(() => undefined);
        return { kind: 'rejected', error: toCheckError(e) };
      }
      deps.audit?.record({ event: 'check-start', checkId: `sweep-${id}`, userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, action: 'sweep', message: `${entries.length} firewall(s)` });
      const done = track(
        (async () => {
          try {
            const report = await execute(id, scope, entries, requester.userId, (d, t) => void reporter.progress(d, t).catch(() => undefined));
            deps.audit?.record({ event: 'check-end', checkId: `sweep-${id}`, userId: requester.userId, channelId: requester.channelId, teamId: requester.teamId, action: 'sweep', outcome: 'ok', message: JSON.stringify(report.counts) });
            try {
              await reporter.result(report);
            } catch (e) {
              deps.log('error', 'sweep report failed', { sweepId: id, message: toCheckError(e).message });
            }
            return report;
          } catch (e) {
            deps.log('error', 'sweep crashed', { sweepId: id, message: toCheckError(e).message });
            return undefined;
          } finally {
            byUser.delete(requester.userId);
          }
        })(),
      );
      return { kind: 'started', sweepId: id, total: entries.length, done };
    },

    sweep(scope, opts = {}) {
      return track(execute(randomUUID(), scope, entriesFor(scope), opts.requestedBy ?? SWEEP_BY_WATCH, opts.onProgress));
    },

    async shutdown(timeoutMs) {
      stop.abort();
      await Promise.race([Promise.allSettled([...running]), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
  };
}
