import path from 'node:path';
import type { SharedGroupCache } from './adapters/slack/userGroups';
import { FileChangeJournal, type ChangeJournal } from './change/journal';
import { recoverUnfinishedChanges } from './change/recovery';
import type { AuditLog } from './check/audit';
import { DebugJournal } from './check/journal';
import { FirewallLocks, Semaphore, type CheckSlots, type DeviceLocks } from './check/locks';
import { RateLimiter, type UserRateLimit } from './check/rateLimit';
import { recoverUnfinishedDebug, type RecoverableJournal } from './check/recovery';
import type { CheckJournal, SessionOpener } from './check/run';
import type { AppConfig } from './config/env';
import type { Inventory } from './config/types';
import type { Logger } from './log';
import { journalFileProbe, type HealthProbe } from './ops/health';
import { connectRedis, type RedisStore } from './redis/client';
import { RedisFleetStore } from './redis/fleetStore';
import { RedisGroupCache } from './redis/groupCache';
import type { SeenSignatures } from './adapters/slack/requestGuard';
import { RedisSeenSignatures } from './redis/seenSignatures';
import type { FleetStore } from './fleet/store';
import { RedisJournal } from './redis/journal';
import { RedisChangeJournal } from './redis/changeJournal';
import { RedisCheckSlots, RedisDeviceLocks } from './redis/locks';
import { RedisRateLimiter } from './redis/rateLimit';

/**
 * Where the replicas' shared truth lives, chosen once: in this process (and the journal file) by default, or in
 * Redis with SIP_CHECK_REDIS_URL. Everything else talks to the interfaces in src/check/.
 */
export interface Coordination {
  journal: CheckJournal & RecoverableJournal;
  /**
   * Approved changes cut mid-way (src/change/journal.ts): `changes.json` beside the crash journal, or a hash in Redis
   * (`sip-check:changes`), so a change cut on one replica is assessed by another's next check or recovery.
   */
  changeJournal: ChangeJournal;
  rateLimiter: UserRateLimit;
  /** Shared by single checks and fleet sweeps (src/fleet/): one lock per device and one global cap for both. */
  locks: DeviceLocks;
  slots: CheckSlots;
  groupCache?: SharedGroupCache;
  /** Fleet results and history when replicas share them (Redis); undefined: the file store of src/fleet/. */
  fleetStore?: FleetStore;
  /** HTTP mode: Slack request signatures seen by any replica (replay refusal); undefined: this process's memory. */
  seenSignatures?: SeenSignatures;
  /** /healthz probes: the journal, and Redis when configured. */
  probes: HealthProbe[];
  /**
   * Resets debug left by a dead check: once (file journal, at start-up), or every half lease in a loop (Redis:
   * any replica takes over an entry whose owner's lease expired). Then assesses the approved changes cut mid-way
   * whose firewall lock it can take (complete, partial or absent; never re-applied). Resolves after the first pass.
   */
  startRecovery(deps: RecoveryDeps): Promise<string[]>;
  close(): Promise<void>;
}

export interface RecoveryDeps {
  inventory: Inventory;
  openSession: SessionOpener;
  audit: AuditLog;
  log: Logger;
  commandTimeoutMs: number;
  onTakeover?: (reset: boolean) => void;
}

export async function createCoordination(config: AppConfig, log: Logger): Promise<Coordination> {
  if (!config.redis) {
    const journal = new DebugJournal(config.journalPath);
    const changeJournal = new FileChangeJournal(path.join(path.dirname(config.journalPath), 'changes.json'));
    const locks = new FirewallLocks();
    return {
      journal,
      changeJournal,
      rateLimiter: new RateLimiter(config.rateLimit),
      locks,
      slots: new Semaphore(config.maxConcurrent),
      probes: [journalFileProbe(config.journalPath)],
      async startRecovery(deps) {
        const recovered = await recoverUnfinishedDebug({ ...deps, journal });
        await recoverChanges({ ...deps, journal: changeJournal, locks, via: 'start-up' });
        return recovered;
      },
      close: async () => undefined,
    };
  }
  const { leaseMs } = config.redis;
  const store: RedisStore = await connectRedis({ url: config.redis.url, log });
  const locks = new RedisDeviceLocks(store, { leaseMs, log });
  const journal = new RedisJournal(store);
  const changeJournal = new RedisChangeJournal(store);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let pass: Promise<unknown> = Promise.resolve();
  return {
    journal,
    changeJournal,
    rateLimiter: new RedisRateLimiter(store, config.rateLimit),
    locks,
    slots: new RedisCheckSlots(store, config.maxConcurrent, { leaseMs, log }),
    groupCache: new RedisGroupCache(store),
    fleetStore: new RedisFleetStore(store, log),
    seenSignatures: new RedisSeenSignatures(store),
    probes: [
      { name: 'redis', check: async () => ((await store.ping()) ? { ok: true } : { ok: false, detail: 'no PONG: checks are refused until Redis answers' }) },
      { name: 'journal', check: async () => ((await store.ping()) ? { ok: true, detail: 'in Redis' } : { ok: false, detail: 'in Redis, which does not answer' }) },
    ],
    async startRecovery(deps) {
      const reported = new Set<string>();
      const changes = { settled: new Set<string>(), reported: new Set<string>() };
      const once = async (): Promise<string[]> => {
        let recovered: string[] = [];
        try {
          recovered = await recoverUnfinishedDebug({ ...deps, journal, locks, reported });
        } catch (e) {
          // Redis down: the next pass retries.
          deps.log('warn', 'recovery pass skipped: Redis did not answer', { message: e instanceof Error ? e.message : String(e) });
          return [];
        }
        await recoverChanges({ ...deps, ...changes, journal: changeJournal, locks, via: 'recovery' });
        return recovered;
      };
      const first = once();
      pass = first;
      const every = Math.max(500, Math.floor(leaseMs / 2));
      const loop = () => {
        if (closed) return;
        timer = setTimeout(() => {
          pass = once().finally(loop);
        }, every);
        timer.unref();
      };
      void first.finally(loop);
      return first;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      // A pass may be resetting debug right now: let it finish.
      await pass.catch(() => undefined);
      await store.close();
    },
  };
}

/** One pass over the change journal; a failure (Redis gone, a journal that cannot be read) waits for the next pass. */
async function recoverChanges(deps: Parameters<typeof recoverUnfinishedChanges>[0]): Promise<void> {
  try {
    await recoverUnfinishedChanges(deps);
  } catch (e) {
    deps.log('warn', 'could not read the change journal to assess unfinished changes; the next check of each firewall does', { message: e instanceof Error ? e.message : String(e) });
  }
}
