import type { ChangeJournal, ChangeJournalEntry } from '../change/journal';
import { CheckError } from '../errors';
import { redisFailure, type RedisStore } from './client';

/**
 * The change journal shared by replicas: one hash (`sip-check:changes`), change id → entry JSON. `begin` resolves
 * only once Redis has stored the entry, and the engine awaits it before typing the first approved line. A change cut
 * on one replica is seen by every other: its next check of that firewall, its next change of it, and its recovery
 * loop read the unit and say whether the change is complete, partial or absent.
 */
export class RedisChangeJournal implements ChangeJournal {
  constructor(private readonly store: RedisStore) {}

  private get key(): string {
    return this.store.key('changes');
  }

  async begin(entry: ChangeJournalEntry): Promise<void> {
    try {
      await this.store.client.hset(this.key, entry.changeId, JSON.stringify(entry));
    } catch (e) {
      throw new CheckError('store-unavailable', `The bot cannot record the change in its change journal in Redis (${redisFailure(e)}), so nothing was typed.`, {}, true);
    }
  }

  async finish(changeId: string): Promise<void> {
    await this.store.client.hdel(this.key, changeId);
  }

  /** Every entry; unparsable ones are skipped (never written by this code). */
  async pending(): Promise<ChangeJournalEntry[]> {
    const all = await this.store.client.hgetall(this.key);
    const out: ChangeJournalEntry[] = [];
    for (const text of Object.values(all)) {
      try {
        const e = JSON.parse(text) as ChangeJournalEntry;
        if (typeof e.changeId === 'string' && typeof e.firewall === 'string' && typeof e.vdom === 'string' && typeof e.startedAt === 'string' && e.basis && e.expected) out.push(e);
      } catch {
        // skipped
      }
    }
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}
