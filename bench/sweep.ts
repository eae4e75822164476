/**
 * Sweep (issue 13): 50, 200 and 500 simulated firewalls at 20 ms per command (one environment process), each count
 * swept once by a bot in a fresh child process (bench/sweepBot.ts, plain Node on transpiled JS) through
 * `createFleetService`: wall time, the bot's peak RSS and CPU time, the simulators' CPU time, config writes and
 * debug commands on the firewalls. Side by side: the same per-firewall read plan done the usual way, Netmiko
 * fast_cli in a 20-thread pool on 50 firewalls (bench/netmiko_sweep.py), and the ratio.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SINGLE_VDOM_GLOBAL_READS, vdomReads } from '../src/check/plan';
import { COMMANDS, DEFAULTS } from '../src/fortios/cli';
import type { BenchFigure } from './figures';
import { BENCH_PASSWORD, Environment, figure, OUT_DIR } from './lib';
import { ensureNetmiko, runPythonScript } from './netmiko';
import { buildBotJs, ReadOnlyViolationError } from './scale';
import type { SweepBotReport, SweepJob } from './sweepBot';

/** What the sweep sends to a single-VDOM firewall (src/fleet/collect.ts): no debug command. */
export const SWEEP_PLAN: readonly string[] = [COMMANDS.systemStatus, ...SINGLE_VDOM_GLOBAL_READS, ...vdomReads(DEFAULTS.sipUdpPort)];

function buildSweepBotJs(): string {
  buildBotJs(); // src/ and the shared bench files
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const out = path.join(OUT_DIR, 'js', 'bench', 'sweepBot.js');
  mkdirSync(path.dirname(out), { recursive: true });
  const js = ts.transpileModule(readFileSync(path.join(__dirname, 'sweepBot.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  writeFileSync(out, js.outputText);
  return out;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function runBot(script: string, job: SweepJob): Promise<SweepBotReport> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (m: { ok: true; report: SweepBotReport } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.report);
      else reject(new Error(m.error));
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`sweep bot exited with code ${code} before reporting`));
    });
    child.send(job);
  });
}

/** Busy share of all cores over an interval, from /proc/stat via os.cpus() (every process on the machine). */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

interface NetmikoSweep {
  netmiko: string | null;
  seconds: number;
  sessions: Array<{ seconds: number }>;
  errors: string[];
}

function runNetmikoSweep(spec: Record<string, unknown>, timeoutMs: number): Promise<NetmikoSweep> {
  return runPythonScript<NetmikoSweep>('netmiko_sweep.py', spec, timeoutMs, (reason) => ({ netmiko: null, seconds: 0, sessions: [], errors: [reason] }));
}

