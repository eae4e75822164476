import { CLI_MESSAGES } from '../fortios/cli';
import { promptFor } from '../fortios/transcript';
import type { DebugSink } from './debugStream';
import { promptLabel, type CommandOutcome, type Frame } from './device';

/**
 * One interactive CLI session: echo, line editing, type-ahead, the pager, the post-login banner and the prompt.
 * FortiOS-like bytes: CR is answered with CRLF, output lines end in CRLF, the prompt has no line end.
 */

export interface ShellIO {
  write(text: string): boolean;
  onDrain(cb: () => void): void;
  /** `exit`: close the channel and the connection. */
  end(): void;
  /** Fault: destroy the TCP socket. */
  destroy(): void;
}

/** What a shell needs from its device. */
export interface ShellHost {
  readonly hostname: string;
  readonly privilege: '#' | '$';
  readonly postLoginBanner?: string;
  /** 0 when paging is off (`pagerLines: 0` or console output `standard`). */
  pagerLines(): number;
  slowPromptMs(): number;
  perCommandMs(): number;
  /** Runs a typed command; `drop` and `hang` are injected faults. */
  execute(shell: ShellSession, command: string): CommandOutcome | 'drop' | 'hang';
  /** A line typed while the CLI is hung: received, never run (tests still hold every received line to the allow-list). */
  unanswered(shell: ShellSession, line: string): void;
  closed(shell: ShellSession): void;
}

type Mode = 'banner' | 'idle' | 'busy' | 'pager' | 'hung' | 'closed';

/** Input typed ahead while the CLI is busy is kept up to this many characters (the rest is dropped). */
const MAX_PENDING = 64 * 1024;
const MAX_LINE = 4096;

export class ShellSession implements DebugSink {
  readonly frames: Frame[] = [];
  /** The last prompt printed, exactly as printed ('' before the first): the one a typed line was typed at. */
  printedPrompt = '';
  private mode: Mode = 'busy';
  private pending = '';
  private line = '';
  private lastWasCr = false;
  private pagerRest: string[] | null = null;
  /** What was typed since the CLI hung, up to the next line end. */
  private hungLine = '';
  private pendingOutcome: CommandOutcome | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private pumping = false;
  /** 0: not in an escape sequence; 1: after ESC; 2: inside `ESC [` / `ESC O`. */
  private escape = 0;

  constructor(
    private readonly host: ShellHost,
    private readonly io: ShellIO,
  ) {}

  get alive(): boolean {
    return this.mode !== 'closed';
  }

  write(text: string): boolean {
    if (this.mode === 'closed') return false;
    return this.io.write(text);
  }

  onDrain(cb: () => void): void {
    this.io.onDrain(cb);
  }

  start(): void {
    if (this.host.postLoginBanner !== undefined) {
      const banner = this.host.postLoginBanner.replace(/\r?\n/g, '\r\n');
      this.mode = 'banner';
      this.io.write(`${banner}\r\n${CLI_MESSAGES.bannerAccept}`);
      this.pump();
      return;
    }
    this.prompt();
  }

  input(data: string): void {
    if (this.mode === 'closed') return;
    if (this.mode === 'hung') {
      this.recordHung(data);
      return;
    }
    if (this.pending.length + data.length > MAX_PENDING) data = data.slice(0, Math.max(0, MAX_PENDING - this.pending.length));
    this.pending += data;
    this.pump();
  }

  private recordHung(data: string): void {
    for (const ch of data) {
      if (ch === '\r' || ch === '\n') {
        if (this.hungLine.trim()) this.host.unanswered(this, this.hungLine);
        this.hungLine = '';
      } else if (this.hungLine.length < MAX_LINE) {
        this.hungLine += ch;
      }
    }
  }

