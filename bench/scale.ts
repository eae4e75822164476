/**
 * Scale: 1, 10 and 50 simulated firewalls (one environment process, each simulator on its own port, 20 ms per
 * command) checked at once through `createCheckService` (concurrency limit 10) by a bot in a fresh child process
 * per count (bench/scaleBot.ts), so its peak RSS (`VmHWM`) belongs to that count alone. The child runs plain
 * Node on JavaScript transpiled here (as `node dist/main.js` would), so TypeScript itself is not in its RSS.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchFigure } from './figures';
import { Environment, figure, OUT_DIR } from './lib';
import type { ScaleJob, ScaleReport } from './scaleBot';

const ROOT = path.join(__dirname, '..');
const JS_DIR = path.join(OUT_DIR, 'js');

/** Transpiles src/, the bench files the bot child needs and test/support/fakeSlack.ts to bench/out/js (same tree). */
export function buildBotJs(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  walk(path.join(ROOT, 'src'));
  files.push(...['bot', 'lib', 'figures', 'scaleBot'].map((n) => path.join(__dirname, `${n}.ts`)), path.join(ROOT, 'test', 'support', 'fakeSlack.ts'));
  for (const file of files) {
    const out = path.join(JS_DIR, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(out), { recursive: true });
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    writeFileSync(out, js.outputText);
  }
  // The ladder PNG's font is found relative to src/report/.
  const assets = path.join(JS_DIR, 'assets');
  if (!existsSync(assets)) symlinkSync(path.join(ROOT, 'assets'), assets);
  return path.join(JS_DIR, 'bench', 'scaleBot.js');
}

/** The bot sent a firewall a line outside the read-only allow-list: the whole benchmark run fails (exit 1). */
export class ReadOnlyViolationError extends Error {
  override name = 'ReadOnlyViolationError';
}

function runBot(script: string, job: ScaleJob): Promise<ScaleReport> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (m: { ok: true; report: ScaleReport } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.report);
      else reject(new Error(m.error));
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`scale bot exited with code ${code} before reporting`));
    });
    child.send(job);
  });
}

export async function benchScale(opts: { counts: number[]; windowSeconds: number; perCommandMs: number; maxConcurrent: number }): Promise<BenchFigure[]> {
  const script = buildBotJs();
  const env = await Environment.start({ count: Math.max(...opts.counts), perCommandMs: opts.perCommandMs });
  const figures: BenchFigure[] = [];
  try {
    for (const count of opts.counts) {
      const report = await runBot(script, { firewalls: env.firewalls.slice(0, count), windowSeconds: opts.windowSeconds, maxConcurrent: opts.maxConcurrent });
      const tag = `${count}fw`;
      const failed = report.failures.length ? `${report.failures.length} failed (${[...new Set(report.failures)].slice(0, 3).join('; ')})` : 'none failed';
      figures.push(
        figure(`scale.total.${tag}`, report.totalMs / 1000, 's', `${count} checks, ${opts.windowSeconds} s window, ${opts.perCommandMs} ms per command, concurrency ${opts.maxConcurrent}; ${report.verdicts} verdicts, ${failed}; ${report.resubmits} refused as overloaded and resubmitted when a slot freed; one check took ${Math.round(report.checkMs.min)}-${Math.round(report.checkMs.max)} ms`),
        figure(`scale.peakRss.${tag}`, report.peakRssMB, 'MB', `bot child process (plain Node on transpiled JS, Bolt loaded): ${report.peakRssSource === 'VmHWM' ? 'VmHWM of /proc/self/status (maxRSS is inherited from the parent across fork + exec)' : 'process.resourceUsage().maxRSS'}`),
        figure(`scale.rssGrowth.${tag}`, report.sampledPeakRssMB - report.baselineRssMB, 'MB', `peak of process.memoryUsage().rss sampled every 20 ms (${Math.round(report.sampledPeakRssMB)} MB) minus the rss before the first check (${Math.round(report.baselineRssMB)} MB)`),
      );
    }
    const state = await env.state();
    const used = state.firewalls.filter((f) => f.logins > 0);
    figures.push(figure('scale.configWrites', used.reduce((n, f) => n + f.configWrites, 0), 'count', `over ${used.length} firewalls checked; debug left clean on all: ${used.every((f) => f.debugClean)}`));
    // Every line every device received must be on the read-only allow-list: a violation fails the section loudly.
    const violations = state.firewalls.flatMap((f) => f.violations.map((v) => `${f.name}: ${v}`));
    figures.push(figure('scale.readOnlyViolations', violations.length, 'count', `lines outside the read-only allow-list (src/fortios/readOnly.ts) over ${used.length} firewalls`));
    if (violations.length) throw new ReadOnlyViolationError(`the scale run sent ${violations.length} line(s) outside the read-only allow-list:\n${[...new Set(violations)].slice(0, 20).join('\n')}`);
  } finally {
    await env.stop();
  }
  return figures;
}
