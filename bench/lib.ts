/**
 * Shared pieces of the benchmarks: statistics, check limits, the inventory of simulated firewalls, and the client
 * of the environment child (`bench/environment.ts`: simulated FortiGates and the fake Slack Web API in their own
 * process, so the bot side is measured without the device's CPU in its event loop).
 */
import { loadAppConfig } from '../src/config/env';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckLimits, FirewallEntry, Inventory } from '../src/config/types';
import type { BenchFigure } from './figures';

export const OUT_DIR = path.join(__dirname, 'out');
export const DEMO_SCENARIO = path.join(__dirname, '..', 'src', 'simulator', 'scenarios', 'fw-demo.txt');
export const BENCH_PASSWORD = 'Bench-Pa55word-0123!';
export const PASSWORD_ENV = 'SIP_CHECK_BENCH_PASSWORD';
export const BENCH_ENV: NodeJS.ProcessEnv = { [PASSWORD_ENV]: BENCH_PASSWORD };
export const BENCH_USER = 'U0BENCH';
/** The environment child runs TypeScript through ts-node's transpile-only hook, as `npm run bench` does. */
export const TS_EXEC_ARGV = ['-r', 'ts-node/register/transpile-only'];

/** The production defaults where they matter for timing (command and connect timeouts do not change the fast path). */
export function benchLimits(over: Partial<CheckLimits> = {}): CheckLimits {
  return { ...loadAppConfig({}).limits, defaultSeconds: 1, commandTimeoutMs: 10_000, checkTimeoutMs: 120_000, ...over };
}

export interface SimulatedFirewallInfo {
  name: string;
  port: number;
  fingerprint: string;
}

export function firewallEntry(fw: SimulatedFirewallInfo): FirewallEntry {
  return {
    name: fw.name,
    host: '127.0.0.1',
    port: fw.port,
    username: 'admin',
    auth: { type: 'password', passwordEnv: PASSWORD_ENV },
    hostKey: { fingerprints: [fw.fingerprint] },
    allow: { users: [BENCH_USER], userGroups: [], channels: [] },
    algorithms: 'default',
  };
}

export function benchInventory(firewalls: SimulatedFirewallInfo[]): Inventory {
  return { source: '(bench)', firewalls: firewalls.map(firewallEntry), warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// Statistics.

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: p99 of 1,000 samples is the 990th smallest.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function nowMs(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function figure(name: string, value: number, unit: string, note?: string): BenchFigure {
  return note === undefined ? { name, value: round(value), unit } : { name, value: round(value), unit, note };
}

// ---------------------------------------------------------------------------------------------
// The environment child: simulated firewalls + fake Slack.

export type EnvironmentRequest =
  | { type: 'start'; count: number; scenario: string; perCommandMs: number; slack: boolean }
  | { type: 'latency'; perCommandMs: number }
  | { type: 'state' }
  | { type: 'stop' };

export interface FirewallState {
  name: string;
  configWrites: number;
  logins: number;
  debugClean: boolean;
  /** `diagnose debug ...` commands the firewall received (the sweep must send none). */
  debugCommands: number;
  /** Lines the device received that are not on the read-only allow-list (src/fortios/readOnly.ts). */
  violations: string[];
}

export type EnvironmentReply =
  | { type: 'ready'; firewalls: SimulatedFirewallInfo[]; slackBaseUrl?: string }
  | { type: 'latency-set' }
  | { type: 'state'; firewalls: FirewallState[]; slackCalls: Record<string, number>; cpuMs?: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

/** Request/response over the IPC channel of a forked `environment.ts`, one request at a time. */
export class Environment {
  private waiting: Array<(reply: EnvironmentReply) => void> = [];
  private chain: Promise<unknown> = Promise.resolve();
  firewalls: SimulatedFirewallInfo[] = [];
  slackBaseUrl?: string;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: EnvironmentReply) => this.waiting.shift()?.(m));
    child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w({ type: 'error', message: `environment exited with code ${code}` });
    });
  }

  static async start(opts: { count: number; perCommandMs?: number; slack?: boolean; scenario?: string }): Promise<Environment> {
    const child = fork(path.join(__dirname, 'environment.ts'), [], { execArgv: TS_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const env = new Environment(child);
    const ready = await env.call({ type: 'start', count: opts.count, scenario: opts.scenario ?? DEMO_SCENARIO, perCommandMs: opts.perCommandMs ?? 0, slack: opts.slack ?? false });
    if (ready.type !== 'ready') throw new Error(`environment did not start: ${JSON.stringify(ready)}`);
    env.firewalls = ready.firewalls;
    env.slackBaseUrl = ready.slackBaseUrl;
    return env;
  }

  get slackApiUrl(): string {
    if (!this.slackBaseUrl) throw new Error('the environment runs no fake Slack');
    return `${this.slackBaseUrl}/api/`;
  }

  call(request: EnvironmentRequest): Promise<EnvironmentReply> {
    const next = this.chain.then(
      () =>
        new Promise<EnvironmentReply>((resolve) => {
          this.waiting.push(resolve);
          this.child.send(request);
        }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  async setLatency(perCommandMs: number): Promise<void> {
    await this.call({ type: 'latency', perCommandMs });
  }

  async state(): Promise<{ firewalls: FirewallState[]; slackCalls: Record<string, number>; cpuMs: number }> {
    const reply = await this.call({ type: 'state' });
    if (reply.type !== 'state') throw new Error(`environment state: ${JSON.stringify(reply)}`);
    return { firewalls: reply.firewalls, slackCalls: reply.slackCalls, cpuMs: reply.cpuMs ?? 0 };
  }

  async stop(): Promise<void> {
    await Promise.race([this.call({ type: 'stop' }), sleep(5000)]);
    this.child.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// Plain JS for child processes that must run without ts-node or TypeScript loaded (their peak RSS is their own).

/** Where `compiledSrc` writes: inside the repo, so the children resolve `node_modules` (sdp-transform, resvg). */
export const COMPILED_DIR = path.join(OUT_DIR, 'dist');
let compiled = false;

/**
 * Transpiles all of src/ to plain JS under bench/out/dist, the tree kept (a module may import from any folder: transpiling
 * one folder alone once left an import of another folder unresolved); once per run. Returns the folder.
 */
export function compiledSrc(): string {
  if (compiled) return COMPILED_DIR;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const srcDir = path.join(__dirname, '..', 'src');
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const file of walk(srcDir)) {
    const target = path.join(COMPILED_DIR, path.relative(srcDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(target), { recursive: true });
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    writeFileSync(target, js.outputText);
  }
  compiled = true;
  return COMPILED_DIR;
}
