import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CheckError } from '../errors';
import { BANNER_ACCEPT, MAX_ADMINS, PAGER, PAGER_TAIL, PROMPT_EXACT, PROMPT_LINE, PROMPT_TAIL, promptBaseHost } from '../fortios/cli';
import { cleanCliText, contextFromPrompt, detectCliError, type TypedLine, type UnreadReason } from '../fortios/transcript';
import type { CommandResult } from './types';

/**
 * Prompt-aware channel over an interactive shell (scrapli's "channel" layer). Every wait is for the prompt,
 * matched on the tail of the buffer as data arrives, under a deadline: no fixed sleeps (docs/ssh.md "The read loop").
 */

/** PTY FortiOS gets: a wide line so long commands rarely wrap, a tall screen in case the pager honours it (docs/ssh.md). */
export const SHELL_PTY = { term: 'vt100', cols: 511, rows: 1000 } as const;

/** Default cap on one command's output; a hostile or broken device must not exhaust memory. */
export const DEFAULT_MAX_OUTPUT_CHARS = 8 * 1024 * 1024;

/**
 * Only this much of the buffer's end is tested after each chunk. The longest prompt PROMPT_TAIL accepts is about
 * 110 characters, so a window this size never lets `^` match in the middle of a line.
 */
const TAIL_WINDOW = 512;
/** What is kept of an overflowing buffer, to still find the prompt that ends it. */
const OVERFLOW_KEEP = 64 * 1024;

export interface PromptInfo {
  /** The prompt exactly as printed, e.g. `FGT-A (root) # `. */
  text: string;
  host: string;
  /** VDOM or `global`; null at the top level and in the `config vdom` picker. */
  context: string | null;
  /** The raw parenthesised context (`vdom`, `root`, `global`, `settings`), if any. */
  rawContext: string | null;
  privilege: '#' | '$';
}

export interface ChannelReply {
  /** Output without echo and prompt, `\n` line ends, pager residue removed, blank edge lines trimmed. */
  output: string;
  prompt: PromptInfo;
  error?: CommandResult['error'];
}

export interface ChannelOptions {
  /** Firewall name, for messages. */
  name: string;
  maxOutputChars?: number;
  debug?: (line: string) => void;
}

interface Waiter {
  resolve: (r: { raw: string; prompt: PromptInfo }) => void;
  reject: (e: CheckError) => void;
  timer: NodeJS.Timeout;
  /** Resync after a failed command: prompts count only after this text (the new command's echo) was seen. */
  needle?: { text: string; found: boolean; searchFrom: number };
  /** Also accept the known prompt followed by more text (debug output lands right after the prompt). */
  anywhere?: { prompt: string; searchFrom: number };
  /** Resolve only after the prompt has stayed at the tail this long (end of a capture: output may still stream). */
  quietMs?: number;
  quietTimer?: NodeJS.Timeout;
  /** An overflow only trims the buffer (while draining a capture) instead of failing the command. */
  tolerateOverflow?: boolean;
  command?: string;
}

interface WaitOptions {
  phase: 'login' | 'command';
  command?: string;
  needle?: string;
  anywhere?: string;
  quietMs?: number;
  tolerateOverflow?: boolean;
}

export class FortiChannel {
  private buf = '';
  /** Pager markers before this index were already answered (their redraw may still be at the tail). */
  private pagerAnsweredUpTo = 0;
  private readonly decoder = new StringDecoder('utf8');
  private waiter: Waiter | null = null;
  private tap: ((text: string) => void) | null = null;
  private onTapClose: ((e: CheckError) => void) | null = null;
  private loggedIn = false;
  private dirty = false;
  /** The last command stopped a stream (stopStream): the next one resyncs on its echo. */
  private fenced = false;
  private closedError: CheckError | null = null;
  private hostname: string | null = null;
  private readonly maxOutputChars: number;
  /** The post-login banner accepted with `a`, if any. */
  banner?: string;
  /** The last prompt seen. */
  prompt: PromptInfo | null = null;
  /**
   * Every line typed on this channel, in order: the prompt the unit printed before it (as printed), the line, and
   * its output as read or why it was not read. The audit record of the session (renderCliRecord).
   */
  readonly record: TypedLine[] = [];

