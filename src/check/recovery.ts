import type { Inventory } from '../config/types';
import { DEBUG_CLEANUP } from '../fortios/cli';
import { renderCliRecord } from '../fortios/transcript';
import type { Logger } from '../log';
import type { AuditLog } from './audit';
import { toCheckError } from '../errors';
import type { JournalEntry } from './journal';
import { deviceKey, type DeviceLocks } from './locks';
import type { SessionOpener } from './run';

/** The journal as recovery reads it: the file (`DebugJournal`) or Redis shared by replicas (`RedisJournal`). */
export interface RecoverableJournal {
  pending(): JournalEntry[] | Promise<JournalEntry[]>;
  finish(checkId: string): void | Promise<void>;
  /** Whether the entry is still there (re-read once the device lock is held: its owner may have just finished). */
  has?(checkId: string): Promise<boolean>;
}

/**
 * Crash safety: a journal entry written before `diagnose debug enable` and cleared after the reset means
 * an entry found at start-up is a check that died mid-capture (kill -9, power loss). Reconnect to each such
 * firewall, reset debug, clear the entry. Entries that cannot be reset stay for the next start.
 */
export async function recoverUnfinishedDebug(deps: {
  journal: RecoverableJournal;
  /**
   * Shared locks (replicas): an entry is taken over only when its device lock can be taken, i.e. its owner's
   * lease expired (the owner died or lost Redis); entries of running checks are left to their owners.
   */
  locks?: DeviceLocks;
  /** A takeover was attempted: debug reset confirmed or not (metrics). */
  onTakeover?: (reset: boolean) => void;
  /** Entries already reported as unknown to the inventory (a loop logs each once). */
  reported?: Set<string>;
  inventory: Inventory;
  openSession: SessionOpener;
  audit: AuditLog;
  log: Logger;
  commandTimeoutMs: number;
}): Promise<string[]> {
  const recovered: string[] = [];
  for (const entry of await deps.journal.pending()) {
    // By name, else by address (the firewall was renamed in the inventory since the crash).
    const firewall =
      deps.inventory.firewalls.find((f) => f.name === entry.firewall) ??
      deps.inventory.firewalls.find((f) => (entry.device !== undefined ? deviceKey(f) === entry.device : entry.host !== undefined && f.host === entry.host && f.port === entry.port && !f.via?.length));
    if (!firewall) {
      // Kept, not dropped: debug may still be on there. An admin resets it by hand and removes the entry.
      if (deps.reported?.has(entry.checkId)) continue;
      deps.reported?.add(entry.checkId);
      deps.log('error', 'journal names a firewall the inventory no longer has: run `diagnose debug reset` on it by hand, then remove the entry from the journal', { firewall: entry.firewall, host: entry.host, checkId: entry.checkId });
      continue;
    }
    let release: (() => Promise<void>) | undefined;
    if (deps.locks) {
      const lock = await deps.locks.tryAcquire(deviceKey(firewall), { requestedBy: 'recovery', startedAt: new Date(), checkId: `recovery-${entry.checkId}` });
      // Busy: the owner (or another replica's recovery, or a new check that resets debug first) holds the device.
      if ('busy' in lock) continue;
      release = () => lock.lease.release();
      if (deps.journal.has && !(await deps.journal.has(entry.checkId))) {
        await release();
        continue;
      }
      deps.log('warn', 'taking over a check whose replica lost its lock: resetting debug', { firewall: entry.firewall, checkId: entry.checkId, pid: entry.pid });
    }
    try {
      const ok = await resetEntry(entry, firewall, deps);
      deps.onTakeover?.(ok);
      if (ok) recovered.push(entry.firewall);
    } finally {
      await release?.();
    }
  }
  return recovered;
}

async function resetEntry(
  entry: JournalEntry,
  firewall: Inventory['firewalls'][number],
  deps: { journal: RecoverableJournal; openSession: SessionOpener; audit: AuditLog; log: Logger; commandTimeoutMs: number },
): Promise<boolean> {
  let ok = false;
  let kind = 'ok';
  let transcript: string | undefined;
  try {
    const session = await deps.openSession(firewall);
    try {
      ok = true;
      for (const command of DEBUG_CLEANUP) {
        const r = await session.run(command, { timeoutMs: deps.commandTimeoutMs });
        if (r.error) ok = false;
      }
    } finally {
      await session.close();
      // What was typed (the logout included) goes into the audit record: a recovery has no thread to attach it to.
      transcript = renderCliRecord([session.record], firewall.name);
    }
  } catch (e) {
    kind = toCheckError(e).kind;
  }
  try {
    // The entry is cleared before the audit says "ok": a reader of the audit log (or a test) that sees the
    // recovery may rely on the journal no longer holding it. Recorded even when clearing it fails.
    if (ok) await deps.journal.finish(entry.checkId);
  } finally {
    deps.audit.record({ event: 'recovery', checkId: entry.checkId, firewall: entry.firewall, startedAt: entry.startedAt, outcome: ok ? 'ok' : kind, debugReset: ok, transcript });
  }
  if (!ok) deps.log('error', 'could not reset debug left over by an earlier run; will retry at the next start (with Redis: the next recovery pass)', { firewall: entry.firewall, kind });
  return ok;
}
