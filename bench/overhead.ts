/**
 * Check overhead: a signed `/sip-check fw01 seconds=1` through the real Bolt app (HTTP mode) → service → check
 * against a simulated FortiGate → verdict and files posted to the fake Slack. Overhead = command to posted verdict
 * minus the 1 s capture window, split by phase from the reporter's and the session's timestamps; median of N runs.
 * Issue 23: the time from the command to the first verdict posted (the card from the configuration), against the
 * config-read floor (the commands before the first `diagnose debug` line × the per-command latency), and the
 * config-only check (`fw01 config`) end to end.
 */
import { makeSessionOpener } from '../src/check/connect';
import type { HandleOutcome } from '../src/check/service';
import { COMMANDS } from '../src/fortios/cli';
import { buildService, newTimeline, postSlashCommand, startHttpBot, timedOpener, timedService, type BotCounters, type CheckTimeline } from './bot';
import type { BenchFigure } from './figures';
import { BENCH_ENV, benchInventory, benchLimits, Environment, figure, median, nowMs } from './lib';

// Two seconds, not one: the verdict card from the configuration is edited at most once per 1.5 s (Slack's rate
// for chat.update per message), so a one-second window would measure that wait before the final card, which
// no capture of the usual length (20 s) meets.
const WINDOW_SECONDS = 2;

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
  /** Signed POST to the card from the configuration posted in the thread (issue 23). */
  timeToVerdict: number;
  commands: number;
  /** Commands before the first `diagnose debug` line: the config reads and the counters (the issue's floor). */
  configCommands: number;
  /** Commands answered before the first verdict was handed to the reporter: the config reads it needs. */
  verdictCommands: number;
}

const PHASE_NOTES: Record<Exclude<keyof PhaseSplit, 'commands' | 'configCommands' | 'verdictCommands'>, string> = {
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
  timeToVerdict: 'signed POST to the first verdict posted: the card from the configuration in the thread (issue 23), before debug starts',
};

export function splitTimeline(t0: number, timeline: CheckTimeline, windowMs: number): PhaseSplit | undefined {
  const debugAt = timeline.commands.findIndex((c) => c.command === COMMANDS.debugDisable);
  const firstDebug = timeline.commands[debugAt];
  // The config reads end with the last command before the capture's first `diagnose debug disable`.
  const readsEnd = debugAt > 0 ? timeline.commands[debugAt - 1].end : timeline.openEnd;
  const { startBegin, startEnd, openBegin, openEnd, captureBegin, captureEnd, resultBegin, resultEnd } = timeline;
  const analysing = timeline.phases.analysing;
  const { verdictBegin, verdictEnd } = timeline;
  if (verdictBegin === undefined || verdictEnd === undefined || !firstDebug || readsEnd === undefined || startBegin === undefined || startEnd === undefined || openBegin === undefined || openEnd === undefined || captureBegin === undefined || captureEnd === undefined || resultBegin === undefined || resultEnd === undefined || analysing === undefined) return undefined;
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
    timeToVerdict: verdictEnd - t0,
    commands: timeline.commands.length,
    configCommands: configCommandsOf(timeline),
    verdictCommands: timeline.commands.filter((c) => c.end <= verdictBegin).length,
  };
  split.other = split.overhead - split.handshake - split.configReads - split.captureSetup - split.captureTeardown - split.analysis - split.posting;
  return split;
}

