import type { AppConfig } from '../config/env';
import type { Inventory } from '../config/types';
import type { AuditLog } from '../check/audit';
import type { CheckSlots, DeviceLocks } from '../check/locks';
import type { UserRateLimit } from '../check/rateLimit';
import type { SessionOpener } from '../check/run';
import type { Logger } from '../log';
import { createFleetService, type FleetDeps, type FleetService } from './service';
import { JsonFileStore, type FleetStore } from './store';
import { randomUUID } from 'node:crypto';
import { SweepSlots, sweepShareOf } from './sweep';
import { DriftWatch, type WatchDeps } from './watch';

/**
 * Wires sweeps and the drift watch into the bot (main.ts), sharing the check service's locks and cap. The watch
 * posts through what the adapter gives (`makePost`): Slack today.
 */
export function startFleet(opts: {
  config: AppConfig;
  inventory: Inventory;
  openSession: SessionOpener;
  locks: DeviceLocks;
  slots: CheckSlots;
  rateLimiter: UserRateLimit;
  audit: AuditLog;
  log: Logger;
  /** Shared by replicas (Redis); default: the SIP_CHECK_FLEET_STATE file of this process. */
  store?: FleetStore;
}): { service: FleetService; watch?: DriftWatch; startWatch: (makePost: (channelId: string) => WatchDeps['post']) => Promise<void> } {
  const { config, log } = opts;
  const deps: FleetDeps = {
    inventory: opts.inventory,
    limits: config.limits,
    openSession: opts.openSession,
    slots: new SweepSlots(opts.slots, sweepShareOf(config.maxConcurrent)),
    concurrency: config.sweepConcurrency,
    locks: opts.locks,
    audit: opts.audit,
    rateLimiter: opts.rateLimiter,
    log,
  };
  const service = createFleetService(deps);
  const result: ReturnType<typeof startFleet> = {
    service,
    startWatch: async (makePost) => {
      const watchConfig = config.watch;
      if (!watchConfig) return;
      const watch = new DriftWatch({
        fleet: service,
        store: opts.store ?? new JsonFileStore(config.fleetStatePath, (m) => log('warn', m)),
        ...(opts.store ? { claim: () => claimWatch(opts.locks) } : {}),
        scope: watchConfig.tag ? { kind: 'tag', tag: watchConfig.tag } : { kind: 'all' },
        everyMs: watchConfig.everyMs,
        post: makePost(watchConfig.channelId),
        destination: `<#${watchConfig.channelId}>`,
        now: Date.now,
        setTimer: (fn, ms) => {
          // The period is at most 7 days (env.ts), well under setTimeout's 24.8-day ceiling.
          const t = setTimeout(fn, ms);
          t.unref();
          return () => clearTimeout(t);
        },
        log,
      });
      result.watch = watch;
      deps.watchStatus = () => watch.status();
      await watch.start();
      log('info', 'drift watch started', { channel: watchConfig.channelId, every: watchConfig.everyMs, tag: watchConfig.tag, next: watch.nextRunAt ? new Date(watch.nextRunAt).toISOString() : undefined });
    },
  };
  return result;
}

/** The watch's lease in the shared lock store: one replica runs a scheduled sweep at a time. */
export async function claimWatch(locks: DeviceLocks): Promise<(() => Promise<void>) | null> {
  const result = await locks.tryAcquire('fleet-watch', { requestedBy: 'drift-watch', startedAt: new Date(), checkId: `watch-${randomUUID()}` });
  return 'busy' in result ? null : () => result.lease.release();
}
