import type { JournalEntry } from '../check/journal';
import type { RecoverableJournal } from '../check/recovery';
import type { CheckJournal } from '../check/run';
import { CheckError } from '../errors';
import { redisFailure, type RedisStore } from './client';

/**
 * The crash journal shared by replicas: one hash, check id → entry JSON. `begin` resolves only once Redis has
 * stored the entry (its reply is the confirmation), and `runCheck` awaits it before `diagnose debug enable`.
 * Every replica's recovery loop reads it and takes over entries whose owner's lease expired.
 */
export class RedisJournal implements CheckJournal, RecoverableJournal {
  constructor(private readonly store: RedisStore) {}

  private get key(): string {
    return this.store.key('journal');
  }

  async begin(entry: JournalEntry): Promise<void> {
    const kept: JournalEntry = { checkId: entry.checkId, firewall: entry.firewall, startedAt: entry.startedAt, pid: entry.pid };
    if (entry.host !== undefined && entry.port !== undefined) Object.assign(kept, { host: entry.host, port: entry.port });
    if (entry.device !== undefined) kept.device = entry.device;
    try {
      await this.store.client.hset(this.key, entry.checkId, JSON.stringify(kept));
    } catch (e) {
      throw new CheckError('store-unavailable', `The bot cannot record the capture in its crash journal in Redis (${redisFailure(e)}), so debug was not enabled.`, {}, true);
    }
  }

  async finish(checkId: string): Promise<void> {
    await this.store.client.hdel(this.key, checkId);
  }

  async has(checkId: string): Promise<boolean> {
    return (await this.store.client.hexists(this.key, checkId)) === 1;
  }

  /** Every entry; unparsable ones are skipped (never written by this code). */
  async pending(): Promise<JournalEntry[]> {
    const all = await this.store.client.hgetall(this.key);
    const out: JournalEntry[] = [];
    for (const text of Object.values(all)) {
      try {
        const e = JSON.parse(text) as JournalEntry;
        if (typeof e.checkId === 'string' && typeof e.firewall === 'string') out.push(e);
      } catch {
        // skipped
      }
    }
    return out;
  }
}
