import { readFileSync } from 'node:fs';
import { Server, type Connection } from 'ssh2';
import { makeHostKey } from '../fortigate/support/miniSshServer';

/**
 * An SSH device that plays raw bytes recorded in a `.raw` file (test/fixtures/raw/make_raw.py writes the format),
 * knowing nothing of the product: no transcript parser, no CLI constants, no simulator. Each typed line is looked up
 * by (the context its current prompt shows, the line) and answered with the recorded bytes, in order for repeats
 * (the last one repeated); `<<< space` in a block waits for a space keystroke (the pager). `exit` closes.
 *
 * Format: `# ...` comments, `=== login` (bytes at shell open), `>>> CONTEXT | COMMAND` blocks (CONTEXT is the
 * prompt's parenthesised label or `-`). Bytes are the block's lines concatenated (file line ends are not bytes),
 * with escapes `\r`, `\n`, `\\` and `\xHH`.
 */
export interface RawRecording {
  login: string;
  blocks: Map<string, string[][]>;
  /** Every block's bytes in file order: what a terminal showed during the recorded session. */
  sessionBytes: string;
}

export function unescapeRaw(line: string): string {
  return line.replace(/\\(x[0-9a-fA-F]{2}|r|n|\\)/g, (_m, e: string) => (e === 'r' ? '\r' : e === 'n' ? '\n' : e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16))));
}

export function loadRawRecording(file: string): RawRecording {
  const blocks = new Map<string, string[][]>();
  let login = '';
  let sessionBytes = '';
  let current: string[] | null = null;
  let target: 'login' | 'block' | null = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (target === null && line.startsWith('#')) continue;
    if (line === '=== login') {
      target = 'login';
      continue;
    }
    const head = /^>>> (\S+) \| (.+)$/.exec(line);
    if (head) {
      target = 'block';
      current = [''];
      const key = `${head[1]} | ${head[2].trim()}`;
      blocks.set(key, [...(blocks.get(key) ?? []), current]);
      continue;
    }
    if (target === 'block' && current && line === '<<< space') {
      current.push('');
      continue;
    }
    const bytes = unescapeRaw(line);
    sessionBytes += bytes;
    if (target === 'login') login += bytes;
    else if (current) current[current.length - 1] += bytes;
  }
  return { login, blocks, sessionBytes };
}

/** What a terminal shows for these bytes (a user's copy of the session): CR returns to column 0, ANSI is dropped. */
export function terminalText(bytes: string): string {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i];
    if (ch === '\x1b') {
      const m = /^\x1b\[[0-9;?]*[@-~]/.exec(bytes.slice(i, i + 16));
      if (m) i += m[0].length - 1;
      continue;
    }
    if (ch === '\n') {
      lines.push(line.join('').trimEnd());
      line = [];
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\b') {
      col = Math.max(0, col - 1);
    } else {
      line[col++] = ch;
    }
  }
  lines.push(line.join('').trimEnd());
  return lines.join('\n');
}

export class RawDevice {
  readonly received: string[] = [];
  /** Every byte the device sent, in order, over all sessions: the session log a terminal would have shown. */
  sent = '';
  readonly unanswered: string[] = [];
  readonly fingerprint: string;
  private readonly server: Server;
  private readonly clients = new Set<Connection>();

  constructor(
    private readonly recording: RawRecording,
    user: { username: string; password: string },
  ) {
    const key = makeHostKey();
    this.fingerprint = key.fingerprint;
    this.server = new Server({ hostKeys: [key.pem] }, (client) => {
      this.clients.add(client);
      client.on('error', () => undefined);
      client.on('close', () => this.clients.delete(client));
      client.on('authentication', (ctx) => {
        if (ctx.method === 'password' && ctx.username === user.username && ctx.password === user.password) ctx.accept();
        else ctx.reject(['password']);
      });
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('window-change', (ok) => ok?.());
        session.on('shell', (ok) => this.shell(ok(), client));
      });
    });
  }

  private shell(stream: import('ssh2').ServerChannel, client: Connection): void {
    const cursors = new Map<string, number>();
    let lastSent = '';
    let line = '';
    let pending: string[] = [];
    const send = (bytes: string) => {
      lastSent = (lastSent + bytes).slice(-512);
      this.sent += bytes;
      stream.write(bytes);
    };
    const prompt = () => lastSent.slice(lastSent.lastIndexOf('\n') + 1).replace(/\r/g, '');
    const context = () => /^\S+ \(([^()]+)\) [#$] $/.exec(prompt())?.[1] ?? '-';
    send(this.recording.login);
    stream.on('data', (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (pending.length) {
          if (ch === ' ') send(pending.shift() as string);
          else this.unanswered.push(`key ${JSON.stringify(ch)} while paging`);
          continue;
        }
        if (ch !== '\r' && ch !== '\n') {
          line += ch;
          continue;
        }
        const command = line.trim().replace(/\s+/g, ' ');
        line = '';
        if (!command) continue;
        this.received.push(command);
        if (command === 'exit') {
          stream.end();
          client.end();
          return;
        }
        const key = `${context()} | ${command}`;
        const answers = this.recording.blocks.get(key);
        if (!answers) {
          this.unanswered.push(key);
          send(`${command}\r\n${prompt()}`);
          continue;
        }
        const i = cursors.get(key) ?? 0;
        cursors.set(key, i + 1);
        const [first, ...rest] = answers[Math.min(i, answers.length - 1)];
        pending = rest;
        send(first);
      }
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
