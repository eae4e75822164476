import type { FirewallEntry } from '../config/types';
import { busyError, type FirewallLocks, type LockHolder, type Semaphore } from '../check/locks';
import { CheckError } from '../errors';
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
    private readonly global: Semaphore | undefined,
    readonly share: number,
    private readonly pollMs = 20,
  ) {
    if (!Number.isInteger(share) || share < 1) throw new RangeError('share must be a positive integer');
  }

  get inUse(): number {
    return this.held;
  }

  /** Resolves with an idempotent release once a slot is free; rejects when `signal` aborts. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      if (signal?.aborted) throw new CheckError('cancelled', 'the sweep was stopped');
      if (this.held < this.share) {
        const releaseGlobal = this.global ? this.global.tryAcquire() : () => undefined;
        if (releaseGlobal) {
          this.held++;
          let released = false;
          return () => {
            if (released) return;
            released = true;
            this.held--;
            releaseGlobal();
          };
        }
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
  /** The check's per-device locks: a firewall busy with a check is a `busy` row. */
  locks?: FirewallLocks;
  holder: LockHolder;
  signal: AbortSignal;
  /** After each row; must not throw. */
  onRow?: (row: SweepRow, done: number, total: number) => void;
  now?: () => number;
}

function errorRow(name: string, error: CheckError): SweepRow {
  return { name, handler: null, rule: null, hostname: null, version: null, vdoms: [], error: { kind: error.kind, message: error.message }, seconds: 0, configLines: [] };
}

/** Reads every entry with bounded concurrency. A firewall that fails is a row with its error; the sweep never fails. */
export async function runSweep(entries: readonly FirewallEntry[], deps: SweepRunDeps): Promise<SweepRow[]> {
  const rows: SweepRow[] = new Array<SweepRow>(entries.length);
  let next = 0;
  let done = 0;
  const one = async (index: number): Promise<SweepRow> => {
    const entry = entries[index];
    let release: (() => void) | undefined;
    try {
      release = await deps.slots.acquire(deps.signal);
    } catch (e) {
      return errorRow(entry.name, e instanceof CheckError ? e : new CheckError('cancelled', 'the sweep was stopped'));
    }
    try {
      // Same key as the check service: two inventory names for one host:port share the device.
      const lock = deps.locks?.tryAcquire(`${entry.host}:${entry.port}`, deps.holder) ?? (() => undefined);
      if (typeof lock !== 'function') return errorRow(entry.name, busyError(entry.name, lock.busy));
      try {
        return await deps.collect(entry, deps.signal);
      } finally {
        lock();
      }
    } finally {
      release();
    }
  };
  const worker = async () => {
    while (next < entries.length) {
      const index = next++;
      const row = await one(index);
      rows[index] = row;
      done++;
      try {
        deps.onRow?.(row, done, entries.length);
      } catch {
        // progress must not break a sweep
      }
    }
  };
  const workers = Math.max(1, Math.min(deps.concurrency, entries.length));
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