/** Commands before the first `diagnose debug` line (the first of the capture is `diagnose debug info`). */
function configCommandsOf(timeline: CheckTimeline): number {
  const at = timeline.commands.findIndex((c) => /^diagnose debug\b/.test(c.command));
  return at < 0 ? timeline.commands.length : at;
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
    /** One command through the bot; the timeline and its start, or why it did not complete. */
    const post = async (text: string): Promise<{ t0: number } | string> => {
      timeline = newTimeline();
      const outcome = new Promise<HandleOutcome>((resolve) => (outcomeWaiter = resolve));
      const t0 = nowMs();
      const status = await postSlashCommand(bot.url, text, env.slackBaseUrl ?? '');
      if (status !== 200) return `HTTP ${status}`;
      const o = await outcome;
      if (o.kind !== 'started') return `not started: ${o.kind === 'rejected' ? o.error.kind : o.kind}`;
      await o.done;
      if (timeline.failed) return `check failed: ${timeline.failed.kind}`;
      if (process.env.BENCH_TRACE === '1') traceTimeline(t0, timeline);
      return { t0 };
    };
    const oneRun = async (): Promise<PhaseSplit | string> => {
      const r = await post(`${env.firewalls[0].name} seconds=${WINDOW_SECONDS}`);
      if (typeof r === 'string') return r;
      return splitTimeline(r.t0, timeline, WINDOW_SECONDS * 1000) ?? 'incomplete timeline';
    };
    /** `fw01 config`: command to the card and files posted; the commands it sent, and how many were debug lines. */
    const configOnlyRun = async (): Promise<{ total: number; commands: number; debugCommands: number } | string> => {
      const r = await post(`${env.firewalls[0].name} config`);
      if (typeof r === 'string') return r;
      if (timeline.resultEnd === undefined) return 'incomplete timeline';
      return { total: timeline.resultEnd - r.t0, commands: timeline.commands.length, debugCommands: timeline.commands.filter((c) => /^diag(?:nose)? debug\b/.test(c.command)).length };
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
      figures.push(figure(`check.configCommands.${tag}`, median(splits.map((s) => s.configCommands)), 'count', 'CLI commands before the first `diagnose debug` line (config reads and counters)'));
      if (latency > 0) {
        const floor = median(splits.map((s) => s.configCommands)) * latency;
        figures.push(figure(`check.timeToVerdictVsFloor.${tag}`, median(splits.map((s) => s.timeToVerdict)) / floor, 'x', `timeToVerdict / (commands before debug × ${latency} ms = ${Math.round(floor)} ms, the config-read floor); target ≤ 1.3 and under 500 ms at 20 ms per command`));
        const own = median(splits.map((s) => s.verdictCommands)) * latency;
        figures.push(figure(`check.timeToVerdictVsOwnReads.${tag}`, median(splits.map((s) => s.timeToVerdict)) / own, 'x', `timeToVerdict / (the config reads the verdict waits for × ${latency} ms = ${Math.round(own)} ms): the overhead of handshake, posts and analysis`));
      }
      figures.push(figure(`check.verdictCommands.${tag}`, median(splits.map((s) => s.verdictCommands)), 'count', 'CLI commands answered before the first verdict (the configuration; the counters come after it)'));
      // The config-only check (`config`: no debug), end to end.
      const configRuns: Array<{ total: number; commands: number; debugCommands: number }> = [];
      const configFailures: string[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const r = await configOnlyRun();
        if (typeof r === 'string') configFailures.push(r);
        else configRuns.push(r);
      }
      const configNote = (extra: string) => `${extra}; median of ${configRuns.length} runs${configFailures.length ? `, ${configFailures.length} failed (${[...new Set(configFailures)].join('; ')})` : ''}, ${latency} ms per command`;
      figures.push(figure(`check.configOnly.total.${tag}`, median(configRuns.map((r) => r.total)), 'ms', configNote('signed POST `fw01 config` to the card and files posted (configuration and counters, no debug)')));
      figures.push(figure(`check.configOnly.commands.${tag}`, median(configRuns.map((r) => r.commands)), 'count', configNote('CLI commands of a config-only check')));
      figures.push(figure(`check.configOnly.debugCommands.${tag}`, configRuns.reduce((n, r) => n + r.debugCommands, 0), 'count', configNote('`diagnose debug` lines sent by config-only checks, all runs (must be 0)')));
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
    `verdict ${at(timeline.verdictBegin)}..${at(timeline.verdictEnd)} capture ${at(timeline.captureBegin)}..${at(timeline.captureEnd)} phases ${Object.entries(timeline.phases).map(([k, v]) => `${k}@${at(v)}`).join(' ')} result ${at(timeline.resultBegin)}..${at(timeline.resultEnd)}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
}
