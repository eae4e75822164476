import type { Inventory } from '../config/types';
import { DEBUG_CLEANUP } from '../fortigate/cli';
import type { Logger } from '../log';
import type { AuditLog } from './audit';
import { toCheckError } from './errors';
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
    const firewall = deps.inventory.firewalls.find((f) => f.name === entry.firewall);
    if (!firewall) {
      deps.log('warn', 'journal names a firewall that is no longer in the inventory; dropping the entry', { firewall: entry.firewall, checkId: entry.checkId });
      deps.journal.finish(entry.checkId);
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
      deps.journal.finish(entry.checkId);
      recovered.push(entry.firewall);
    } else {
      deps.log('error', 'could not reset debug left over by an earlier run; will retry at next start', { firewall: entry.firewall, kind });
    }
  }
  return recovered;
}
