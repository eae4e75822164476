import { storedErrorForChat, type CheckErrorKind } from '../errors';
import type { Audience } from './types';
import type { OverallHandler } from '../verdict/types';
import { describeConfigChange, diffConfigLines, type ConfigChange } from './configLines';
import type { SweepReport, SweepRow } from './types';

/**
 * Drift between sweeps (pure): what the watch posts and `sweep --state` prints. The state holds, per firewall,
 * the last reading that answered (handler, SIP config lines) and whether it is reachable now; plus a bounded
 * history of changes and runs.
 */

export interface FirewallSnapshot {
  handler: OverallHandler | null;
  rule: string | null;
  multiVdom: boolean;
  configLines: string[];
  /** Last successful reading. */
  readAt: string;
  /** Set while the firewall cannot be read (the reason); cleared on recovery. */
  down: { kind: CheckErrorKind; message: string; since: string } | null;
}

export type DriftChange =
  | { kind: 'handler'; firewall: string; from: OverallHandler | null; to: OverallHandler | null; config: ConfigChange[]; multiVdom: boolean }
  | { kind: 'config'; firewall: string; handler: OverallHandler | null; config: ConfigChange[]; multiVdom: boolean }
  | { kind: 'unreachable'; firewall: string; error: { kind: CheckErrorKind; message: string; chat?: string } }
  | {
      kind: 'recovered';
      firewall: string;
      handler: OverallHandler | null;
      downSince: string;
      /** Why it could not be read (absent in histories written before it was recorded). */
      downKind?: CheckErrorKind;
      was?: OverallHandler | null;
      config: ConfigChange[];
      multiVdom: boolean;
    }
  | { kind: 'added'; firewall: string; handler: OverallHandler | null }
  | { kind: 'removed'; firewall: string };

export interface RunRecord {
  id: string;
  at: string;
  scope: string;
  counts: Record<string, number>;
  seconds: number;
}

export interface FleetState {
  version: 1;
  runs: RunRecord[];
  firewalls: Record<string, FirewallSnapshot>;
  history: Array<{ at: string; change: DriftChange }>;
}

export function emptyState(): FleetState {
  return { version: 1, runs: [], firewalls: {}, history: [] };
}

export interface Retention {
  /** History and runs older than this are dropped. */
  maxAgeMs: number;
  /** And never more than this many entries of each. */
  maxEntries: number;
}

export const DEFAULT_RETENTION: Retention = { maxAgeMs: 90 * 24 * 3600 * 1000, maxEntries: 5000 };

/** Errors that say nothing about the firewall (it was busy with a check, or the sweep was stopped). */
const TRANSIENT: ReadonlySet<CheckErrorKind> = new Set(['busy', 'cancelled', 'shutdown', 'overloaded']);

function scopeLabel(report: SweepReport): string {
  return report.scope.kind === 'all' ? 'all' : `tag=${report.scope.tag}`;
}

/**
 * Folds a sweep into the state and returns what changed. Firewalls absent from this run are left alone unless
 * `complete` (the run covered the whole inventory the state tracks): then they are `removed`.
 */
export function applyRun(previous: FleetState, report: SweepReport, opts: { retention?: Retention; complete?: boolean } = {}): { state: FleetState; changes: DriftChange[] } {
  const retention = opts.retention ?? DEFAULT_RETENTION;
  const at = report.generatedAt;
  const baseline = previous.runs.length === 0;
  const firewalls: Record<string, FirewallSnapshot> = { ...previous.firewalls };
  const changes: DriftChange[] = [];
  for (const row of report.rows) {
    const before = previous.firewalls[row.name];
    const change = compare(row.name, before, row, at, firewalls);
    if (change && !(baseline && change.kind === 'added')) changes.push(change);
  }
  if (opts.complete) {
    const seen = new Set(report.rows.map((r) => r.name));
    for (const name of Object.keys(previous.firewalls)) {
      if (seen.has(name)) continue;
      delete firewalls[name];
      changes.push({ kind: 'removed', firewall: name });
    }
  }
  const cutoff = Date.parse(at) - retention.maxAgeMs;
  const keep = <T extends { at: string }>(list: T[]) => list.filter((e) => Date.parse(e.at) >= cutoff).slice(-retention.maxEntries);
  const runs = keep([...previous.runs, { id: report.id, at, scope: scopeLabel(report), counts: report.counts, seconds: report.seconds }]);
  const history = keep([...previous.history, ...changes.map((change) => ({ at, change }))]);
  return { state: { version: 1, runs, firewalls, history }, changes };
}

