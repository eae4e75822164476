import { deviceKey, type DeviceLocks } from '../check/locks';
import type { FirewallEntry, Inventory } from '../config/types';
import { toCheckError } from '../errors';
import type { FortiSession } from '../fortigate/types';
import type { Logger } from '../log';
import { assessEntries, readUnit, type AssessAudit } from './assess';
import { entriesOf, type ChangeAssessment, type ChangeJournal, type ChangeJournalEntry } from './journal';

/**
 * Changes cut mid-way, assessed without a check: once at start-up (the file journal), and with Redis in every
 * replica's recovery loop. A firewall is read only when its lock can be taken (a change or a check running on it
 * holds it; its own journal entry is its business), with the read-only account, and the entries are re-read under
 * the lock (the owner may just have cleared them). A partial (or unreadable) entry stays in the journal; this
 * process does not read it again (`settled`): the next check or change of that firewall does.
 */
export async function recoverUnfinishedChanges(deps: {
  journal: ChangeJournal;
  inventory: Inventory;
  openSession: (entry: FirewallEntry) => Promise<FortiSession>;
  audit: AssessAudit;
  log: Logger;
  locks: DeviceLocks;
  /** `start-up` or `recovery` (the Redis loop), for the audit log. */
  via: 'start-up' | 'recovery';
  /** Change ids this process already found partial or could not assess; not read again by it. */
  settled?: Set<string>;
  /** Change ids already reported (an unknown firewall, a unit that cannot be reached): a loop logs each once. */
  reported?: Set<string>;
}): Promise<ChangeAssessment[]> {
  const settled = deps.settled ?? new Set<string>();
  const reported = deps.reported ?? new Set<string>();
  const once = (id: string) => !reported.has(id) && Boolean(reported.add(id));
  const pending = (await deps.journal.pending()).filter((e) => !settled.has(e.changeId));
  const byFirewall = new Map<FirewallEntry, ChangeJournalEntry[]>();
  for (const e of pending) {
    // By name, else by the device recorded when the change began (renamed in the inventory since).
    const firewall = deps.inventory.firewalls.find((f) => f.name === e.firewall) ?? deps.inventory.firewalls.find((f) => e.device !== undefined && deviceKey(f) === e.device);
    if (!firewall) {
      if (once(e.changeId)) deps.log('error', 'the change journal names a firewall the inventory no longer has: check it by hand, then remove the entry', { firewall: e.firewall, changeId: e.changeId });
      continue;
    }
    byFirewall.set(firewall, [...(byFirewall.get(firewall) ?? []), e]);
  }
  const found: ChangeAssessment[] = [];
  for (const firewall of byFirewall.keys()) {
    const lock = await deps.locks.tryAcquire(deviceKey(firewall), { requestedBy: 'recovery', startedAt: new Date(), checkId: `recovery-changes-${firewall.name}` });
    // Busy: a check (which assesses the entries itself) or a change holds the device; the next pass tries again.
    if ('busy' in lock) continue;
    try {
      const entries = entriesOf(await deps.journal.pending(), firewall).filter((e) => !settled.has(e.changeId));
      if (!entries.length) continue;
      const session = await deps.openSession(firewall);
      try {
        const assessed = await assessEntries(entries, await readUnit(session), { journal: deps.journal, audit: deps.audit, via: deps.via, log: deps.log });
        for (const a of assessed) {
          deps.log('warn', a.text, { changeId: a.changeId, firewall: a.firewall, state: a.state });
          if (a.state === 'partial' || a.state === 'unread') settled.add(a.changeId);
        }
        found.push(...assessed);
      } finally {
        await session.close();
      }
    } catch (e) {
      const ids = (byFirewall.get(firewall) ?? []).map((x) => x.changeId);
      // Not tried again by this process: a loop that logged in every pass would hold the device's lock against
      // users' checks and could trip the unit's admin lockout. The entry stays; the next check of it judges it.
      for (const id of ids) settled.add(id);
      if (ids.filter(once).length) deps.log('warn', `could not read ${firewall.name} to assess an unfinished change; the journal entry is kept and judged by the next check of it (or the next start)`, { changeIds: ids, message: toCheckError(e).message });
    } finally {
      await lock.lease.release();
    }
  }
  return found;
}