  /** The channel or connection went away. */
  close(): void {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending = '';
    this.pagerRest = null;
    this.host.closed(this);
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.mode !== 'closed') fn();
    }, ms);
    this.timers.add(t);
  }

  private prompt(afterWrite?: () => void): void {
    this.mode = 'busy';
    this.later(this.host.slowPromptMs(), () => {
      this.printedPrompt = promptFor(this.host.hostname, promptLabel(this.frames), this.host.privilege);
      this.io.write(this.printedPrompt);
      afterWrite?.();
      this.mode = 'idle';
      this.pump();
    });
  }

  /** Consumes typed-ahead input while the CLI is reading; stops when a command makes it busy. */
  private pump(): void {
    // Re-entrant calls (a prompt printed synchronously while pumping) leave the work to the outer loop.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpInput();
    } finally {
      this.pumping = false;
    }
  }

  private pumpInput(): void {
    let echo = '';
    let i = 0;
    const flushEcho = () => {
      if (echo) this.io.write(echo);
      echo = '';
    };
    while (i < this.pending.length && (this.mode === 'idle' || this.mode === 'banner' || this.mode === 'pager')) {
      const ch = this.pending[i++];
      if (this.mode === 'banner') {
        if (ch === 'a') {
          this.io.write('a\r\n');
          this.prompt();
        }
        continue;
      }
      if (this.mode === 'pager') {
        this.pagerKey(ch);
        continue;
      }
      // Terminal escape sequences (arrow, Home/End keys): ESC, then `[` or `O`, parameters, a final byte.
      if (this.escape > 0 || ch === '\x1b') {
        if (ch === '\x1b') this.escape = 1;
        else if (this.escape === 1) this.escape = ch === '[' || ch === 'O' ? 2 : 0;
        else if (ch >= '@' && ch <= '~') this.escape = 0;
        continue;
      }
      if (ch === '\n' && this.lastWasCr) {
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        flushEcho();
        this.enter();
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          echo += '\b \b';
        }
      } else if (ch >= ' ' && ch !== '\x7f') {
        if (this.line.length < MAX_LINE) {
          this.line += ch;
          echo += ch;
        }
      }
      // Other control characters (Tab, Ctrl-C) are ignored.
    }
    flushEcho();
    this.pending = this.pending.slice(i);
  }

  private enter(): void {
    this.io.write('\r\n');
    const command = this.line;
    this.line = '';
    if (command.trim() === '') {
      this.prompt();
      return;
    }
    this.mode = 'busy';
    const outcome = this.host.execute(this, command);
    if (outcome === 'drop') {
      this.io.destroy();
      this.close();
      return;
    }
    if (outcome === 'hang') {
      this.mode = 'hung';
      this.pending = '';
      return;
    }
    this.later(this.host.perCommandMs(), () => this.print(outcome));
  }

  private print(outcome: CommandOutcome): void {
    const lines = outcome.output === '' ? [] : outcome.output.split('\n');
    const pageSize = this.host.pagerLines();
    if (pageSize > 0 && lines.length > pageSize) {
      this.io.write(lines.slice(0, pageSize).map((l) => l + '\r\n').join('') + '--More-- ');
      this.pagerRest = lines.slice(pageSize);
      this.pendingOutcome = outcome;
      this.mode = 'pager';
      return;
    }
    if (lines.length) this.io.write(lines.map((l) => l + '\r\n').join(''));
    this.finish(outcome);
  }

  /** Space: next page; Enter: next line; `q`: abort the output. */
  private pagerKey(ch: string): void {
    const rest = this.pagerRest ?? [];
    const outcome = this.pendingOutcome ?? { output: '' };
    if (ch === 'q' || ch === 'Q') {
      this.io.write(CLI_MESSAGES.pagerRedraw);
      this.endPager(outcome);
      return;
    }
    const take = ch === '\r' || ch === '\n' ? 1 : this.host.pagerLines() || rest.length;
    const shown = rest.slice(0, take);
    this.pagerRest = rest.slice(take);
    const text = CLI_MESSAGES.pagerRedraw + shown.map((l) => l + '\r\n').join('');
    if (this.pagerRest.length > 0) {
      this.io.write(text + '--More-- ');
      return;
    }
    this.io.write(text);
    this.endPager(outcome);
  }

  private endPager(outcome: CommandOutcome): void {
    this.pagerRest = null;
    this.pendingOutcome = null;
    this.mode = 'busy';
    this.finish(outcome);
  }

  private finish(outcome: CommandOutcome): void {
    if (outcome.close) {
      this.io.end();
      this.close();
      return;
    }
    this.prompt(outcome.afterPrompt);
  }
}
