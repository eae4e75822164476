/**
 * Child process of the scale benchmark: the bot side only (the service, as main.ts builds it, with Bolt loaded as in
 * production), checking N firewalls at once through `createCheckService`. The service refuses checks beyond its
 * concurrency limit (`overloaded`, no queue), so this driver resubmits a refused check as soon as a running one
 * ends, as a user retrying would. Reports total time and memory: the kernel's peak RSS of this process (`VmHWM` in
 * /proc/self/status) and `process.memoryUsage().rss` sampled every 20 ms.
 *
 * Not `process.resourceUsage().maxRSS`: on Linux it survives fork + exec, so a child's maxRSS starts at its parent's
 * RSS at spawn time (a child of a 340 MB parent reported 304 MB while its own RSS was 39 MB).
 */
import { readFileSync } from 'node:fs';
import { makeSessionOpener } from '../src/check/connect';
import type { CheckError } from '../src/errors';
import type { CheckReporter, CheckRequest, CheckResult } from '../src/check/types';
import { buildService, type BotCounters } from './bot';
import { BENCH_ENV, BENCH_USER, benchInventory, benchLimits, nowMs, type SimulatedFirewallInfo } from './lib';

export interface ScaleJob {
  firewalls: SimulatedFirewallInfo[];
  windowSeconds: number;
  maxConcurrent: number;
}

export interface ScaleReport {
  totalMs: number;
  verdicts: number;
  failures: string[];
  resubmits: number;
  /** VmHWM, or maxRSS where /proc is missing. */
  peakRssMB: number;
  peakRssSource: 'VmHWM' | 'maxRSS';
  sampledPeakRssMB: number;
  baselineRssMB: number;
  checkMs: { min: number; max: number };
  errorsLogged: number;
}

/** Keeps only what a user would see in the thread's first line; attachments are dropped as Slack's reporter does after upload. */
class TallyReporter implements CheckReporter {
  verdict?: string;
  failure?: string;
  async start(_request: CheckRequest): Promise<void> {}
  async progress(): Promise<void> {}
  async note(): Promise<void> {}
  async configVerdict(): Promise<void> {}
  async result(result: CheckResult): Promise<void> {
    this.verdict = result.verdict.handler;
  }
  async failed(error: CheckError): Promise<void> {
    this.failure = `${error.kind}: ${error.message}`;
  }
}

async function runJob(job: ScaleJob): Promise<ScaleReport> {
  const baselineRss = process.memoryUsage().rss;
  let peak = baselineRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const limits = benchLimits();
  const counters: BotCounters = { errors: 0, warnings: 0 };
  const service = buildService({ inventory: benchInventory(job.firewalls), limits, openSession: makeSessionOpener(limits, BENCH_ENV), maxConcurrent: job.maxConcurrent, tag: 'scale', counters });
  const reporters: TallyReporter[] = [];
  const failures: string[] = [];
  const running = new Set<Promise<void>>();
  const durations: number[] = [];
  let resubmits = 0;
  const t0 = nowMs();
  for (const fw of job.firewalls) {
    for (;;) {
      const reporter = new TallyReporter();
      const tStart = nowMs();
      const outcome = await service.handle(`${fw.name} seconds=${job.windowSeconds}`, { userId: BENCH_USER, channelId: 'C0BENCH', adapter: 'slack' }, () => reporter);
      if (outcome.kind === 'started') {
        reporters.push(reporter);
        const done: Promise<void> = outcome.done.then(() => {
          durations.push(nowMs() - tStart);
          running.delete(done);
        });
        running.add(done);
        break;
      }
      if (outcome.kind === 'rejected' && outcome.error.kind === 'overloaded' && running.size > 0) {
        resubmits += 1;
        await Promise.race(running);
        continue;
      }
      failures.push(outcome.kind === 'rejected' ? outcome.error.kind : outcome.kind);
      break;
    }
  }
  await Promise.all(running);
  const totalMs = nowMs() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await service.shutdown(1000);
  for (const r of reporters) if (r.failure) failures.push(r.failure);
  return {
    totalMs,
    verdicts: reporters.filter((r) => r.verdict !== undefined).length,
    failures,
    resubmits,
    ...peakRss(),
    sampledPeakRssMB: peak / 1024 / 1024,
    baselineRssMB: baselineRss / 1024 / 1024,
    checkMs: { min: Math.min(...durations), max: Math.max(...durations) },
    errorsLogged: counters.errors,
  };
}

function peakRss(): { peakRssMB: number; peakRssSource: 'VmHWM' | 'maxRSS' } {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return { peakRssMB: Number(hwm[1]) / 1024, peakRssSource: 'VmHWM' };
  } catch {
    // not Linux
  }
  return { peakRssMB: process.resourceUsage().maxRSS / 1024, peakRssSource: 'maxRSS' };
}

process.once('message', (job: ScaleJob) => {
  runJob(job).then(
    (report) => process.send?.({ ok: true, report }, () => process.exit(0)),
    (e: unknown) => process.send?.({ ok: false, error: e instanceof Error ? e.message : String(e) }, () => process.exit(1)),
  );
});
