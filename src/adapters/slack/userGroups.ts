import type { Logger, webApi } from '@slack/bolt';

/** Group membership changes rarely; a grant revoked in Slack takes effect within this long. */
export const USER_GROUP_TTL_MS = 5 * 60_000;

/** Group members shared by replicas (Redis, src/redis/groupCache.ts), so N replicas make one Slack lookup per TTL. */
export interface SharedGroupCache {
  get(groupId: string): Promise<string[] | undefined>;
  set(groupId: string, members: string[], ttlMs: number): Promise<void>;
}

/**
 * Slack sends no user-group IDs with a command, so `user_groups` grants need a lookup:
 * `usergroups.users.list` (scope `usergroups:read`) for each group the inventory names, cached.
 * A failed lookup grants nothing from that group (fail closed) and is logged.
 */
export class UserGroupDirectory {
  private readonly cache = new Map<string, { at: number; members: Promise<Set<string>> }>();

  constructor(
    private readonly client: webApi.WebClient,
    /** The user-group IDs named anywhere in the inventory: only these are ever looked up. */
    private readonly groupIds: readonly string[],
    private readonly opts: { logger?: Logger; clock?: () => number; ttlMs?: number; shared?: SharedGroupCache } = {},
  ) {}

  /** The inventory's groups this user belongs to. */
  async groupsOf(userId: string): Promise<string[]> {
    const found: string[] = [];
    for (const id of this.groupIds) {
      if ((await this.members(id)).has(userId)) found.push(id);
    }
    return found;
  }

  private members(groupId: string): Promise<Set<string>> {
    const now = (this.opts.clock ?? Date.now)();
    const cached = this.cache.get(groupId);
    if (cached && now - cached.at < (this.opts.ttlMs ?? USER_GROUP_TTL_MS)) return cached.members;
    const members = this.lookup(groupId)
      .catch((e: unknown) => {
        this.opts.logger?.warn(`sip-check: cannot list members of user group ${groupId} (${e instanceof Error ? e.message : String(e)}); its grants apply to nobody until the next try`);
        this.cache.delete(groupId);
        return new Set<string>();
      });
    // With a shared cache, nothing is kept here: the shared entry's TTL is the only one.
    if (!this.opts.shared) this.cache.set(groupId, { at: now, members });
    return members;
  }

  private async lookup(groupId: string): Promise<Set<string>> {
    const shared = this.opts.shared;
    if (shared) {
      // Redis down: ask Slack directly (the cache is an optimisation; access is still checked).
      const hit = await shared.get(groupId).catch(() => undefined);
      if (hit) return new Set(hit);
    }
    const r = await this.client.usergroups.users.list({ usergroup: groupId });
    const users = r.users ?? [];
    if (shared) await shared.set(groupId, users, this.opts.ttlMs ?? USER_GROUP_TTL_MS).catch(() => undefined);
    return new Set(users);
  }
}
