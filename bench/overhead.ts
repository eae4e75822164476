/**
 * Check overhead: a signed `/sip-check fw01 seconds=1` through the real Bolt app (HTTP mode) → service → check
 * against a simulated FortiGate → verdict and files posted to the fake Slack. Overhead = command to posted verdict
 * minus the 1 s capture window, split by phase from the reporter's and the session's timestamps; median of N runs.
 */
import { makeSessionOpener } from '../src/check/connect';
import type { HandleOutcome } from '../src/check/service';
import { COMMANDS } from '../src/fortios/cli';
import { buildService, newTimeline, postSlashCommand, startHttpBot, timedOpener, timedService, type BotCounters, type CheckTimeline } from './bot';
import type { BenchFigure } from './figures';
import { BENCH_ENV, benchInventory, benchLimits, Environment, figure, median, nowMs } from './lib';

const WINDOW_SECONDS = 1;

export interface PhaseSplit {
  total: number;
  overhead: number;
  handshake: number;
  configReads: number;
  captureSetup: number;
  captureTeardown: number;
  analysis: number;
  posting: number;
  other: number;
  /** The capture's first `diagnose debug disable` (part of captureSetup). */
  firstDisable: number;
  commands: number;
}

const PHASE_NOTES: Record<Exclude<keyof PhaseSplit, 'commands'>, string> = {
  total: 'signed POST to the verdict and files posted, including the capture window',
  overhead: 'total minus the capture window',
  handshake: 'SSH handshake + auth + shell + first prompt (openSession)',
  configReads: 'get system status + session-helper + per-VDOM reads',
  captureSetup: 'debug disable/reset (the journal entry is written meanwhile) + timestamp/duration/application sip/enable',
  firstDisable: 'of captureSetup: the first `diagnose debug disable` (a plain prompt wait: this session is not streaming)',
  captureTeardown: 'capture beyond the window (debug disable, no quiet wait: the next command is fenced) + debug reset + sip-proxy stats (the logout overlaps the analysis)',
  analysis: 'SIP summary (bot thread), then verdict, report text, transcript and ladder PNG in the worker pool, gzip in the thread pool',
  posting: 'parent post (start) + verdict, summary and 4 file uploads to the fake Slack',
  other: 'Bolt request handling, ack, service bookkeeping (audit, journal), progress edits',
};

export function splitTimeline(t0: number, timeline: CheckTimeline, windowMs: number): PhaseSplit | undefined {
  const debugAt = timeline.commands.findIndex((c) => c.command === COMMANDS.debugDisable);
  const firstDebug = timeline.commands[debugAt];
  // The config reads end with the last command before the capture's first `diagnose debug disable`.
  const readsEnd = debugAt > 0 ? timeline.commands[debugAt - 1].end : timeline.openEnd;
  const { startBegin, startEnd, openBegin, openEnd, captureBegin, captureEnd, resultBegin, resultEnd } = timeline;
  const analysing = timeline.phases.analysing;
  if (!firstDebug || readsEnd === undefined || startBegin === undefined || startEnd === undefined || openBegin === undefined || openEnd === undefined || captureBegin === undefined || captureEnd === undefined || resultBegin === undefined || resultEnd === undefined || analysing === undefined) return undefined;
  const total = resultEnd - t0;
  const split = {
    total,
    overhead: total - windowMs,
    handshake: openEnd - openBegin,
    configReads: readsEnd - openEnd,
    captureSetup: captureBegin - readsEnd,
    firstDisable: firstDebug.end - firstDebug.begin,
    captureTeardown: captureEnd - captureBegin - windowMs + (analysing - captureEnd),
    analysis: resultBegin - analysing,
    posting: startEnd - startBegin + (resultEnd - resultBegin),
    other: 0,
    commands: timeline.commands.length,
  };
  split.other = split.overhead - split.handshake - split.configReads - split.captureSetup - split.captureTeardown - split.analysis - split.posting;
  return split;
}

