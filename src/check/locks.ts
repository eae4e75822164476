import { SLACK_USER_ID } from '../config/patterns';
import { CheckError } from '../errors';

/**
 * Concurrency guards. Both refuse instead of queueing: a queued check would start minutes later, after
 * the user's attention (and Slack's `response_url`, 30 min) has moved on, and a queue is unbounded
 * memory. The user is told at once (`busy` / `overloaded`, both retryable) and tries again.
 */

export interface LockHolder {
  requestedBy: string;
  startedAt: Date;
  checkId: string;
}

/** A release function when acquired, else who holds the firewall. */
export type LockResult = (() => void) | { busy: LockHolder };

/**
 * A held device lock. In one process it cannot be lost; in Redis (src/redis/) it is a lease that is renewed while
 * the check runs and can be lost (Redis unreachable past the lease, or taken over after a stall).
 */
export interface Lease {
  /** Increases with every acquisition of this device's lock (Redis `INCR`); 0 in process. */
  readonly fencingToken: number;
  /** Aborted (reason: a `lock-lost` CheckError) when the lease is lost: the check stops and resets debug. */
  readonly lost: AbortSignal;
  /** Throws a `lock-lost` (or `store-unavailable`) CheckError unless the lease still holds: checked before `diagnose debug enable`. */
  confirm(): Promise<void>;
  /** Idempotent; never throws (an unreleased Redis lease expires by itself). */
  release(): Promise<void>;
}

export type LeaseResult = { lease: Lease } | { busy: LockHolder };

/** One check per device, across every replica sharing the store. Throws `store-unavailable` when it cannot tell. */
export interface DeviceLocks {
  tryAcquire(device: string, holder: LockHolder): Promise<LeaseResult>;
}

/** The global cap on running checks. `tryAcquire` gives an idempotent release, or null when every slot is taken. */
export interface CheckSlots {
  readonly limit: number;
  tryAcquire(checkId: string): Promise<(() => Promise<void>) | null>;
}

/** One check per firewall at a time: two debug sessions on one unit would reset each other's debug. */
export class FirewallLocks implements DeviceLocks {
  private readonly held = new Map<string, LockHolder>();

  /** As a lease that is never lost (one process). */
  async tryAcquire(firewall: string, holder: LockHolder): Promise<LeaseResult> {
    const result = this.acquire(firewall, holder);
    if (typeof result !== 'function') return result;
    const lost = new AbortController();
    return {
      lease: {
        fencingToken: 0,
        lost: lost.signal,
        confirm: async () => undefined,
        release: async () => result(),
      },
    };
  }

  acquire(firewall: string, holder: LockHolder): LockResult {
    const current = this.held.get(firewall);
    if (current !== undefined) return { busy: current };
    this.held.set(firewall, holder);
    // Idempotent, and only ever releases this holder's own lock (a late second call must not free a newer check's lock).
    return () => {
      if (this.held.get(firewall) === holder) this.held.delete(firewall);
    };
  }

  holder(firewall: string): LockHolder | undefined {
    return this.held.get(firewall);
  }

  /** Every running check, e.g. for shutdown. */
  entries(): Array<{ firewall: string; holder: LockHolder }> {
    return [...this.held].map(([firewall, holder]) => ({ firewall, holder }));
  }
}

/** A Slack user ID renders as a mention in Slack; anything else (the terminal's `console`) as plain text. */
function mention(userId: string): string {
  return SLACK_USER_ID.test(userId) ? `<@${userId}>` : userId;
}

/** The holder is named as what it is: a check, or a sweep (`sweep-` ids) started by a user, the watch or the command line. */
export function busyError(firewall: string, holder: LockHolder): CheckError {
  const what = holder.checkId.startsWith('sweep-') ? `A sweep is already reading ${firewall}` : `A check of ${firewall} is already running`;
  return new CheckError(
    'busy',
    `${what} (started by ${mention(holder.requestedBy)} at ${holder.startedAt.toISOString()}, id ${holder.checkId}).`,
    { firewall, checkId: holder.checkId, startedAt: holder.startedAt.toISOString() },
    true,
  );
}

/** A global cap on running checks (SSH sessions, memory for captures), without a queue. */
export class Semaphore implements CheckSlots {
  private used = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  get inUse(): number {
    return this.used;
  }

  async tryAcquire(): Promise<(() => Promise<void>) | null> {
    const release = this.take();
    return release ? async () => release() : null;
  }

  /** A release function (idempotent), or null when all slots are taken: refuse with `overloadedError`. */
  take(): (() => void) | null {
    if (this.used >= this.limit) return null;
    this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
    };
  }
}

export function overloadedError(limit: number): CheckError {
  return new CheckError('overloaded', `${limit} checks are already running, the most this bot runs at once.`, { limit }, true);
}

/**
 * One debug session per device: two inventory names for one host:port share the lock (also recovery's key).
 * Behind a jump host the address is the bastion's view (10.0.0.1 behind two bastions is two devices): the hops are
 * part of the key.
 */
export function deviceKey(entry: { host: string; port: number; via?: ReadonlyArray<{ host: string; port: number }> }): string {
  const hops = (entry.via ?? []).map((h) => `${h.host}:${h.port}>`).join('');
  return `${hops}${entry.host}:${entry.port}`;
}
