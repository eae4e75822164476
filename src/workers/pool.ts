import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CheckError } from '../errors';
import { renderLadderPng } from '../report/ladder';
import { TASKS, type TaskInput, type TaskName, type TaskOutput } from './tasks';

/**
 * A small, bounded pool of worker threads for the CPU-heavy steps of a check (analysis, report rendering, the
 * ladder PNG): the bot's one event loop then only answers Slack and drives SSH sessions.
 *
 * Our own ~150 lines rather than piscina: we need a fixed number of workers, a bounded queue whose overflow is our
 * `overloaded` error, one clear error for the task whose worker crashed, and a worker that loads TypeScript when the
 * bot runs from its sources. piscina would bring atomics-based scheduling, resource limits and abort plumbing we
 * do not use, and the TypeScript loading would still be ours to write.
 */

export interface WorkerPoolOptions {
  /** Worker threads (started lazily, restarted after a crash). */
  size: number;
  /** Tasks waiting for a free worker; one more is refused with `overloaded`. */
  maxQueue: number;
  /** A task that runs longer is abandoned and its worker replaced (default 60 s). */
  taskTimeoutMs?: number;
  /** Heap cap of each worker: a runaway analysis ends as that check's crash, not the bot's (default 512 MB). */
  maxHeapMb?: number;
  /** The module whose `TASKS` the workers run (default ./tasks; tests give one that can crash). */
  tasksModule?: string;
}

/** Runs a named task: in a worker (WorkerPool) or inline (`inlineTasks`), with the same result. */
export interface TaskRunner {
  run<T extends TaskName>(task: T, input: TaskInput<T>): Promise<TaskOutput<T>>;
}

/** The tasks on the calling thread: for tests and tools that have no pool. */
export const inlineTasks: TaskRunner = {
  async run(task, input) {
    // The PNG's render still leaves this thread (resvg's own pool); only its encoding stays.
    if (task === 'ladderPng') return renderLadderPng(input as TaskInput<'ladderPng'>) as Promise<TaskOutput<typeof task>>;
    return (TASKS[task] as (i: typeof input) => TaskOutput<typeof task>)(input);
  },
};

interface Job {
  task: TaskName;
  input: unknown;
  resolve: (value: never) => void;
  reject: (error: CheckError) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer?: NodeJS.Timeout;
  /** The worker has loaded its tasks: a task's timeout starts when it can actually run. */
  ready: boolean;
}

type Reply = { ready: true } | { ok: true; output: unknown } | { ok: false; message: string };

/**
 * Runs in each worker (as `eval` source, so it needs no file of its own beside the tasks): loads the tasks (plain
 * JavaScript: from dist/, or transpiled by `workerJavaScript`; ts-node only where that cache cannot be written),
 * then answers one message at a time.
 */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.tsNode) require(workerData.tsNode).register({ transpileOnly: true, projectSearchDir: workerData.projectDir });
