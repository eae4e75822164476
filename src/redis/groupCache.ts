import type { SharedGroupCache } from '../adapters/slack/userGroups';
import type { RedisStore } from './client';

/** Slack user-group members cached in Redis for every replica, expiring with the cache TTL. */
export class RedisGroupCache implements SharedGroupCache {
  constructor(private readonly store: RedisStore) {}

  async get(groupId: string): Promise<string[] | undefined> {
    const text = await this.store.client.get(this.store.key('usergroup', groupId));
    if (text === null) return undefined;
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) && parsed.every((u) => typeof u === 'string') ? parsed : undefined;
  }

  async set(groupId: string, members: string[], ttlMs: number): Promise<void> {
    await this.store.client.set(this.store.key('usergroup', groupId), JSON.stringify(members), 'PX', ttlMs);
  }
}
