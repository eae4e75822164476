/**
 * `npm run bench`: the benchmarks of issue 7, measured side by side in one run; nothing is asserted.
 * Prints one line per figure (`name value unit`) and writes them, with the date, Node version, CPU and notes,
 * to bench/results.json.
 *
 *   npm run bench                      full run (about 6 minutes on 2 cores)
 *   npm run bench -- --quick           smaller counts and sizes (about 2 minutes); also BENCH_QUICK=1
 *   npm run bench -- --only=ack,scale  some sections: ack, overhead, netmiko, parser, scale (also BENCH_ONLY)
 *
 * Sections:
 *   ack       slash-command ack latency through the real Bolt app (HTTP mode), p50/p99 over 1,000 signed
 *             requests at 25/s (--quick: 200) while real checks run against simulated firewalls: at the default
 *             concurrency limit (10 checks, 20 firewalls), then a stress variant (40 checks, 40 firewalls); the bot
 *             runs the production worker pool (bench/bot.ts buildService)
 *   overhead  command → posted verdict minus the 1 s capture window, split by phase; median of 10 runs
 *             (--quick: 3) at 0 and 20 ms per command; command → first verdict posted (the card from the
 *             configuration, issue 23) and its ratio to the config-read floor; `fw01 config` end to end
 *   netmiko   the config-read plan by Netmiko 2.4.2 (defaults and fast_cli) and by our driver, at 0 and 20 ms
 *             (--quick: fast_cli only); apt-get installs python3-netmiko when missing, or the section is skipped
 *   parser    bench/parser.ts: 10 MB and 500 MB debug logs (--quick: 10 MB), whole analyzer and parse-only, wall
 *             clock and per CPU-second (the machine may be shared: CPU time is the honest figure then), and as
 *             `analyze FILE --json`; bench/pcap.ts: the same kind of log, 100 MB, converted to a pcapng capture file
 *             (--quick: 10 MB)
 *   scale     1, 10 and 50 firewalls through createCheckService (concurrency 10), 2 s window, 20 ms per command;
 *             the bot runs in a child process whose peak RSS (VmHWM) is read (--quick: 1 and 10); every line the
 *             simulated firewalls received is held to the read-only allow-list: one violation fails the run (exit 1)
 *   sweep     fleet sweeps of 50, 200 and 500 firewalls at 20 ms per command (bench/sweep.ts): wall, bot peak RSS and
 *             CPU, simulator CPU, config writes, debug commands, read-only violations; Netmiko fast_cli in a 20-thread
 *             pool on 50 firewalls and the ratio (--quick: 50 only)
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchAck } from './ack';
import type { BenchFigure } from './figures';
import { OUT_DIR } from './lib';
import { benchNetmiko } from './netmiko';
import { benchOverhead } from './overhead';
import { benchParser } from './parser';
import { benchPcap } from './pcap';
import { benchScale, ReadOnlyViolationError } from './scale';
import { benchSweep } from './sweep';

const SECTIONS = ['ack', 'overhead', 'netmiko', 'parser', 'scale', 'sweep'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  only: Set<Section>;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? env.BENCH_ONLY;
  const wanted = onlyArg ? onlyArg.split(',').map((s) => s.trim()).filter(Boolean) : [...SECTIONS];
  const unknown = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  return { quick, only: new Set(wanted as Section[]) };
}

function print(figures: readonly BenchFigure[]): void {
  // Fixed minimum widths, so the sections printed one after another line up.
  const nameWidth = Math.max(40, ...figures.map((f) => f.name.length));
  const valueWidth = Math.max(10, ...figures.map((f) => String(f.value).length));
  for (const f of figures) process.stdout.write(`${f.name.padEnd(nameWidth)}  ${String(f.value).padStart(valueWidth)} ${f.unit}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  mkdirSync(OUT_DIR, { recursive: true });
  // The audit logs and journals of earlier runs (the service appends to them).
  for (const f of readdirSync(OUT_DIR)) if (/^(audit-.*\.log|journal-.*\.json.*)$/.test(f)) rmSync(path.join(OUT_DIR, f), { force: true });
  const figures: BenchFigure[] = [];
  const notes: string[] = [
    'One machine, loopback: the simulated FortiGates and the fake Slack Web API run in a child process (bench/environment.ts) on the same cores as the bot; other processes on the machine also compete (see loadAverage).',
  ];
  const startedAt = new Date();
  /** Safety failures: reported after the results are written, then the run exits 1. */
  const unsafe: string[] = [];
  /** Sections that threw: their figures are missing, so the run fails (after the others ran and were written). */
  const failedSections: string[] = [];
  const loadAtStart = os.loadavg();
  const section = async (name: Section, fn: () => Promise<BenchFigure[]>) => {
    if (!options.only.has(name)) return;
    process.stderr.write(`bench: ${name}...\n`);
    const t = Date.now();
    try {
      const got = await fn();
      print(got);
      figures.push(...got);
      process.stderr.write(`bench: ${name} done in ${Math.round((Date.now() - t) / 1000)} s\n`);
    } catch (e) {
      const message = `${name}: failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
      notes.push(message);
      process.stderr.write(`bench: ${message}\n`);
      if (e instanceof ReadOnlyViolationError) unsafe.push(e.message);
      else failedSections.push(name);
    }
  };

  // At the production concurrency limit (10), then a stress variant with 40 checks allowed at once.
  await section('ack', async () => [
    ...(await benchAck({ name: 'ack', requests: options.quick ? 200 : 1000, firewalls: 20, maxConcurrent: 10 })),
    ...(await benchAck({ name: 'ackStress', requests: options.quick ? 200 : 1000, firewalls: 40, maxConcurrent: 40 })),
  ]);
  await section('overhead', () => benchOverhead({ runs: options.quick ? 3 : 10, latenciesMs: [0, 20] }));
  await section('netmiko', () => benchNetmiko({ latenciesMs: [0, 20], defaults: !options.quick, runs: options.quick ? 1 : 3, notes }));
  // bench/parser.ts is another engineer's (throughput, peak RSS, grep as reference).
  await section('parser', async () => [
    ...(await benchParser({ sizesMB: options.quick ? [10] : [10, 500], tmpDir: path.join(OUT_DIR, 'parser') })),
    // Capture-file conversion (issue 14): a 100 MB level -1 log to pcapng.
    ...(await benchPcap({ sizesMB: options.quick ? [10] : [100], tmpDir: path.join(OUT_DIR, 'parser') })),
  ]);
  await section('scale', () => benchScale({ counts: options.quick ? [1, 10] : [1, 10, 50], windowSeconds: 2, perCommandMs: 20, maxConcurrent: 10 }));
  // A sweep at a raised cap (40, sweeps take at most half: 20 at once); Netmiko fast_cli in a 20-thread pool beside it.
  await section('sweep', () => benchSweep({ counts: options.quick ? [50] : [50, 200, 500], perCommandMs: 20, maxConcurrent: 40, concurrency: 20, netmikoCount: 50, netmikoThreads: 20, notes }));

  const results = {
    date: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverage: { start: loadAtStart.map((n) => Math.round(n * 100) / 100), end: os.loadavg().map((n) => Math.round(n * 100) / 100) },
    options: { quick: options.quick, sections: [...options.only] },
    notes,
    figures,
  };
  writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stderr.write(`bench: ${figures.length} figures written to bench/results.json; notes:\n  ${notes.join('\n  ')}\n`);
  if (unsafe.length) throw new Error(`UNSAFE: ${unsafe.join('\n')}`);
  // A figure without a value is a measurement that did not happen (every run failed): a run that prints NaN
  // and exits 0 reads as a result.
  if (failedSections.length) throw new Error(`section(s) failed: ${failedSections.join(', ')} (see the notes above)`);
  const empty = figures.filter((f) => !Number.isFinite(f.value));
  if (empty.length) throw new Error(`${empty.length} figure(s) without a value (all their runs failed): ${empty.slice(0, 5).map((f) => `${f.name}${f.note ? ` (${f.note})` : ''}`).join('; ')}${empty.length > 5 ? '; …' : ''}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