  constructor(
    private readonly stream: Duplex,
    private readonly opts: ChannelOptions,
  ) {
    this.maxOutputChars = opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
    stream.on('data', (chunk: Buffer | string) => this.onData(chunk));
    stream.on('error', (err: Error) => this.onClosed(`channel error: ${err.message}`));
    stream.on('close', () => this.onClosed('the channel closed'));
    stream.on('end', () => this.onClosed('the channel ended'));
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Waits for the first prompt after login, accepting a post-login banner on the way. */
  waitForLogin(timeoutMs: number): Promise<PromptInfo> {
    return this.wait(timeoutMs, { phase: 'login' }).then(({ prompt }) => prompt);
  }

  /** Sends one command and waits for the prompt. CLI errors are returned, not thrown. */
  async sendCommand(command: string, timeoutMs: number, mode: { promptMayBeFollowed?: boolean } = {}): Promise<ChannelReply> {
    this.assertOpen(command);
    // After a timeout (dirty) or a stopped stream (fenced), what precedes this command's echo is not its output.
    const fenced = this.fenced;
    const resync = this.dirty || fenced;
    this.buf = '';
    this.pagerAnsweredUpTo = 0;
    this.fenced = false;
    const typed = this.typeLine(command);
    const { raw, prompt } = await this.read(typed, timeoutMs, {
      phase: 'command',
      command,
      needle: resync ? command.slice(0, 40) : undefined,
      anywhere: (mode.promptMayBeFollowed || fenced) && this.prompt ? this.prompt.text : undefined,
    });
    this.dirty = false;
    const output = trimBlankEdges(cleanCliText(stripEcho(raw, command)));
    typed.output = output;
    const reply: ChannelReply = { output, prompt };
    const error = detectCliError(output);
    if (error) reply.error = error;
    return reply;
  }

  /**
   * Sends a command while output may still be streaming (stopping a debug capture) and waits until the prompt
   * is at the tail and nothing more arrived for `quietMs`. Returns the raw text received.
   */
  async sendAndSettle(command: string, timeoutMs: number, quietMs: number): Promise<string> {
    this.assertOpen(command);
    this.buf = '';
    this.pagerAnsweredUpTo = 0;
    const typed = this.typeLine(command);
    const { raw } = await this.read(typed, timeoutMs, { phase: 'command', command, quietMs, tolerateOverflow: true });
    this.dirty = false;
    typed.output = settledOutput(raw, command);
    return raw;
  }

  /**
   * Stops a stream (`diagnose debug disable` at the end of a capture) without waiting for silence: returns at the
   * first prompt after the command, even one followed by more output, and fences the next command instead: it
   * drops whatever arrives before its own echo (debug lines printed before the disable took effect) and accepts
   * its prompt even when stray output follows it. One round trip of grace instead of a fixed quiet period.
   * Returns the raw text received (stray lines are not kept beyond it).
   */
  async stopStream(command: string, timeoutMs: number): Promise<string> {
    this.assertOpen(command);
    this.buf = '';
    this.pagerAnsweredUpTo = 0;
    // Read up to its prompt, but what arrives is mostly debug lines printed before it took effect: not kept.
    const typed = this.typeLine(command, 'typed blind');
    const { raw } = await this.read(typed, timeoutMs, { phase: 'command', command, anywhere: this.prompt?.text, tolerateOverflow: true });
    this.dirty = false;
    this.fenced = true;
    return raw;
  }

  /**
   * Types a line whose output is not waited for (`exit`: the unit closes the connection), recorded with why.
   * Nothing is typed, or recorded, once the channel is closed.
   */
  typeBlind(command: string, why: UnreadReason): void {
    if (this.closed) return;
    this.typeLine(command, why);
  }

  /**
   * Streams raw text to `fn` instead of buffering it (debug capture). Text already buffered since the last
   * prompt is handed over first, so nothing printed right after `diagnose debug enable` is lost.
   * `onClose` is told if the connection drops while tapped. `null` returns to buffering.
   */
  setTap(fn: ((text: string) => void) | null, onClose?: (e: CheckError) => void): void {
    this.tap = fn;
    this.onTapClose = fn ? (onClose ?? null) : null;
    if (!fn) return;
    const pending = this.buf;
    this.buf = '';
    this.pagerAnsweredUpTo = 0;
    if (pending) fn(pending);
    if (this.closedError) this.onTapClose?.(this.closedError);
  }

  /**
   * Raw write; ignored once closed. Private: keystrokes that answer the unit (a space at `--More--`, `a` for a
   * banner) go out here, every line goes through typeLine and so into the record.
   */
  private write(text: string): void {
    if (this.closed) return;
    try {
      this.stream.write(text);
    } catch {
      // the stream is going away; 'close' reports it
    }
  }

  /** Ends the channel without waiting. */
  end(): void {
    try {
      this.stream.end();
    } catch {
      // already closed
    }
  }

  /** Every line goes out through here, so the record holds every line typed, in order. */
  private typeLine(command: string, unread?: UnreadReason): TypedLine {
    const typed: TypedLine = { prompt: this.prompt?.text ?? '', command };
    if (unread) typed.unread = unread;
    this.record.push(typed);
    this.write(command + '\r');
    return typed;
  }

  /** The wait for a typed line's prompt; a failure says in the record why its output was not read. */
  private read(typed: TypedLine, timeoutMs: number, o: WaitOptions): Promise<{ raw: string; prompt: PromptInfo }> {
    return this.wait(timeoutMs, o).catch((e: unknown) => {
      typed.unread ??= e instanceof CheckError ? unreadReasonOf(e) : 'no prompt';
      throw e;
    });
  }

  private assertOpen(command: string): void {
    if (this.closedError) throw new CheckError('disconnected', `${this.opts.name}: cannot send \`${command}\`: ${this.closedError.message}`, { command });
    if (this.waiter) throw new CheckError('internal', `${this.opts.name}: a command is already running`, { command });
  }

  private wait(timeoutMs: number, o: WaitOptions): Promise<{ raw: string; prompt: PromptInfo }> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.dirty = true;
        const seconds = Math.round(timeoutMs / 100) / 10;
        const err =
          o.phase === 'login'
            ? new CheckError('timeout', `${this.opts.name}: no CLI prompt within ${seconds} s after login`, { phase: 'login' })
            : new CheckError('timeout', `${this.opts.name}: no prompt within ${seconds} s after \`${o.command}\``, {
                phase: 'command',
                command: o.command ?? '',
              });
        this.finish(err);
      }, timeoutMs);
      this.waiter = {
        resolve,
        reject,
        timer,
        command: o.command,
        needle: o.needle ? { text: o.needle, found: false, searchFrom: 0 } : undefined,
        anywhere: o.anywhere ? { prompt: o.anywhere, searchFrom: 0 } : undefined,
        quietMs: o.quietMs,
        tolerateOverflow: o.tolerateOverflow,
      };
      // Text may already be buffered (login banner and prompt arrived before the wait began).
      if (this.buf) this.scan();
    });
  }

  private finish(result: CheckError | { raw: string; prompt: PromptInfo }): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    clearTimeout(w.timer);
    if (w.quietTimer) clearTimeout(w.quietTimer);
    if (result instanceof CheckError) w.reject(result);
    else w.resolve(result);
  }

  private onData(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!text) return;
    if (this.tap) {
      this.tap(text);
      return;
    }
    this.buf += text;
    if (this.buf.length > this.maxOutputChars) this.overflow();
    if (this.waiter) this.scan();
  }

  private overflow(): void {
    const cut = this.buf.length - OVERFLOW_KEEP;
    this.buf = this.buf.slice(cut);
    this.pagerAnsweredUpTo = Math.max(0, this.pagerAnsweredUpTo - cut);
    const w = this.waiter;
    if (w?.needle) w.needle.searchFrom = Math.max(0, w.needle.searchFrom - cut);
    if (w?.anywhere) w.anywhere.searchFrom = Math.max(0, w.anywhere.searchFrom - cut);
    if (w && !w.tolerateOverflow) {
      this.dirty = true;
      const mib = Math.round(this.maxOutputChars / (1024 * 1024));
      const command = w.command ?? 'login';
      this.finish(
        new CheckError('cli-error', `${this.opts.name}: output of \`${command}\` exceeded ${mib} MiB; the firewall may be flooding the console`, {
          command,
        }),
      );
    }
  }

  /** Tests the tail of the buffer, in order: banner, max admins (both only before login), pager, prompt. */
  private scan(): void {
    const w = this.waiter;
    if (!w) return;
    if (w.quietTimer) {
      clearTimeout(w.quietTimer);
      w.quietTimer = undefined;
    }
    const offset = Math.max(0, this.buf.length - TAIL_WINDOW);
    const tail = this.buf.slice(offset);

    if (!this.loggedIn) {
      // Banner text may contain `#` and `$`: the accept string is matched before prompts (docs/domain.md).
      // After login the same text would be command output, and a stray `a` would corrupt the next command.
      if (BANNER_ACCEPT.test(tail)) {
        this.banner = trimBlankEdges(cleanCliText(this.buf.replace(BANNER_ACCEPT, '')));
        this.buf = '';
        this.pagerAnsweredUpTo = 0;
        this.write('a');
        return;
      }
      if (tail.includes(MAX_ADMINS)) {
        this.finish(maxAdminsError(this.opts.name));
        this.end();
        return;
      }
    }

    const pager = tail.includes(PAGER) ? PAGER_TAIL.exec(tail) : null;
    if (pager && offset + pager.index >= this.pagerAnsweredUpTo) {
      // Answer the pager instead of `set output standard`, a config write (docs/domain.md; ytti/oxidized#298).
      // The marker and its redraw stay in the buffer; cleanCliText removes both.
      this.pagerAnsweredUpTo = this.buf.length;
      this.write(' ');
      return;
    }

    if (w.needle && !w.needle.found) {
      const from = Math.max(0, w.needle.searchFrom - w.needle.text.length);
      const at = this.buf.indexOf(w.needle.text, from);
      if (at < 0) {
        w.needle.searchFrom = this.buf.length;
        return;
      }
      // Everything before the new command's echo belongs to the command that timed out.
      w.needle.found = true;
      this.buf = this.buf.slice(at);
      this.pagerAnsweredUpTo = Math.max(0, this.pagerAnsweredUpTo - at);
      this.scan();
      return;
    }

    const prompt = this.promptAtTail(tail, offset) ?? this.promptInside(w);
    if (!prompt) return;
    const raw = this.buf.slice(0, prompt.start);
    const rest = this.buf.slice(prompt.start + prompt.info.text.length);
    if (w.quietMs !== undefined && !rest) {
      w.quietTimer = setTimeout(() => this.accept(raw, prompt.info, ''), w.quietMs);
      return;
    }
    this.accept(raw, prompt.info, rest);
  }

  private accept(raw: string, info: PromptInfo, rest: string): void {
    this.loggedIn = true;
    this.hostname ??= promptBaseHost(info.host);
    this.prompt = info;
    // What follows an "anywhere" prompt is asynchronous output (debug lines): keep it for the tap.
    this.buf = rest;
    this.pagerAnsweredUpTo = 0;
    this.finish({ raw, prompt: info });
  }

  private promptAtTail(tail: string, offset: number): { start: number; info: PromptInfo } | null {
    // Cheap pre-check: every prompt ends in `# ` or `$ `; the regex runs only then.
    if (!tail.endsWith('# ') && !tail.endsWith('$ ')) return null;
    const m = PROMPT_TAIL.exec(tail);
    if (!m) return null;
    const lead = m[0][0] === '\r' || m[0][0] === '\n' ? 1 : 0;
    const info = parsePrompt(m[0].slice(lead));
    if (!info) return null;
    // Once the host is known, a prompt of another host is output (a pasted transcript, a banner), not a prompt.
    if (this.hostname !== null && promptBaseHost(info.host) !== this.hostname) return null;
    return { start: offset + m.index + lead, info };
  }

  /** The known prompt at the start of a line but followed by more text (literal search, linear). */
  private promptInside(w: Waiter): { start: number; info: PromptInfo } | null {
    const a = w.anywhere;
    if (!a) return null;
    let from = Math.max(0, a.searchFrom - a.prompt.length - 1);
    for (;;) {
      const at = this.buf.indexOf(a.prompt, from);
      if (at < 0) break;
      const before = at === 0 ? '\n' : this.buf[at - 1];
      if (before === '\r' || before === '\n') {
        const info = parsePrompt(a.prompt);
        if (info) return { start: at, info };
      }
      from = at + 1;
    }
    a.searchFrom = this.buf.length;
    return null;
  }

  private onClosed(why: string): void {
    if (this.closedError) return;
    const err =
      !this.loggedIn && this.buf.includes(MAX_ADMINS)
        ? maxAdminsError(this.opts.name)
        : new CheckError('disconnected', `${this.opts.name}: ${why}`, this.waiter?.command ? { command: this.waiter.command } : {});
    this.closedError = err;
    this.opts.debug?.(`channel closed: ${why}`);
    this.finish(err);
    this.onTapClose?.(err);
  }
}

