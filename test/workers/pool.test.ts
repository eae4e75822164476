import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseTranscript } from '../../src/fortios/transcript';
import { inlineTasks, WorkerPool } from '../../src/workers/pool';
import type { ReportInput } from '../../src/workers/tasks';
import { analyseFixtures } from '../sip/support/load';

const CRASHING = path.join(__dirname, 'support', 'crashingTasks.ts');

function reportInput(firewall = 'fw01'): ReportInput {
  const outputs = parseTranscript(readFileSync(path.join(__dirname, '..', 'fixtures', 'verdict', 'r5-helper.txt'), 'utf8'));
  const analyzer = analyseFixtures('basic-call.log', 'rejected-486.log');
  return { outputs, sip: analyzer.summary(), ladders: analyzer.ladders(3), record: [[{ prompt: 'FGT-60F # ', command: 'get system status', output: 'Version: FortiGate-60F v7.2.8' }]], firewall };
}

describe('WorkerPool', () => {
  const pools: WorkerPool[] = [];
  const pool = (opts: ConstructorParameters<typeof WorkerPool>[0]) => {
    const p = new WorkerPool(opts);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('gives what the tasks give on this thread: verdict, report, transcript, and a PNG', async () => {
    const p = pool({ size: 1, maxQueue: 4 });
    const input = reportInput();
    const [inWorker, inline] = await Promise.all([p.run('report', input), inlineTasks.run('report', input)]);
    expect(inWorker).toEqual(inline);
    expect(inWorker.analysis.verdict.handler).toBe('session-helper');
    expect(inWorker.report).toContain('486');
    const png = await p.run('ladderPng', input.ladders);
    expect(Buffer.isBuffer(png)).toBe(true);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(1000);
  });

  it('refuses with `overloaded` when every worker is busy and the queue is full', async () => {
    const p = pool({ size: 1, maxQueue: 1 });
    const first = p.run('report', reportInput());
    const queued = p.run('report', reportInput());
    await expect(p.run('report', reportInput())).rejects.toMatchObject({ kind: 'overloaded', retryable: true });
    expect(p.load).toEqual({ busy: 1, queued: 1, workers: 1 });
    // The two accepted ones still finish.
    await expect(Promise.all([first, queued])).resolves.toHaveLength(2);
  });

  it('a worker that dies fails only its own task, clearly; the next task gets a fresh worker', async () => {
    const p = pool({ size: 1, maxQueue: 4, tasksModule: CRASHING });
    const crash = p.run('report', reportInput('crash-fw'));
    const after = p.run('report', reportInput('fw02'));
    await expect(crash).rejects.toMatchObject({ kind: 'internal', message: 'the worker running the analysis crashed (exit code 3)' });
    await expect(after).resolves.toMatchObject({ analysis: { verdict: { handler: 'session-helper' } } });
    expect(p.started).toBe(2);
  });

  it('an error thrown by a task is that task\'s error; the worker stays', async () => {
    const p = pool({ size: 1, maxQueue: 4, tasksModule: CRASHING });
    await expect(p.run('report', reportInput('throw-fw'))).rejects.toMatchObject({ kind: 'internal', message: 'the analysis failed: a bug in the analysis' });
    await expect(p.run('report', reportInput())).resolves.toBeDefined();
    expect(p.started).toBe(1);
  });

  it('a task that never answers is abandoned at its timeout and its worker replaced', async () => {
    const p = pool({ size: 1, maxQueue: 4, tasksModule: CRASHING, taskTimeoutMs: 3000 });
    const hang = p.run('report', reportInput('hang-fw'));
    const after = p.run('report', reportInput());
    await expect(hang).rejects.toMatchObject({ kind: 'timeout', message: 'the analysis did not finish within 3 s' });
    await expect(after).resolves.toBeDefined();
    expect(p.started).toBe(2);
  });

  it('a worker that runs out of its heap fails its task as a crash; the bot is untouched', async () => {
    const p = pool({ size: 1, maxQueue: 4, tasksModule: CRASHING, maxHeapMb: 300 });
    const hog = p.run('report', reportInput('hog-fw'));
    await expect(hog).rejects.toMatchObject({ kind: 'internal', message: expect.stringMatching(/^the worker running the analysis crashed \(.*out of memory/i) });
    await expect(p.run('report', reportInput())).resolves.toBeDefined();
  });

  it('close rejects what waits and refuses new tasks', async () => {
    const p = pool({ size: 1, maxQueue: 4 });
    const running = p.run('report', reportInput());
    const waiting = p.run('report', reportInput());
    const settled = Promise.allSettled([running, waiting]);
    await p.close();
    expect((await settled).map((r) => (r.status === 'rejected' ? (r.reason as { kind: string }).kind : r.status))).toEqual(['shutdown', 'shutdown']);
    await expect(p.run('report', reportInput())).rejects.toMatchObject({ kind: 'shutdown' });
  });
});
