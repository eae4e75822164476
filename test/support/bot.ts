import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** The bot as a user starts it (`npm start` runs the same entry), in a child process with its own cwd. */
export class BotProcess {
  /** Bots not yet exited: `afterEach(() => BotProcess.killAll())` so a failing test cannot leave one running (or hang jest). */
  private static readonly live = new Set<BotProcess>();
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * `entry`: the script to run through ts-node, default src/main.ts (test/support/botMain.ts adds the fake Slack's
   * URL); or the whole argument list for another entry, e.g. the compiled `dist/main.js`.
   */
  constructor(cwd: string, env: NodeJS.ProcessEnv, entry: string | string[] = path.join(ROOT, 'src', 'main.ts')) {
    this.child = spawn(process.execPath, typeof entry === 'string' ? ['-r', 'ts-node/register/transpile-only', entry] : entry, {
      cwd,
      env: { PATH: process.env.PATH, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), NODE_PATH: path.join(ROOT, 'node_modules'), ...env },
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    BotProcess.live.add(this);
    void this.exited.then(() => BotProcess.live.delete(this));
  }

  /** SIGKILLs every bot still running and waits for them to exit. */
  static async killAll(): Promise<void> {
    const bots = [...BotProcess.live];
    for (const bot of bots) bot.kill('SIGKILL');
    await Promise.all(bots.map((b) => b.exited));
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves when stdout matches; rejects with what was seen if the process exits first or the wait is too long. */
  waitFor(pattern: RegExp, timeoutMs = 60_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(this[stream]);
        if (m) {
          cleanup();
          resolve(m[0]);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`bot exited before ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${pattern} within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child[stream].off('data', check);
        this.child.off('exit', onExit);
      };
      this.child[stream].on('data', check);
      this.child.on('exit', onExit);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
