/**
 * Slash-command ack latency: signed, form-encoded `/sip-check` requests over loopback to the real Bolt app in
 * HTTP mode (`app.start(0)`), its Web API calls going to the fake Slack. Requests are sent open-loop at a fixed
 * rate (each timed on its own: a slow ack does not delay the next request), while real checks run in the
 * background against simulated firewalls. Latency = POST sent → HTTP response headers (Bolt answers on `ack()`).
 * Baseline: the same bot, idle, answering `help` (no check, an ephemeral reply).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { makeSessionOpener } from '../src/check/connect';
import type { HandleOutcome } from '../src/check/service';
import { buildService, newTimeline, postSlashCommand, slashCommandRequest, startHttpBot, timedService, type BotCounters, type CheckTimeline } from './bot';
import type { BenchFigure } from './figures';
import { BENCH_ENV, benchInventory, benchLimits, Environment, figure, nowMs, quantile, sleep } from './lib';

const WINDOW_SECONDS = 1;
/**
 * Device latency of the background checks. 0, not 20: at 20 ms the simulator streams debug lines before the prompt
 * of `diagnose debug enable` (split mid-line), the driver misses that prompt and ~30% of checks time out after 10 s,
 * holding their firewall busy (reported to the lead; see the overhead and scale sections, which run at 20 ms).
 */
const PER_COMMAND_MS = 0;