const { TASKS } = require(workerData.tasksModule);
parentPort.postMessage({ ready: true });
parentPort.on('message', async ({ task, input }) => {
  let reply;
  try {
    reply = { ok: true, output: await TASKS[task](input) };
  } catch (e) {
    reply = { ok: false, message: e && e.message ? String(e.message) : String(e) };
  }
  parentPort.postMessage(reply);
});
`;

export class WorkerPool implements TaskRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private readonly workerData: { tasksModule: string; tsNode?: string; projectDir?: string };
  /** Workers started so far (restarts included): for tests and the bench. */
  started = 0;

  constructor(private readonly opts: WorkerPoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error('WorkerPool size must be a positive integer');
    if (!Number.isInteger(opts.maxQueue) || opts.maxQueue < 0) throw new Error('WorkerPool maxQueue must be a non-negative integer');
    const tasksModule = opts.tasksModule ?? path.join(__dirname, `tasks${path.extname(__filename)}`);
    if (!tasksModule.endsWith('.ts')) this.workerData = { tasksModule };
    else {
      const js = workerJavaScript(tasksModule);
      // A read-only node_modules: the worker compiles what it loads (ts-node, heavier but the same tasks).
      this.workerData = js ? { tasksModule: js } : { tasksModule, tsNode: require.resolve('ts-node'), projectDir: path.dirname(tasksModule) };
    }
  }

  run<T extends TaskName>(task: T, input: TaskInput<T>): Promise<TaskOutput<T>> {
    if (this.closed) return Promise.reject(new CheckError('shutdown', 'the analysis workers are stopped'));
    return new Promise<TaskOutput<T>>((resolve, reject) => {
      const job: Job = { task, input, resolve: resolve as (value: never) => void, reject };
      const slot = this.freeSlot();
      if (slot) return this.start(slot, job);
      if (this.queue.length >= this.opts.maxQueue) {
        return reject(new CheckError('overloaded', `the analysis queue is full (${this.opts.size} workers busy, ${this.opts.maxQueue} waiting)`, { workers: this.opts.size, queue: this.opts.maxQueue }, true));
      }
      this.queue.push(job);
    });
  }

  /** Starts every worker now rather than at the first task (loading TypeScript through ts-node takes a second or more). */
  warm(): this {
    while (!this.closed && this.slots.length < this.opts.size) this.spawn();
    return this;
  }

  /** Busy workers and waiting tasks, for the bench and tests. */
  get load(): { busy: number; queued: number; workers: number } {
    return { busy: this.slots.filter((s) => s.job).length, queued: this.queue.length, workers: this.slots.length };
  }

  /** Stops the workers; running and queued tasks are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new CheckError('shutdown', 'the analysis workers were stopped'));
    await Promise.all(this.slots.splice(0).map((s) => this.stop(s, new CheckError('shutdown', 'the analysis workers were stopped'))));
  }

  private freeSlot(): Slot | undefined {
    const idle = this.slots.find((s) => !s.job);
    if (idle) return idle;
    if (this.slots.length < this.opts.size) return this.spawn();
    return undefined;
  }

  private spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: this.workerData, resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 512 } });
    this.started++;
    const slot: Slot = { worker, job: null, ready: false };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        slot.ready = true;
        if (slot.job) this.post(slot, slot.job);
        return;
      }
      const job = slot.job;
      if (!job) return;
      this.release(slot);
      // A Buffer crosses as a plain Uint8Array: made a Buffer again (same memory, no copy).
      if (reply.ok) job.resolve((reply.output instanceof Uint8Array ? Buffer.from(reply.output.buffer, reply.output.byteOffset, reply.output.byteLength) : reply.output) as never);
      else job.reject(new CheckError('internal', `${describeTask(job.task)} failed: ${reply.message}`));
    });
    const crashed = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return; // already replaced or stopped
      this.slots.splice(index, 1);
      const job = slot.job;
      if (slot.timer) clearTimeout(slot.timer);
      slot.job = null;
      job?.reject(new CheckError('internal', `the worker running ${describeTask(job.task)} crashed (${why})`));
      // The queue moves on with a fresh worker.
      this.next();
    };
    worker.on('error', (e: Error) => crashed(e.message));
    worker.on('exit', (code) => crashed(`exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    if (slot.ready) this.post(slot, job);
  }

  private post(slot: Slot, job: Job): void {
    const timeoutMs = this.opts.taskTimeoutMs ?? 60_000;
    slot.timer = setTimeout(() => {
      void this.stop(slot, new CheckError('timeout', `${describeTask(job.task)} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      this.next();
    }, timeoutMs);
    try {
      slot.worker.postMessage({ task: job.task, input: job.input });
    } catch (e) {
      // Not cloneable (a function or a class instance with private state in the input): a bug, said plainly.
      this.release(slot);
      job.reject(new CheckError('internal', `${describeTask(job.task)} could not be handed to a worker: ${(e as Error).message}`));
    }
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = null;
    slot.worker.unref();
    this.next();
  }

  private next(): void {
    while (this.queue.length > 0 && !this.closed) {
      const slot = this.freeSlot();
      if (!slot) return;
      this.start(slot, this.queue.shift()!);
    }
  }

  /** Terminates a worker, rejecting its task with `error`. */
  private async stop(slot: Slot, error: CheckError): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    job?.reject(error);
    await slot.worker.terminate();
  }
}

function describeTask(task: TaskName): string {
  return task === 'ladderPng' ? 'the ladder picture' : 'the analysis';
}

/** Transpiled trees of this process, by tasks module (pools share one). */
const transpiled = new Map<string, { dir: string; entry: string }>();

/**
 * From the TypeScript sources (`npm start`, jest) a worker would have to load TypeScript itself (ts-node): about
 * 100 MB of memory per worker. Instead the sources are transpiled once, on this thread where TypeScript is loaded
 * already, into a cache inside node_modules (so packages resolve from it) that mirrors the repository: src/, the
 * tasks module if it lives elsewhere (a test's), and a link to assets/. Removed when the process exits.
 * Returns the transpiled tasks module, or undefined when the cache cannot be written.
 */
function workerJavaScript(tasksModule: string): string | undefined {
  const known = transpiled.get(tasksModule);
  if (known) return known.entry;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const root = path.resolve(__dirname, '..', '..');
  const cache = path.join(root, 'node_modules', '.cache', 'sip-check-workers');
  const dir = path.join(cache, `${process.pid}-${transpiled.size}`);
  try {
    removeStale(cache);
    rmSync(dir, { recursive: true, force: true });
    const files = tsFiles(path.join(root, 'src'));
    if (!files.includes(tasksModule)) files.push(tasksModule);
    for (const file of files) {
      const out = path.join(dir, path.relative(root, file).replace(/\.ts$/, '.js'));
      mkdirSync(path.dirname(out), { recursive: true });
      const js = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      writeFileSync(out, js.outputText);
    }
    // The ladder's font is found next to src/, as in the repository.
    symlinkSync(path.join(root, 'assets'), path.join(dir, 'assets'), 'dir');
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  if (transpiled.size === 0) {
    process.once('exit', () => {
      for (const t of transpiled.values()) rmSync(t.dir, { recursive: true, force: true });
    });
  }
  const entry = path.join(dir, path.relative(root, tasksModule).replace(/\.ts$/, '.js'));
  transpiled.set(tasksModule, { dir, entry });
  return entry;
}

/** Trees left by processes that did not exit normally (killed): their pid is gone. */
function removeStale(cache: string): void {
  let names: string[];
  try {
    names = readdirSync(cache);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path.join(cache, name), { recursive: true, force: true });
    }
  }
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return tsFiles(full);
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [full] : [];
  });
}
