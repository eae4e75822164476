import type { SeenSignatures } from '../adapters/slack/requestGuard';
import type { RedisStore } from './client';

/** Slack request signatures seen by any replica, each kept for the replay window (`SET NX PX`: atomic). */
export class RedisSeenSignatures implements SeenSignatures {
  constructor(private readonly store: RedisStore) {}

  async claim(signature: string, ttlMs: number): Promise<boolean> {
    return (await this.store.client.set(this.store.key('slack-signature', signature), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }
}