export async function benchOverhead(opts: { runs: number; latenciesMs: number[] }): Promise<BenchFigure[]> {
  const env = await Environment.start({ count: 1, slack: true });
  const limits = benchLimits();
  let timeline = newTimeline();
  const counters: BotCounters = { errors: 0, warnings: 0 };
  const inner = buildService({ inventory: benchInventory(env.firewalls), limits, openSession: timedOpener(makeSessionOpener(limits, BENCH_ENV), () => timeline), maxConcurrent: 10, tag: 'overhead', counters });
  let outcomeWaiter: ((o: HandleOutcome) => void) | undefined;
  const bot = await startHttpBot({ service: timedService(inner, () => timeline), slackApiUrl: env.slackApiUrl, counters, onOutcome: (o) => outcomeWaiter?.(o) });
  const figures: BenchFigure[] = [];
  try {
    const oneRun = async (): Promise<PhaseSplit | string> => {
      timeline = newTimeline();
      const outcome = new Promise<HandleOutcome>((resolve) => (outcomeWaiter = resolve));
      const t0 = nowMs();
      const status = await postSlashCommand(bot.url, `${env.firewalls[0].name} seconds=${WINDOW_SECONDS}`, env.slackBaseUrl ?? '');
      if (status !== 200) return `HTTP ${status}`;
      const o = await outcome;
      if (o.kind !== 'started') return `not started: ${o.kind === 'rejected' ? o.error.kind : o.kind}`;
      await o.done;
      if (timeline.failed) return `check failed: ${timeline.failed.kind}`;
      if (process.env.BENCH_TRACE === '1') traceTimeline(t0, timeline);
      return splitTimeline(t0, timeline, WINDOW_SECONDS * 1000) ?? 'incomplete timeline';
    };
    for (const latency of opts.latenciesMs) {
      await env.setLatency(latency);
      await oneRun(); // warm-up: JIT, lazy requires (resvg), TCP connections to the fake Slack
      const splits: PhaseSplit[] = [];
      const failures: string[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const r = await oneRun();
        if (typeof r === 'string') failures.push(r);
        else splits.push(r);
      }
      const tag = `lat${latency}`;
      const note = (extra: string) => `${extra}; median of ${splits.length} runs${failures.length ? `, ${failures.length} failed (${[...new Set(failures)].join('; ')})` : ''}, ${latency} ms per command`;
      for (const key of Object.keys(PHASE_NOTES) as Array<keyof typeof PHASE_NOTES>) {
        figures.push(figure(`check.${key}.${tag}`, median(splits.map((s) => s[key])), 'ms', note(PHASE_NOTES[key])));
      }
      figures.push(figure(`check.commands.${tag}`, median(splits.map((s) => s.commands)), 'count', 'CLI commands run per check (plus the capture)'));
      if (latency > 0) {
        const floor = median(splits.map((s) => s.commands)) * latency;
        figures.push(figure(`check.overheadVsFloor.${tag}`, median(splits.map((s) => s.overhead)) / floor, 'x', `overhead / (commands × ${latency} ms = ${Math.round(floor)} ms, the sequential floor); target ≤ 1.3`));
      }
    }
    const state = await env.state();
    figures.push(figure('check.configWrites', state.firewalls.reduce((n, f) => n + f.configWrites, 0), 'count', `config writes on the simulator over all checks (must be 0); debug left clean: ${state.firewalls.every((f) => f.debugClean)}; bot errors logged: ${counters.errors}`));
  } finally {
    await bot.stop();
    await inner.shutdown(5000);
    await env.stop();
  }
  return figures;
}

/** `BENCH_TRACE=1`: each run's commands and marks on stderr, in ms from the POST. */
function traceTimeline(t0: number, timeline: CheckTimeline): void {
  const at = (t: number | undefined) => (t === undefined ? '-' : (t - t0).toFixed(1));
  const lines = [
    `start ${at(timeline.startBegin)}..${at(timeline.startEnd)} open ${at(timeline.openBegin)}..${at(timeline.openEnd)}`,
    ...timeline.commands.map((c) => `  ${at(c.begin)}..${at(c.end)} (${(c.end - c.begin).toFixed(1)}) ${c.command}`),
    `capture ${at(timeline.captureBegin)}..${at(timeline.captureEnd)} phases ${Object.entries(timeline.phases).map(([k, v]) => `${k}@${at(v)}`).join(' ')} result ${at(timeline.resultBegin)}..${at(timeline.resultEnd)}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
}