function compare(name: string, before: FirewallSnapshot | undefined, row: SweepRow, at: string, out: Record<string, FirewallSnapshot>): DriftChange | undefined {
  if (row.error) {
    if (TRANSIENT.has(row.error.kind)) return undefined;
    if (!before) {
      out[name] = { handler: null, rule: null, multiVdom: false, configLines: [], readAt: '', down: { ...row.error, since: at } };
      return { kind: 'unreachable', firewall: name, error: row.error };
    }
    if (before.down) return undefined; // still down: said once
    out[name] = { ...before, down: { ...row.error, since: at } };
    return { kind: 'unreachable', firewall: name, error: row.error };
  }
  const multiVdom = row.vdoms.length > 1;
  out[name] = { handler: row.handler, rule: row.rule, multiVdom, configLines: row.configLines, readAt: at, down: null };
  if (!before) return { kind: 'added', firewall: name, handler: row.handler };
  const config = before.readAt === '' ? [] : diffConfigLines(before.configLines, row.configLines);
  if (before.down) {
    const was = before.readAt !== '' && before.handler !== row.handler ? before.handler : undefined;
    return { kind: 'recovered', firewall: name, handler: row.handler, downSince: before.down.since, downKind: before.down.kind, ...(was !== undefined ? { was } : {}), config, multiVdom };
  }
  if (before.handler !== row.handler) return { kind: 'handler', firewall: name, from: before.handler, to: row.handler, config, multiVdom };
  if (config.length) return { kind: 'config', firewall: name, handler: row.handler, config, multiVdom };
  return undefined;
}

/**
 * What changed when a firewall is read again, by why it could not be read: a fixed password is not "reachable
 * again" (it was reachable all along).
 */
function recoveryText(kind: CheckErrorKind | undefined, since: string): string {
  switch (kind) {
    case 'unreachable':
    case 'timeout':
    case 'disconnected':
    case undefined:
      return `reachable again (down since ${since})`;
    case 'auth-failed':
      return `login works again (refused since ${since})`;
    case 'credentials-missing':
      return `credentials found again (missing since ${since})`;
    case 'host-key-mismatch':
    case 'host-key-unknown':
      return `host key matches the pinned one again (${kind} since ${since})`;
    case 'algorithm-mismatch':
      return `SSH handshake works again (no common algorithms since ${since})`;
    case 'max-admins':
      return `login accepted again (admin sessions full since ${since})`;
    default:
      return `readable again (${kind} since ${since})`;
  }
}

/**
 * `fw-branch-7: session-helper → sip-alg; policy 12 gained `set voip-profile default``. For `chat`, a firewall that
 * could not be read is told as chat messages tell errors (no address, SSH user or path).
 */
export function describeChange(c: DriftChange, audience: Audience = 'operator'): string {
  const config = (list: ConfigChange[], multi: boolean) => (list.length ? `; ${list.map((x) => describeConfigChange(x, multi)).join('; ')}` : '');
  switch (c.kind) {
    case 'handler':
      return `${c.firewall}: ${c.from ?? 'unknown'} → ${c.to ?? 'unknown'}${config(c.config, c.multiVdom)}`;
    case 'config':
      return `${c.firewall}: still ${c.handler ?? 'unknown'}${config(c.config, c.multiVdom)}`;
    case 'unreachable':
      return `${c.firewall}: could not be read (${c.error.kind}: ${audience === 'chat' ? storedErrorForChat(c.error) : c.error.message.split('\n')[0]})`;
    case 'recovered':
      return `${c.firewall}: ${recoveryText(c.downKind, c.downSince)}: ${c.was !== undefined ? `${c.was ?? 'unknown'} → ` : ''}${c.handler ?? 'unknown'}${config(c.config, c.multiVdom)}`;
    case 'added':
      return `${c.firewall}: new in the sweep: ${c.handler ?? 'unknown'}`;
    case 'removed':
      return `${c.firewall}: no longer in the inventory`;
  }
}

/** The last run recorded, if any. */
export function lastRun(state: FleetState): RunRecord | undefined {
  return state.runs[state.runs.length - 1];
}
