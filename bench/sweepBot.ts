/**
 * Child process of the sweep benchmark: the bot side only, one fleet sweep (`createFleetService`, as main.ts builds
 * it, sharing a global cap with the check service) over N simulated firewalls. Reports wall time, its own CPU time
 * (user + system), peak RSS (`VmHWM`, see scaleBot.ts for why not maxRSS) and the rows' outcomes.
 */
import { readFileSync } from 'node:fs';
import { makeSessionOpener } from '../src/check/connect';
import { FirewallLocks, Semaphore } from '../src/check/locks';
import { createFleetService } from '../src/fleet/service';
import { SweepSlots, sweepShareOf } from '../src/fleet/sweep';
import { BENCH_ENV, benchInventory, benchLimits, nowMs, type SimulatedFirewallInfo } from './lib';

export interface SweepJob {
  firewalls: SimulatedFirewallInfo[];
  maxConcurrent: number;
  concurrency: number;
}

export interface SweepBotReport {
  totalMs: number;
  cpuMs: number;
  rows: number;
  counts: Record<string, number>;
  errors: string[];
  peakRssMB: number;
  baselineRssMB: number;
  perFirewallMs: { median: number; max: number };
}

async function runJob(job: SweepJob): Promise<SweepBotReport> {
  const baselineRss = process.memoryUsage().rss;
  const limits = benchLimits();
  const fleet = createFleetService({
    inventory: benchInventory(job.firewalls),
    limits,
    openSession: makeSessionOpener(limits, BENCH_ENV),
    slots: new SweepSlots(new Semaphore(job.maxConcurrent), sweepShareOf(job.maxConcurrent)),
    concurrency: job.concurrency,
    locks: new FirewallLocks(),
    log: () => undefined,
  });
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  const report = await fleet.sweep({ kind: 'all' });
  const totalMs = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  const seconds = report.rows.map((r) => r.seconds * 1000).sort((a, b) => a - b);
  return {
    totalMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rows: report.rows.length,
    counts: report.counts,
    errors: report.rows.filter((r) => r.error).map((r) => `${r.name}: ${r.error!.kind}: ${r.error!.message}`),
    peakRssMB: peakRssMB(),
    baselineRssMB: baselineRss / 1024 / 1024,
    perFirewallMs: { median: seconds[Math.floor(seconds.length / 2)] ?? 0, max: seconds.at(-1) ?? 0 },
  };
}

function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

process.once('message', (job: SweepJob) => {
  runJob(job).then(
    (report) => process.send?.({ ok: true, report }, () => process.exit(0)),
    (e: unknown) => process.send?.({ ok: false, error: e instanceof Error ? e.message : String(e) }, () => process.exit(1)),
  );
});
