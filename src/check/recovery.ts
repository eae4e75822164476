import type { Inventory } from '../config/types';
import { DEBUG_CLEANUP } from '../fortios/cli';
import type { Logger } from '../log';
import type { AuditLog } from './audit';
import { toCheckError } from '../errors';
import type { DebugJournal } from './journal';
import type { SessionOpener } from './run';

/**
 * Crash safety: a journal entry written before `diagnose debug enable` and cleared after the reset means
 * an entry found at start-up is a check that died mid-capture (kill -9, power loss). Reconnect to each such
 * firewall, reset debug, clear the entry. Entries that cannot be reset stay for the next start.
 */
export async function recoverUnfinishedDebug(deps: {
  journal: DebugJournal;
  inventory: Inventory;
  openSession: SessionOpener;
  audit: AuditLog;
  log: Logger;
  commandTimeoutMs: number;
}): Promise<string[]> {
  const recovered: string[] = [];
  for (const entry of deps.journal.pending()) {
    // By name, else by address (the firewall was renamed in the inventory since the crash).
    const firewall =
      deps.inventory.firewalls.find((f) => f.name === entry.firewall) ??
      deps.inventory.firewalls.find((f) => entry.host !== undefined && f.host === entry.host && f.port === entry.port);
    if (!firewall) {
      // Kept, not dropped: debug may still be on there. An admin resets it by hand and removes the entry.
      deps.log('error', 'journal names a firewall the inventory no longer has: run `diagnose debug reset` on it by hand, then remove the entry from the journal', { firewall: entry.firewall, host: entry.host, checkId: entry.checkId });
      continue;
    }
    let ok = false;
    let kind = 'ok';
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
      }
    } catch (e) {
      kind = toCheckError(e).kind;
    }
    deps.audit.record({ event: 'recovery', checkId: entry.checkId, firewall: entry.firewall, startedAt: entry.startedAt, outcome: ok ? 'ok' : kind, debugReset: ok });
    if (ok) {
      await deps.journal.finish(entry.checkId);
      recovered.push(entry.firewall);
    } else {
      deps.log('error', 'could not reset debug left over by an earlier run; will retry at next start', { firewall: entry.firewall, kind });
    }
  }
  return recovered;
}
