import { join } from 'node:path';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { FortiGateSimulator, loadScenario, type SimulatorOptions } from '../../src/simulator';

/**
 * A tiny prompt-waiting SSH shell for the simulator tests (the product's driver is written elsewhere).
 * Reads everything into a buffer; `waitFor` matches a regex against the unread part and consumes up to the match.
 */

export const PROMPT = /[A-Za-z0-9][\w.-]*(?: \([^()\r\n]+\))? [#$] $/;

export interface ConnectOptions {
  username?: string;
  password?: string;
  privateKey?: string;
  tryKeyboard?: boolean;
  onBanner?: (message: string) => void;
  readyTimeout?: number;
}

export function connect(port: number, opts: ConnectOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    const config: ConnectConfig = {
      host: '127.0.0.1',
      port,
      username: opts.username ?? 'admin',
      readyTimeout: opts.readyTimeout ?? 5000,
    };
    if (opts.password !== undefined) config.password = opts.password;
    if (opts.privateKey !== undefined) config.privateKey = opts.privateKey;
    if (opts.tryKeyboard) {
      config.tryKeyboard = true;
      conn.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
        finish(prompts.map(() => opts.password ?? ''));
      });
    }
    if (opts.onBanner) conn.on('banner', opts.onBanner);
    conn.once('ready', () => {
      conn.setNoDelay(true);
      resolve(conn);
    });
    conn.once('error', reject);
    // A socket destroyed before `ready` may close without an error event.
    conn.once('close', () => reject(new Error('connection closed before ready')));
    conn.connect(config);
  });
}

export class ShellClient {
  buffer = '';
  private cursor = 0;
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(
    readonly conn: Client,
    readonly stream: ClientChannel,
  ) {
    stream.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.wake();
    });
    const onClose = () => {
      this.closed = true;
      this.wake();
    };
    stream.on('close', onClose);
    conn.on('close', onClose);
    conn.on('error', onClose);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  write(text: string): void {
    this.stream.write(text);
  }

  /** The unread text. */
  get unread(): string {
    return this.buffer.slice(this.cursor);
  }

  /** Waits until `re` matches the unread text; returns the text up to and including the match, and consumes it. */
  waitFor(re: RegExp, timeoutMs = 3000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timeout waiting for ${re}; unread: ${JSON.stringify(this.unread.slice(-300))}`));
      }, timeoutMs);
      const check = () => {
        const m = re.exec(this.unread);
        if (m) {
          clearTimeout(timer);
          const end = this.cursor + m.index + m[0].length;
          const text = this.buffer.slice(this.cursor, end);
          this.cursor = end;
          resolve(text);
          return;
        }
        if (this.closed) {
          clearTimeout(timer);
          reject(new Error(`connection closed while waiting for ${re}; unread: ${JSON.stringify(this.unread.slice(-300))}`));
          return;
        }
        this.waiters.push(check);
      };
      check();
    });
  }

  /** Resolves when the connection closes. */
  waitClosed(timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      const check = () => {
        if (this.closed) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  waitPrompt(timeoutMs?: number): Promise<string> {
    return this.waitFor(PROMPT, timeoutMs);
  }

  /**
   * Types a command, answers `--More--` with a space, waits for the prompt and returns the output
   * (echo line and prompt removed, pager residue removed, `\n` line ends).
   */
  async run(command: string, timeoutMs = 3000): Promise<string> {
    this.write(command + '\r');
    let raw = '';
    for (;;) {
      const chunk = await this.waitFor(/--More-- $|[A-Za-z0-9][\w.-]*(?: \([^()\r\n]+\))? [#$] $/, timeoutMs);
      raw += chunk;
      if (!chunk.endsWith('--More-- ')) break;
      this.write(' ');
    }
    const withoutPrompt = raw.replace(PROMPT, '');
    const text = withoutPrompt.replace(/--More-- \r {9}\r/g, '').replace(/\r\n/g, '\n');
    const firstNewline = text.indexOf('\n');
    return firstNewline < 0 ? '' : text.slice(firstNewline + 1).replace(/\n$/, '');
  }

  end(): void {
    this.conn.end();
  }
}

export function openShell(conn: Client): Promise<ShellClient> {
  return new Promise((resolve, reject) => {
    conn.shell({ term: 'vt100', cols: 511, rows: 1000 }, (err, stream) => {
      if (err) reject(err);
      else resolve(new ShellClient(conn, stream));
    });
  });
}

/** Connects, opens a shell and waits for the first prompt. */
export async function login(port: number, opts: ConnectOptions = {}): Promise<ShellClient> {
  const conn = await connect(port, { password: 'admin', ...opts });
  const shell = await openShell(conn);
  await shell.waitPrompt();
  return shell;
}

export const DEMO_SCENARIO = join(__dirname, '../../src/simulator/scenarios/fw-demo.txt');
export const DEMO_USERS = [{ username: 'admin', password: 'admin' }];

/**
 * Simulators and shells for one test file, closed after each test: `startSim` serves the demo scenario to
 * `admin`/`admin` unless told otherwise; `shellOn` logs in.
 */
export function useSimulators() {
  const sims: FortiGateSimulator[] = [];
  const shells: ShellClient[] = [];
  afterEach(async () => {
    for (const s of shells.splice(0)) s.end();
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  return {
    async startSim(opts: Partial<SimulatorOptions> = {}): Promise<FortiGateSimulator> {
      const sim = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users: DEMO_USERS, ...opts });
      sims.push(sim);
      await sim.start();
      return sim;
    },
    async shellOn(sim: FortiGateSimulator, opts: ConnectOptions = {}): Promise<ShellClient> {
      const shell = await login(sim.port, opts);
      shells.push(shell);
      return shell;
    },
    /** Closes a shell opened another way after the test. */
    track(shell: ShellClient): ShellClient {
      shells.push(shell);
      return shell;
    },
  };
}
