import { toCheckError } from '../errors';
import { applyRun, lastRun, type DriftChange, type FleetState, type Retention } from './drift';
import { countsText } from './render';
import { countOf } from '../plural';
import type { FleetService } from './service';
import type { FleetStore } from './store';
import type { SweepReport, SweepScope } from './types';

/**
 * The drift watch: sweeps on a schedule, folds each run into the store and posts only the changes. The clock
 * and the timer are injected (tests drive it without sleeping). The schedule survives restarts: the next run
 * is the last stored run plus the period (at once when that is past).
 */

export interface WatchDeps {
  fleet: FleetService;
  store: FleetStore;
  scope: SweepScope;
  everyMs: number;
  /** Posts the changes of one run (e.g. to the watch channel). Throwing keeps them for the next run. */
  post: (changes: DriftChange[], report: SweepReport) => Promise<void>;
  /** Where the changes go, for the status text (`<#C123>`). */
  destination: string;
  retention?: Retention;
  now: () => number;
  setTimer: (fn: () => void, ms: number) => () => void;
  /**
   * Replicas sharing the store (Redis): takes the watch's lease for one run, or null when another replica holds it.
   * With it, a run is also skipped when the shared store shows a run less than half a period old, so the fleet is
   * swept and changes are posted once per period, whichever replica's timer fires first.
   */
  claim?: () => Promise<(() => Promise<void>) | null>;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export class DriftWatch {
  private cancel?: () => void;
  private nextAt?: number;
  private last?: { at: string; seconds: number; counts: Record<string, number>; firewalls: number; changes: number };
  private running?: Promise<DriftChange[]>;
  private stopped = false;

  constructor(private readonly deps: WatchDeps) {}

  /** Reads the store and schedules the next run. */
  async start(): Promise<void> {
    let state: FleetState;
    try {
      state = await this.deps.store.load();
    } catch (e) {
      // The store (Redis) may come up after the bot: the bot runs on, and the watch tries again within a minute.
      const retryMs = Math.min(this.deps.everyMs, 60_000);
      this.deps.log('warn', 'drift watch: cannot read its state yet; retrying', { message: toCheckError(e).message, retryInSeconds: retryMs / 1000 });
      this.cancel = this.deps.setTimer(() => {
        this.cancel = undefined;
        if (!this.stopped) void this.start();
      }, retryMs);
      this.nextAt = this.deps.now() + retryMs;
      return;
    }
    const previous = lastRun(state);
    if (previous) this.last = { at: previous.at, seconds: previous.seconds, counts: previous.counts, firewalls: sum(previous.counts), changes: changesAt(state, previous.at) };
    const due = previous ? Date.parse(previous.at) + this.deps.everyMs : this.deps.now();
    this.schedule(Math.max(0, due - this.deps.now()));
  }

  get nextRunAt(): number | undefined {
    return this.nextAt;
  }

  /** One sweep now: store, post changes. Concurrent calls share the run in flight. */
  runOnce(): Promise<DriftChange[]> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    this.nextAt = undefined;
  }

  status(): string {
    const scope = this.deps.scope.kind === 'all' ? 'every firewall in the inventory' : `the firewalls tagged \`${this.deps.scope.tag}\``;
    const lines = [`The drift watch sweeps ${scope} every ${formatPeriod(this.deps.everyMs)} (config only, no debug) and posts changes in ${this.deps.destination}.`];
    lines.push(this.last ? `Last run: ${this.last.at}: ${countOf(this.last.firewalls, 'firewall')} in ${this.last.seconds} s (${countsText(this.last.counts) || 'none'}); ${countOf(this.last.changes, 'change')} posted.` : 'Last run: none yet.');
    lines.push(this.running ? 'Next run: running now.' : this.nextAt !== undefined ? `Next run: ${new Date(this.nextAt).toISOString()}.` : 'Next run: not scheduled (stopped).');
    return lines.join('\n');
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel?.();
    this.nextAt = this.deps.now() + ms;
    this.cancel = this.deps.setTimer(() => {
      this.cancel = undefined;
      void this.runOnce()
        .catch(() => undefined)
        .finally(() => this.schedule(this.deps.everyMs));
    }, ms);
  }

  private async run(): Promise<DriftChange[]> {
    if (!this.deps.claim) return this.sweepAndPost();
    const release = await this.deps.claim();
    if (!release) {
      this.deps.log('info', 'drift watch: another replica is running this sweep; skipped here');
      return [];
    }
    try {
      const previous = lastRun(await this.deps.store.load());
      if (previous && this.deps.now() - Date.parse(previous.at) < this.deps.everyMs / 2) {
        this.last = { at: previous.at, seconds: previous.seconds, counts: previous.counts, firewalls: sum(previous.counts), changes: 0 };
        this.deps.log('info', 'drift watch: another replica ran this period; skipped here', { lastRun: previous.at });
        return [];
      }
      return await this.sweepAndPost();
    } finally {
      await release();
    }
  }

  private async sweepAndPost(): Promise<DriftChange[]> {
    const report = await this.deps.fleet.sweep(this.deps.scope);
    let state: FleetState;
    try {
      state = await this.deps.store.load();
    } catch (e) {
      this.deps.log('error', 'drift watch: cannot read the state; this run is not compared', { message: toCheckError(e).message });
      throw e;
    }
    const { state: next, changes } = applyRun(state, report, { retention: this.deps.retention, complete: this.deps.scope.kind === 'all' });
    if (changes.length) {
      try {
        await this.deps.post(changes, report);
      } catch (e) {
        // Not saved: the next run finds the same changes and posts them then.
        this.deps.log('error', 'drift watch: posting changes failed; they are posted at the next run', { message: toCheckError(e).message, changes: changes.length });
        throw e;
      }
    }
    await this.deps.store.save(next);
    this.last = { at: report.generatedAt, seconds: report.seconds, counts: report.counts, firewalls: report.rows.length, changes: changes.length };
    this.deps.log('info', 'drift watch run', { firewalls: report.rows.length, changes: changes.length, seconds: report.seconds });
    return changes;
  }
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function changesAt(state: FleetState, at: string): number {
  return state.history.filter((h) => h.at === at).length;
}

export function formatPeriod(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