function unreadReasonOf(e: CheckError): UnreadReason {
  if (e.kind === 'timeout') return 'no prompt';
  if (e.kind === 'cli-error') return 'output over the bound';
  return 'connection lost';
}

/** The output of a command sent while debug output may stream: what follows its echo, cleaned. */
export function settledOutput(raw: string, command: string): string {
  const at = raw.lastIndexOf(command);
  return trimBlankEdges(cleanCliText(at >= 0 ? raw.slice(at + command.length) : raw));
}

function maxAdminsError(name: string): CheckError {
  return new CheckError('max-admins', `${name}: reached the maximum number of logged in administrators`, {}, true);
}

/** Parses a prompt such as `FGT-A (root) # ` (the pattern is one FortiOS fact: PROMPT_EXACT in src/fortios/cli.ts). */
export function parsePrompt(text: string): PromptInfo | null {
  const m = PROMPT_EXACT.exec(text);
  if (!m) return null;
  const rawContext = m[2] ?? null;
  return { text, host: m[1], context: contextFromPrompt(rawContext ?? undefined), rawContext, privilege: m[3] as '#' | '$' };
}

/**
 * Removes the echoed command from the start of the output. The echo may wrap at the PTY width with `\r\n`,
 * `\r` or ` \r` inserted, or carry backspace redraws; if the text does not start with the echo it is kept whole.
 */