export async function benchSweep(opts: { counts: number[]; perCommandMs: number; maxConcurrent: number; concurrency: number; netmikoCount: number; netmikoThreads: number; notes: string[] }): Promise<BenchFigure[]> {
  const script = buildSweepBotJs();
  const env = await Environment.start({ count: Math.max(...opts.counts, opts.netmikoCount), perCommandMs: opts.perCommandMs });
  const figures: BenchFigure[] = [];
  const cores = os.cpus().length;
  let ours50: number | undefined;
  try {
    for (const count of opts.counts) {
      const before = await env.state();
      const cpu0 = cpuTimes();
      const report = await runBot(script, { firewalls: env.firewalls.slice(0, count), maxConcurrent: opts.maxConcurrent, concurrency: opts.concurrency });
      const cpu1 = cpuTimes();
      const after = await env.state();
      const tag = `${count}fw`;
      const wallS = report.totalMs / 1000;
      if (count === opts.netmikoCount) ours50 = wallS;
      const simCpuS = (after.cpuMs - before.cpuMs) / 1000;
      const machineBusy = (cpu1.busy - cpu0.busy) / Math.max(1, cpu1.total - cpu0.total);
      const used = after.firewalls.slice(0, count);
      const writes = used.reduce((n, f) => n + f.configWrites, 0) - before.firewalls.slice(0, count).reduce((n, f) => n + f.configWrites, 0);
      const debug = used.reduce((n, f) => n + f.debugCommands, 0) - before.firewalls.slice(0, count).reduce((n, f) => n + f.debugCommands, 0);
      const failed = report.errors.length ? `${report.errors.length} rows with errors (${report.errors.slice(0, 2).join('; ')})` : 'every firewall answered';
      figures.push(
        figure(`sweep.wall.${tag}`, wallS, 's', `${count} firewalls, ${opts.perCommandMs} ms per command, ${SWEEP_PLAN.length} commands each; SIP_CHECK_MAX_CONCURRENT=${opts.maxConcurrent}, SIP_CHECK_SWEEP_CONCURRENCY=${opts.concurrency}; ${failed}; per firewall median ${Math.round(report.perFirewallMs.median)} ms, max ${Math.round(report.perFirewallMs.max)} ms`),
        figure(`sweep.peakRss.${tag}`, report.peakRssMB, 'MB', `bot child process (VmHWM); ${Math.round(report.baselineRssMB)} MB before the sweep`),
        figure(`sweep.botCpu.${tag}`, report.cpuMs / 1000, 's', `bot CPU time (user + system) during the sweep: ${Math.round((report.cpuMs / 1000 / wallS / cores) * 100)}% of ${cores} cores`),
        figure(`sweep.simulatorCpu.${tag}`, simCpuS, 's', `the simulated firewalls' process: ${Math.round((simCpuS / wallS / cores) * 100)}% of ${cores} cores; whole machine busy ${Math.round(machineBusy * 100)}% (other processes included)`),
        figure(`sweep.configWrites.${tag}`, writes, 'count'),
        figure(`sweep.debugCommands.${tag}`, debug, 'count', '`diagnose debug ...` received by the firewalls'),
      );
      const violations = used.flatMap((f) => f.violations.map((v) => `${f.name}: ${v}`));
      figures.push(figure(`sweep.readOnlyViolations.${tag}`, violations.length, 'count', `lines outside the read-only allow-list (src/fortios/readOnly.ts) over ${count} firewalls`));
      if (violations.length) throw new ReadOnlyViolationError(`the sweep sent ${violations.length} line(s) outside the read-only allow-list:\n${[...new Set(violations)].slice(0, 20).join('\n')}`);
      if (machineBusy > 0.9) {
        const machineS = machineBusy * cores * wallS;
        const otherS = Math.max(0, machineS - simCpuS - report.cpuMs / 1000);
        opts.notes.push(
          `sweep ${tag}: the machine was ${Math.round(machineBusy * 100)}% busy (CPU-bound): of ${round1(machineS)} CPU-seconds the bot used ${round1(report.cpuMs / 1000)}, the simulators ${round1(simCpuS)}, other processes ${round1(otherS)}; the wall time is limited by ${simCpuS > report.cpuMs / 1000 ? 'the simulators more than by the bot' : otherS > report.cpuMs / 1000 ? 'other work on the machine more than by the bot' : 'the bot itself'}`,
        );
      }
    }

    const available = await ensureNetmiko();
    if (!available.ok) {
      opts.notes.push(`sweep netmiko: skipped: ${available.reason}`);
    } else {
      const fws = env.firewalls.slice(0, opts.netmikoCount);
      const result = await runNetmikoSweep({ firewalls: fws.map((f) => ({ host: '127.0.0.1', port: f.port })), username: 'admin', password: BENCH_PASSWORD, commands: SWEEP_PLAN, threads: opts.netmikoThreads }, 900_000);
      if (result.errors.length) opts.notes.push(`sweep netmiko: ${result.errors.length} errors: ${result.errors.slice(0, 3).join(' | ')}`);
      if (result.sessions.length) {
        figures.push(figure(`sweep.netmikoFastCli.wall.${opts.netmikoCount}fw`, result.seconds, 's', `Netmiko ${result.netmiko} device_type=fortinet fast_cli=True, ThreadPoolExecutor(${opts.netmikoThreads}): ConnectHandler + the same ${SWEEP_PLAN.length} commands + disconnect per firewall; ${result.sessions.length} sessions, ${result.errors.length} errors`));
        if (ours50 !== undefined) figures.push(figure(`sweep.netmikoFastCliVsOurs.${opts.netmikoCount}fw`, result.seconds / ours50, 'x', 'Netmiko pool wall time / ours'));
      }
    }
  } finally {
    await env.stop();
  }
  return figures;
}
