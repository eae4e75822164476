import type { FleetState } from '../fleet/drift';
import { emptyState } from '../fleet/drift';
import { parseState, type FleetStore } from '../fleet/store';
import type { Logger } from '../log';
import { storeError, type RedisStore } from './client';

/**
 * Fleet results and history (the drift watch) in Redis, shared by every replica: one JSON document under one key,
 * replaced whole by `SET` (atomic in Redis, as the rename is for the file store). Bounded by the watch's retention.
 * A value that is not a fleet state is set aside under `...:corrupt` and a new baseline starts, as with the file.
 */
export class RedisFleetStore implements FleetStore {
  constructor(
    private readonly store: RedisStore,
    private readonly log?: Logger,
  ) {}

  private get key(): string {
    return this.store.key('fleet', 'state');
  }

  async load(): Promise<FleetState> {
    let text: string | null;
    try {
      text = await this.store.client.get(this.key);
    } catch (e) {
      throw storeError(e, 'read the fleet state');
    }
    if (text === null) return emptyState();
    const state = parseState(text);
    if (state) return state;
    await this.store.client.rename(this.key, `${this.key}:corrupt`).catch(() => undefined);
    this.log?.('warn', `the fleet state in Redis (${this.key}) was not a sip-check state; moved it to ${this.key}:corrupt and started a new baseline`);
    return emptyState();
  }

  async save(state: FleetState): Promise<void> {
    try {
      await this.store.client.set(this.key, JSON.stringify(state));
    } catch (e) {
      throw storeError(e, 'save the fleet state');
    }
  }
}
