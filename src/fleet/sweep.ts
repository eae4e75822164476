import type { FirewallEntry } from '../config/types';
import { busyError, deviceKey, type CheckSlots, type DeviceLocks, type LockHolder } from '../check/locks';
import { chatErrorSummary, CheckError } from '../errors';
import type { SweepReport, SweepRow, SweepScope } from './types';

/**
 * The sweep's share of the global cap (SIP_CHECK_MAX_CONCURRENT). All sweeps together hold at most `share`
 * slots, so the rest stays free for single checks: a check is never refused because of a sweep unless other
 * checks already fill the rest. A sweep WAITS for a slot (it is a batch); a check never waits (it is refused
 * with `overloaded`, see check/locks.ts).
 */
export class SweepSlots {
  private held = 0;

  constructor(
    private readonly global: CheckSlots | undefined,
    readonly share: number,
    private readonly pollMs = 20,
  ) {
    if (!Number.isInteger(share) || share < 1) throw new RangeError('share must be a positive integer');
  }

  get inUse(): number {
    return this.held;
  }

  /** Resolves with an idempotent release once a slot is free; rejects when `signal` aborts. */
  async acquire(signal?: AbortSignal, slotId = 'sweep'): Promise<() => Promise<void>> {
    for (;;) {
      if (signal?.aborted) throw new CheckError('cancelled', 'the sweep was stopped');
      if (this.held < this.share) {
        // Counted before the await: concurrent workers must not overshoot the share while the store answers.
        this.held++;
        let releaseGlobal: (() => Promise<void>) | null;
        try {
          releaseGlobal = this.global ? await this.global.tryAcquire(slotId) : async () => undefined;
        } catch (e) {
          this.held--;
          throw e;
        }
        if (releaseGlobal) {
          const releaseIt = releaseGlobal;
          let released = false;
          return async () => {
            if (released) return;
            released = true;
            this.held--;
            await releaseIt();
          };
        }
        this.held--;
      }
      // Releases of single checks are not signalled to us: a short poll is simple and costs nothing measurable.
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }
}

/** Half the global cap (at least 1): the most a sweep may use; SIP_CHECK_SWEEP_CONCURRENCY must not exceed it. */
export function sweepShareOf(maxConcurrent: number): number {
  return Math.max(1, Math.floor(maxConcurrent / 2));
}

export interface SweepRunDeps {
  collect: (entry: FirewallEntry, signal: AbortSignal) => Promise<SweepRow>;
  /** Firewalls read at once by this sweep. */
  concurrency: number;
  slots: SweepSlots;
  /** The check's per-device locks (in process or Redis): a firewall busy with a check is a `busy` row. */
  locks?: DeviceLocks;
  holder: LockHolder;
  signal: AbortSignal;
  /** After each row; must not throw. */
  onRow?: (row: SweepRow, done: number, total: number) => void;
  now?: () => number;
}

function errorRow(name: string, error: CheckError): SweepRow {
  return { name, handler: null, rule: null, hostname: null, version: null, vdoms: [], error: { kind: error.kind, message: error.message, chat: chatErrorSummary(error) }, seconds: 0, configLines: [] };
}

/**
 * Entries that share a device (same host:port through the same hops: one inventory entry per VDOM, say), in the
 * order of their first appearance. A group is read by one worker, entry after entry, under one device lock: the
 * sweep never waits for itself, and never holds two sessions on one unit.
 */
export function groupByDevice(entries: readonly FirewallEntry[]): number[][] {
  const groups = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    const key = deviceKey(entry);
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  return [...groups.values()];
}

/** Reads every entry with bounded concurrency. A firewall that fails is a row with its error; the sweep never fails. */
export async function runSweep(entries: readonly FirewallEntry[], deps: SweepRunDeps): Promise<SweepRow[]> {
  const rows: SweepRow[] = new Array<SweepRow>(entries.length);
  const groups = groupByDevice(entries);
  let next = 0;
  let done = 0;
  const emit = (index: number, row: SweepRow) => {
    rows[index] = row;
    done++;
    try {
      deps.onRow?.(row, done, entries.length);
    } catch {
      // progress must not break a sweep
    }
  };
  /** One device: its slot and lock once, then each of its entries in inventory order. */
  const device = async (group: number[]): Promise<void> => {
    const first = entries[group[0]];
    const failAll = (error: CheckError) => group.forEach((index) => emit(index, errorRow(entries[index].name, error)));
    let release: (() => Promise<void>) | undefined;
    try {
      release = await deps.slots.acquire(deps.signal, `sweep-${deps.holder.checkId}-${group[0]}`);
    } catch (e) {
      return failAll(e instanceof CheckError ? e : new CheckError('cancelled', 'the sweep was stopped'));
    }
    try {
      // Same key as the check service: two inventory names for one host:port share the device.
      let lock;
      try {
        lock = deps.locks ? await deps.locks.tryAcquire(deviceKey(first), deps.holder) : undefined;
      } catch (e) {
        // The lock store could not answer (Redis down): these firewalls are rows with the error, the sweep goes on.
        return failAll(e instanceof CheckError ? e : new CheckError('internal', String(e)));
      }
      if (lock && 'busy' in lock) {
        const holder = lock.busy;
        return group.forEach((index) => emit(index, errorRow(entries[index].name, busyError(entries[index].name, holder))));
      }
      try {
        for (const index of group) {
          let row: SweepRow;
          try {
            row = await deps.collect(entries[index], deps.signal);
          } catch (e) {
            row = errorRow(entries[index].name, e instanceof CheckError ? e : new CheckError('internal', String(e)));
          }
          emit(index, row);
        }
      } finally {
        await lock?.lease.release();
      }
    } finally {
      await release();
    }
  };
  const worker = async () => {
    while (next < groups.length) await device(groups[next++]);
  };
  const workers = Math.max(1, Math.min(deps.concurrency, groups.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return rows;
}

/** Counts per handler; rows with an error count under `error`. */
export function countRows(rows: readonly SweepRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) {
    const key = r.error ? 'error' : (r.handler ?? 'unknown');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function buildReport(id: string, scope: SweepScope, rows: SweepRow[], generatedAt: Date, seconds: number): SweepReport {
  return { id, scope, generatedAt: generatedAt.toISOString(), rows, counts: countRows(rows), seconds: Math.round(seconds * 10) / 10 };
}