export function stripEcho(raw: string, command: string): string {
  let i = 0;
  let j = 0;
  while (j < command.length && i < raw.length) {
    const c = raw[i];
    if (c === command[j]) {
      i++;
      j++;
    } else if (c === '\r' || c === '\n' || c === '\b') {
      i++;
    } else if (c === ' ' && (raw[i + 1] === '\r' || raw[i + 1] === '\b')) {
      i++;
    } else {
      return raw;
    }
  }
  if (j < command.length) return raw;
  while (raw[i] === '\r') i++;
  if (raw[i] === '\n') i++;
  return raw.slice(i);
}

/** Drops blank lines at both ends, like the transcript parser, so live and pasted outputs compare equal. */
export function trimBlankEdges(text: string): string {
  const lines = text.split('\n');
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].trim() === '') a++;
  while (b > a && lines[b - 1].trim() === '') b--;
  return lines.slice(a, b).join('\n');
}

/**
 * Splits streamed debug output into lines: a line split across chunks is rejoined, `\r\n`/`\r`/`\n` all end a line,
 * the idle prompt that debug output lands after is removed, blank lines are skipped. Bounded: a line longer than
 * `maxLineChars` is emitted in pieces.
 */
export class DebugLineSplitter {
  private carry = '';

  constructor(
    private readonly hostname: string,
    private readonly maxLineChars = 64 * 1024,
  ) {}

  push(text: string): string[] {
    const out: string[] = [];
    let start = 0;
    const data = this.carry + text;
    this.carry = '';
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      if (c === '\r' || c === '\n') {
        this.emit(data.slice(start, i), out);
        start = i + 1;
      }
    }
    let rest = data.slice(start);
    while (rest.length > this.maxLineChars) {
      this.emit(rest.slice(0, this.maxLineChars), out);
      rest = rest.slice(this.maxLineChars);
    }
    this.carry = rest;
    return out;
  }

  /** The incomplete last line, if it holds more than a prompt. */
  pending(): string {
    return this.stripPrompt(this.carry);
  }

  private emit(line: string, out: string[]): void {
    const text = this.stripPrompt(line).replace(/[ \t]+$/, '');
    if (text.trim()) out.push(text);
  }

  private stripPrompt(line: string): string {
    const m = PROMPT_LINE.exec(line);
    if (m && promptBaseHost(m[1]) === this.hostname) return m[4] ?? '';
    return line;
  }
}
