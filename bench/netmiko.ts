/**
 * Peer comparison: the config-read plan of a single-VDOM check (`get system status`, the session-helper table, the
 * per-VDOM reads of src/check/plan.ts) run against the same simulator by Netmiko 2.4.2 (`device_type='fortinet'`,
 * defaults and `fast_cli=True`, bench/netmiko_plan.py) and by our driver (`openSession` + `run` per command +
 * `close`). Per session: connect, the plan, disconnect. Also the simulator's config writes per session.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { makeSessionOpener } from '../src/check/connect';
import { SINGLE_VDOM_GLOBAL_READS, vdomReads } from '../src/check/plan';
import { COMMANDS, DEFAULTS } from '../src/fortios/cli';
import type { BenchFigure } from './figures';
import { BENCH_ENV, BENCH_PASSWORD, benchLimits, Environment, figure, firewallEntry, median, nowMs } from './lib';

/** Netmiko only imports under Debian's own interpreter (the apt package installs into its dist-packages). */
const SYSTEM_PYTHON = '/usr/bin/python3';

export const CONFIG_READ_PLAN: readonly string[] = [COMMANDS.systemStatus, ...SINGLE_VDOM_GLOBAL_READS, ...vdomReads(DEFAULTS.sipUdpPort)];

function run(file: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}` }));
  });
}

/** Imports netmiko, installing Debian's python3-netmiko first when missing (apt-get update only if that fails). */
export async function ensureNetmiko(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const probe = () => run(SYSTEM_PYTHON, ['-c', 'import netmiko; print(netmiko.__version__)'], 60_000);
  let p = await probe();
  if (p.ok) return { ok: true, version: p.output.trim() };
  process.stderr.write('bench: netmiko missing: apt-get install -y python3-netmiko\n');
  let install = await run('apt-get', ['install', '-y', 'python3-netmiko'], 600_000);
  if (!install.ok) {
    process.stderr.write('bench: apt-get install failed; apt-get update and retry\n');
    await run('apt-get', ['update'], 600_000);
    install = await run('apt-get', ['install', '-y', 'python3-netmiko'], 600_000);
  }
  p = await probe();
  if (p.ok) return { ok: true, version: p.output.trim() };
  return { ok: false, reason: `python3-netmiko could not be installed or imported under ${SYSTEM_PYTHON}: ${install.output.trim().split('\n').slice(-2).join(' | ')}` };
}

interface NetmikoRun {
  netmiko: string | null;
  sessions: Array<{ seconds: number; connect_seconds: number; commands: number; chars: number }>;
  error: string | null;
}

/**
 * Runs one of our Netmiko scripts under the system Python with `spec` as JSON on stdin; its stdout is one JSON result.
 * No result (a crash, the timeout) gives `failed(reason)` instead.
 */
export function runPythonScript<T>(script: string, spec: Record<string, unknown>, timeoutMs: number, failed: (reason: string) => T): Promise<T> {
  return new Promise((resolve) => {
    const child = spawn(SYSTEM_PYTHON, [path.join(__dirname, script)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        resolve(failed(`${script} gave no result: ${err.trim().split('\n').slice(-3).join(' | ') || 'killed (timeout)'}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

function runNetmiko(spec: Record<string, unknown>, timeoutMs: number): Promise<NetmikoRun> {
  return runPythonScript<NetmikoRun>('netmiko_plan.py', spec, timeoutMs, (error) => ({ netmiko: null, sessions: [], error }));
}

export async function benchNetmiko(opts: { latenciesMs: number[]; defaults: boolean; runs: number; notes: string[]; oursRuns?: number }): Promise<BenchFigure[]> {
  const available = await ensureNetmiko();
  if (!available.ok) {
    opts.notes.push(`netmiko: skipped: ${available.reason}`);
    process.stderr.write(`bench: netmiko skipped: ${available.reason}\n`);
    return [];
  }
  const env = await Environment.start({ count: 1 });
  const fw = env.firewalls[0];
  const limits = benchLimits();
  const open = makeSessionOpener(limits, BENCH_ENV);
  const entry = firewallEntry(fw);
  const writes = async () => (await env.state()).firewalls[0].configWrites;
  const figures: BenchFigure[] = [];
  const plan = `${CONFIG_READ_PLAN.length} commands: ${CONFIG_READ_PLAN[0]}, ${SINGLE_VDOM_GLOBAL_READS.join(', ')}, the per-VDOM reads`;
  try {
    for (const latency of opts.latenciesMs) {
      await env.setLatency(latency);
      const tag = `lat${latency}`;

      // Ours: a warm-up session, then N timed ones.
      const oursRuns = opts.oursRuns ?? 10;
      const ours: number[] = [];
      let oursErrors = 0;
      const before = await writes();
      for (let i = 0; i <= oursRuns; i++) {
        const t = nowMs();
        const session = await open(entry);
        for (const command of CONFIG_READ_PLAN) if ((await session.run(command)).error) oursErrors += 1;
        await session.close();
        if (i > 0) ours.push(nowMs() - t);
      }
      const oursWrites = ((await writes()) - before) / (oursRuns + 1);
      const oursMs = median(ours);
      figures.push(figure(`peer.ours.session.${tag}`, oursMs, 'ms', `openSession + ${plan} + close; median of ${oursRuns}; ${latency} ms per command; CLI errors ${oursErrors}`));
      figures.push(figure(`peer.ours.configWrites.${tag}`, oursWrites, 'per session'));

      for (const mode of opts.defaults ? (['fast_cli', 'defaults'] as const) : (['fast_cli'] as const)) {
        const runs = mode === 'defaults' ? 1 : opts.runs;
        const beforeN = await writes();
        const result = await runNetmiko({ host: '127.0.0.1', port: fw.port, username: 'admin', password: BENCH_PASSWORD, commands: CONFIG_READ_PLAN, fast_cli: mode === 'fast_cli', runs }, 600_000);
        const writesN = (await writes()) - beforeN;
        if (result.error) opts.notes.push(`netmiko ${mode} ${tag}: ${result.error}`);
        if (result.sessions.length === 0) continue;
        const ms = median(result.sessions.map((s) => s.seconds * 1000));
        const connectMs = median(result.sessions.map((s) => s.connect_seconds * 1000));
        const name = mode === 'fast_cli' ? 'netmikoFastCli' : 'netmikoDefaults';
        figures.push(figure(`peer.${name}.session.${tag}`, ms, 'ms', `Netmiko ${result.netmiko} device_type=fortinet${mode === 'fast_cli' ? ' fast_cli=True' : ''}: ConnectHandler + the same plan (send_command) + disconnect; median of ${result.sessions.length}; of which connect + session_preparation ${Math.round(connectMs)} ms`));
        figures.push(figure(`peer.${name}.configWrites.${tag}`, writesN / result.sessions.length, 'per session', 'session_preparation: config system console / set output standard / end; cleanup writes the mode back'));
        figures.push(figure(`peer.${name}VsOurs.${tag}`, ms / oursMs, 'x', 'Netmiko session time / ours'));
      }
    }
  } finally {
    await env.stop();
  }
  return figures;
}