export async function benchAck(opts: { requests: number; firewalls: number; maxConcurrent: number; name: string; intervalMs?: number }): Promise<BenchFigure[]> {
  const intervalMs = opts.intervalMs ?? 40;
  const n = (suffix: string) => `${opts.name}.${suffix}`;
  const env = await Environment.start({ count: opts.firewalls, slack: true, perCommandMs: PER_COMMAND_MS });
  const limits = benchLimits();
  const counters: BotCounters = { errors: 0, warnings: 0 };
  const inner = buildService({ inventory: benchInventory(env.firewalls), limits, openSession: makeSessionOpener(limits, BENCH_ENV), maxConcurrent: opts.maxConcurrent, tag: 'ack', counters });
  const timelines: CheckTimeline[] = [];
  const service = timedService(inner, () => {
    const t = newTimeline();
    timelines.push(t);
    return t;
  });
  const busy = new Set<string>();
  const running: Array<Promise<void>> = [];
  const outcomes: Record<string, number> = {};
  const bot = await startHttpBot({
    service,
    slackApiUrl: env.slackApiUrl,
    counters,
    onOutcome: (o: HandleOutcome) => {
      const key = o.kind === 'rejected' ? `rejected:${o.error.kind}` : o.kind;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (o.kind === 'started') {
        busy.add(o.firewall);
        running.push(o.done.finally(() => busy.delete(o.firewall)));
      }
    },
  });
  const slackBase = env.slackBaseUrl ?? '';
  const figures: BenchFigure[] = [];
  try {
    // Warm-up (JIT, connections, and one whole check: modules loaded on first use, ts-node compiling them, would
    // otherwise stall the loop during the measurement), then the idle baseline: `help` answers without a check.
    for (let i = 0; i < 20; i++) await postSlashCommand(bot.url, 'help', slackBase);
    await postSlashCommand(bot.url, `${env.firewalls[0].name} seconds=${WINDOW_SECONDS}`, slackBase);
    // Its outcome arrives after the ack.
    for (let i = 0; i < 100 && running.length === 0; i++) await sleep(20);
    await Promise.allSettled(running.splice(0));
    timelines.splice(0);
    for (const key of Object.keys(outcomes)) delete outcomes[key];
    const idle: number[] = [];
    for (let i = 0; i < Math.min(200, opts.requests); i++) {
      const t = nowMs();
      const status = await postSlashCommand(bot.url, 'help', slackBase);
      if (status === 200) idle.push(nowMs() - t);
    }
    delete outcomes.help;

    const names = env.firewalls.map((f) => f.name);
    let cursor = 0;
    const pick = (): string => {
      // Idle firewalls first, round robin; when all are busy the request goes anyway (and is rejected `busy`).
      for (let k = 0; k < names.length; k++) {
        const name = names[(cursor + k) % names.length];
        if (!busy.has(name)) {
          cursor = (cursor + k + 1) % names.length;
          return name;
        }
      }
      cursor = (cursor + 1) % names.length;
      return names[cursor];
    };
    const latencies: number[] = [];
    let non200 = 0;
    // Event-loop delay of the bot process while loaded: synchronous work in checks delays every ack.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    // How busy the loop and the process were: a long delay with a low utilisation is the machine starving the
    // process (other work on the cores), not work of ours blocking the loop.
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const inFlight: Array<Promise<void>> = [];
    const start = nowMs();
    for (let i = 0; i < opts.requests; i++) {
      const due = start + i * intervalMs;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      const { body, headers } = slashCommandRequest(`${pick()} seconds=${WINDOW_SECONDS}`, slackBase);
      const t = nowMs();
      inFlight.push(
        fetch(bot.url, { method: 'POST', headers, body }).then(
          async (res) => {
            latencies.push(nowMs() - t);
            if (res.status !== 200) non200 += 1;
            await res.arrayBuffer();
          },
          () => {
            non200 += 1;
          },
        ),
      );
      // Busy bookkeeping comes from onOutcome, which runs after the ack: yield so it can.
      await Promise.resolve();
    }
    await Promise.all(inFlight);
    const sendSeconds = (nowMs() - start) / 1000;
    loopDelay.disable();
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    await Promise.allSettled(running);
    const state = await env.state();

    const started = outcomes.started ?? 0;
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    const rejections = Object.entries(outcomes).filter(([k]) => k.startsWith('rejected:')).map(([k, n]) => `${k.slice('rejected:'.length)} ${n}`).join(', ') || 'none';
    const load = `${opts.requests} requests at ${Math.round(1000 / intervalMs)}/s over ${sendSeconds.toFixed(1)} s; real checks (${WINDOW_SECONDS} s window, ${PER_COMMAND_MS} ms per command) against ${opts.firewalls} simulated firewalls (other process), service concurrency ${opts.maxConcurrent}`;
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    const idleP50 = quantile(idle, 0.5);
    const idleP99 = quantile(idle, 0.99);
    const verdicts = timelines.filter((t) => t.verdict !== undefined).length;
    const failedKinds = countBy(timelines.flatMap((t) => (t.failed ? [`${t.failed.kind}: ${t.failed.message.replace(/^fw\d+: /, '')}`] : [])));
    figures.push(
      figure(n('p50'), p50, 'ms', load),
      figure(n('p99'), p99, 'ms', load),
      figure(n('max'), Math.max(...latencies), 'ms', `${non200} non-200 answers`),
      figure(n('idle.p50'), idleP50, 'ms', `${idle.length} \`help\` requests, no checks running (baseline)`),
      figure(n('idle.p99'), idleP99, 'ms', `${idle.length} \`help\` requests, no checks running (baseline)`),
      figure(n('p99.loadedVsIdle'), p99 / idleP99, 'x', 'p99 under load / p99 idle'),
      figure(n('eventLoopDelay.p99'), loopDelay.percentile(99) / 1e6, 'ms', 'perf_hooks.monitorEventLoopDelay in the bot process while the requests were sent'),
      figure(n('eventLoopDelay.max'), loopDelay.max / 1e6, 'ms', 'longest single event-loop stall (synchronous work: analysis, ladder PNG, gzip, SSH crypto)'),
      figure(n('eventLoopUtilization'), 100 * elu.utilization, '%', 'share of the time the bot\'s event loop was running code (not waiting) while the requests were sent'),
      figure(n('botCpu'), (100 * (cpu.user + cpu.system)) / 1e6 / sendSeconds, '%', 'CPU time of the bot process (all its threads: event loop, analysis workers, GC, thread pool) per wall second, 100 = one core'),
      figure(n('started'), total ? (100 * started) / total : 0, '%', `${started} of ${total} commands started a check; rejected: ${rejections}`),
      figure(n('checksVerdicts'), verdicts, 'count', `checks that posted a verdict; failed: ${failedKinds || 'none'}; Slack calls ${Object.values(state.slackCalls).reduce((a, b) => a + b, 0)}; config writes ${state.firewalls.reduce((sum, f) => sum + f.configWrites, 0)}; debug left clean on all: ${state.firewalls.every((f) => f.debugClean)}; bot errors logged: ${counters.errors}`),
    );
  } finally {
    await bot.stop();
    await service.shutdown(10_000);
    await env.stop();
  }
  return figures;
}

/** `a ×3; b ×1`, most frequent first. */
function countBy(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join('; ');
}
