/**
 * Checks through the service with their analysis in the worker pool, against simulated firewalls: a worker that
 * crashes fails that check alone, with a clear message, after debug was reset; the checks beside it post verdicts.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { makeSessionOpener } from '../../src/check/connect';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type CheckService, type HandleOutcome } from '../../src/check/service';
import type { Requester } from '../../src/check/types';
import { isDebugClean } from '../../src/simulator';
import { WorkerPool } from '../../src/workers/pool';
import { MemoryJournal, RecordingReporter, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

const ALICE: Requester = { userId: 'U0TESTER', channelId: 'C0TEST', adapter: 'slack' };

describe('checks with the worker pool', () => {
  const firewalls: SimulatedFirewall[] = [];
  let service: CheckService | undefined;
  let pool: WorkerPool | undefined;
  afterEach(async () => {
    await service?.shutdown(5000);
    await pool?.close();
    await Promise.all(firewalls.splice(0).map((f) => f.sim.close()));
  });

  it('a crashed worker fails its check clearly, debug is reset, and the other checks post their verdicts', async () => {
    for (const name of ['fw01', 'crash-fw', 'fw02']) firewalls.push(await startFirewall({ name }));
    pool = new WorkerPool({ size: 1, maxQueue: 8, tasksModule: path.join(__dirname, 'support', 'crashingTasks.ts') });
    const journal = new MemoryJournal();
    service = createCheckService({
      inventory: { source: 'test', firewalls: firewalls.map((f) => f.entry) },
      limits: testLimits(),
      openSession: makeSessionOpener(testLimits(), firewalls[0].env),
      journal,
      audit: new AuditLog(path.join(mkdtempSync(path.join(os.tmpdir(), 'sip-check-pool-')), 'audit.jsonl')),
      rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
      maxConcurrent: 10,
      log: () => undefined,
      tasks: pool,
    });
    const reporters = new Map<string, RecordingReporter>();
    const outcomes: HandleOutcome[] = [];
    for (const f of firewalls) {
      const reporter = new RecordingReporter();
      reporters.set(f.entry.name, reporter);
      outcomes.push(await service.handle(`${f.entry.name} seconds=1`, ALICE, () => reporter));
    }
    await Promise.all(outcomes.map((o) => (o.kind === 'started' ? o.done : Promise.reject(new Error(`not started: ${o.kind}`)))));

    const crashed = reporters.get('crash-fw')!;
    expect(crashed.finalResult).toBeUndefined();
    expect(crashed.failure?.error.kind).toBe('internal');
    expect(crashed.failure?.error.message).toBe('The analysis failed: the worker running the analysis crashed (exit code 3). The transcript was read and debug is reset.');
    expect(crashed.failure?.debugReset).toBe(true);
    for (const name of ['fw01', 'fw02']) {
      const result = reporters.get(name)!.finalResult;
      expect(result?.verdict.handler).toBe('sip-alg');
      expect(result?.attachments.map((a) => a.mimeType)).toContain('image/png');
      expect(result?.sip.messages).toBeGreaterThan(0);
    }
    for (const f of firewalls) expect(isDebugClean(f.sim.state)).toBe(true);
    expect(journal.open.size).toBe(0);
    // The crashed worker was replaced.
    expect(pool.started).toBe(2);
  });
});
