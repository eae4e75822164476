import type { Client, ClientChannel } from 'ssh2';
import { CheckError } from '../errors';
import { FortiChannel, DebugLineSplitter, SHELL_PTY, settledOutput, type ChannelReply, type PromptInfo } from './channel';
import { COMMANDS, promptBaseHost, type VdomMode } from '../fortios/cli';
import { connectSsh, type ConnectTarget } from './ssh';
import { normaliseCommand, type TypedLine } from '../fortios/transcript';
import type { CaptureOptions, CaptureResult, CaptureStop, CommandResult, FortiSession, SessionInfo } from './types';

/**
 * The FortiOS driver (scrapli's "driver" layer, Netmiko's vendor class): session preparation costs one round trip
 * (find the prompt, answer a banner) and never writes config: paging is answered, not switched off (docs/ssh.md).
 */

export interface SessionOptions {
  commandTimeoutMs: number;
  /**
   * How long the prompt must stay at the tail after a `diagnose debug disable` sent outside `capture()` while this
   * session may be streaming (a cleanup). `capture()` itself fences the next command instead (FortiChannel.stopStream).
   */
  settleQuietMs?: number;
  /** Cap on one command's output (default 8 MiB). */
  maxOutputChars?: number;
}

const DEFAULT_SETTLE_QUIET_MS = 150;
const CLOSE_WAIT_MS = 1000;
const MAX_COMMAND_CHARS = 2048;
/** VDOM names: FortiOS allows letters, digits, `-`, `_` and `.` (up to 31 characters). */
const VDOM_NAME = /^[A-Za-z0-9_.-]{1,31}$/;

/**
 * Defence in depth against CLI injection: one command is one line. Control characters (CR, LF, TAB completion,
 * Ctrl-C, escape sequences) and `?` (FortiOS shows inline help as soon as it is typed) are refused.
 */
export function validateCommand(command: string): string {
  const trimmed = command.trim();
  if (!trimmed) throw new CheckError('usage', 'empty CLI command');
  if (/[\x00-\x1f\x7f-\x9f]/.test(command)) throw new CheckError('usage', 'CLI command contains a line break or control character', { command: JSON.stringify(command).slice(0, 200) });
  if (trimmed.includes('?')) throw new CheckError('usage', 'CLI command contains `?` (FortiOS inline help)', { command: trimmed.slice(0, 200) });
  if (trimmed.length > MAX_COMMAND_CHARS) throw new CheckError('usage', `CLI command longer than ${MAX_COMMAND_CHARS} characters`);
  return trimmed;
}

/** Connects, opens the shell, waits for the first prompt (answering a banner): one round trip of preparation. */
export async function openSession(target: ConnectTarget, opts: SessionOptions): Promise<FortiSession> {
  const client = await connectSsh(target);
  try {
    const stream = await openShell(client, target.name, opts.commandTimeoutMs);
    const channel = new FortiChannel(stream, { name: target.name, maxOutputChars: opts.maxOutputChars, debug: target.debug });
    const prompt = await channel.waitForLogin(opts.commandTimeoutMs);
    return new FortiOsSession(client, channel, prompt, target.name, opts);
  } catch (e) {
    client.end();
    throw e;
  }
}

function openShell(client: Client, name: string, timeoutMs: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new CheckError('timeout', `${name}: no interactive shell within ${timeoutMs / 1000} s`, { phase: 'shell' })), timeoutMs);
    // No `env`: some network SSH servers reject env requests (docs/ssh.md).
    client.shell({ ...SHELL_PTY }, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(new CheckError('disconnected', `${name}: the firewall refused an interactive shell`, { phase: 'shell' }));
      else resolve(stream);
    });
  });
}

class FortiOsSession implements FortiSession {
  readonly info: SessionInfo;
  private clientClosed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly settleQuietMs: number;
  /** This session ran `diagnose debug enable` and has not disabled it: debug output may stream to it. */
  private debugMayStream = false;

  constructor(
    private readonly client: Client,
    private readonly channel: FortiChannel,
    first: PromptInfo,
    private readonly name: string,
    private readonly opts: SessionOptions,
  ) {
    this.info = { hostname: first.host, privilege: first.privilege };
    if (channel.banner) this.info.banner = channel.banner;
    this.settleQuietMs = opts.settleQuietMs ?? DEFAULT_SETTLE_QUIET_MS;
    client.on('close', () => {
      this.clientClosed = true;
    });
  }

  get record(): readonly TypedLine[] {
    return this.channel.record;
  }

  get context(): string | null {
    return this.channel.prompt?.context ?? null;
  }

  get alive(): boolean {
    return !this.clientClosed && !this.channel.closed;
  }

  async run(command: string, opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const cmd = validateCommand(command);
    return this.exclusive(() => this.runNow(cmd, opts.timeoutMs ?? this.opts.commandTimeoutMs));
  }

  async enterVdom(name: string): Promise<void> {
    if (!VDOM_NAME.test(name)) throw new CheckError('usage', `invalid VDOM name "${name.slice(0, 40)}"`);
    return this.exclusive(async () => {
      if (this.context === name) return;
      await this.leaveNow();
      const picker = await this.runNow(COMMANDS.configVdom, this.opts.commandTimeoutMs);
      if (picker.error) throw this.contextError(`cannot enter \`config vdom\``, picker);
      // FortiOS prints `current vf=NAME:N` and the prompt becomes `HOST (NAME) # ` (docs/ssh.md "FortiOS CLI facts").
      const edit = await this.runNow(COMMANDS.editVdom(name), this.opts.commandTimeoutMs);
      if (edit.error || this.context !== name) {
        await this.leaveNow().catch(() => undefined);
        throw this.contextError(`cannot enter VDOM "${name}"`, edit, { vdom: name });
      }
    });
  }

  async enterGlobal(): Promise<void> {
    return this.exclusive(async () => {
      if (this.context === 'global') return;
      await this.leaveNow();
      const r = await this.runNow(COMMANDS.configGlobal, this.opts.commandTimeoutMs);
      // VDOM-scoped admins may be refused `config global` (docs/domain.md): the caller falls back.
      if (r.error || this.context !== 'global') {
        await this.leaveNow().catch(() => undefined);
        throw this.contextError('cannot enter `config global`', r);
      }
    });
  }

  leaveContext(): Promise<void> {
    return this.exclusive(() => this.leaveNow());
  }

  async capture(opts: CaptureOptions): Promise<CaptureResult> {
    for (const [key, value] of [
      ['windowMs', opts.windowMs],
      ['maxBytes', opts.maxBytes],
      ['maxLines', opts.maxLines],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) throw new CheckError('usage', `capture ${key} must be a positive number`);
    }
    return this.exclusive(() => this.captureNow(opts));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (this.alive) {
          // Logging out: the unit closes the connection, so there is no output to read (the record says so).
          this.channel.typeBlind(COMMANDS.exit, 'logout');
          await this.waitForClientClose(CLOSE_WAIT_MS);
        }
      } catch {
        // close never throws
      }
      try {
        this.channel.end();
        this.client.end();
      } catch {
        // already closed
      }
    })();
    return this.closing;
  }

  /** One command at a time on the CLI: later calls wait for earlier ones. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(cmd: string, timeoutMs: number): Promise<CommandResult> {
    const context = this.context;
    const command = normaliseCommand(cmd);
    let output: string;
    let error: ChannelReply['error'];
    if (command === COMMANDS.debugDisable && this.debugMayStream) {
      // Debug output may still be streaming: wait for the prompt and quiet, keep what follows the echo.
      const raw = await this.channel.sendAndSettle(cmd, timeoutMs, this.settleQuietMs);
      this.debugMayStream = false;
      output = settledOutput(raw, cmd);
    } else {
      // Debug output goes to the console of the session that enabled it; on any other session (the first
      // `disable` of a capture, a cleanup after a reconnect) a plain prompt wait is enough.
      // Debug lines land right after the prompt that follows `diagnose debug enable` (docs/domain.md).
      const reply = await this.channel.sendCommand(cmd, timeoutMs, { promptMayBeFollowed: command === COMMANDS.debugEnable });
      output = reply.output;
      error = reply.error;
      if (command === COMMANDS.debugEnable && !error) this.debugMayStream = true;
      if (command === COMMANDS.debugDisable || command === COMMANDS.debugReset) this.debugMayStream = false;
    }
    const result: CommandResult = { command, context, output };
    if (error) result.error = error;
    if (command === COMMANDS.systemStatus && !error) this.learnStatus(output);
    return result;
  }

  /** Version and VDOM mode come from the `get system status` the check runs anyway: no extra round trip. */
  private learnStatus(output: string): void {
    const version = /^Version:\s*(.{1,120})$/m.exec(output);
    if (version) this.info.version = version[1].trim();
    const vdom = /^Virtual domain configuration:\s*(disable|enable|multiple|split-task)\s*$/m.exec(output);
    if (vdom) this.info.vdomMode = vdom[1] as VdomMode;
  }

  private async leaveNow(): Promise<void> {
    // `end` leaves `config vdom`/`config global` and their `edit` level in one step; bounded for nested modes.
    for (let i = 0; i < 3 && this.channel.prompt?.rawContext; i++) {
      const r = await this.runNow(COMMANDS.end, this.opts.commandTimeoutMs);
      if (r.error) throw this.contextError('cannot leave the CLI context', r);
    }
  }

  private contextError(what: string, r: CommandResult, detail: Record<string, string> = {}): CheckError {
    const why = r.error ? r.error.text : `the prompt shows ${this.channel.prompt?.text.trim() ?? 'nothing'}`;
    const kind = r.error?.kind === 'permission-denied' ? 'permission-denied' : 'cli-error';
    return new CheckError(kind, `${this.name}: ${what}: ${why}`, { command: r.command, ...detail });
  }

  private async captureNow(opts: CaptureOptions): Promise<CaptureResult> {
    const started = Date.now();
    const splitter = new DebugLineSplitter(promptBaseHost(this.info.hostname));
    let bytes = 0;
    let lines = 0;
    let stoppedBy = null as CaptureStop | null;
    let failure = null as unknown;
    let elapsedMs = 0;

    await new Promise<void>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const stop = (why: CaptureStop) => {
        if (stoppedBy) return;
        stoppedBy = why;
        elapsedMs = Date.now() - started;
        for (const t of timers) clearTimeout(t);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => stop('cancelled');

      const onText = (chunk: string) => {
        if (stoppedBy) return;
        let text = chunk;
        const size = Buffer.byteLength(text);
        const byBytes = bytes + size >= opts.maxBytes;
        if (bytes + size > opts.maxBytes) text = Buffer.from(text).subarray(0, opts.maxBytes - bytes).toString();
        bytes = Math.min(bytes + size, opts.maxBytes);
        for (const line of splitter.push(text)) {
          try {
            opts.onLine(line);
          } catch (e) {
            failure = e;
            stop('cancelled');
            return;
          }
          lines++;
          if (stoppedBy) return; // aborted from inside onLine
          if (lines >= opts.maxLines) {
            stop('lines');
            return;
          }
        }
        if (byBytes) stop('bytes');
      };
      const onClose = (e: CheckError) => {
        failure ??= e;
        stop('cancelled');
      };

      if (opts.signal?.aborted) {
        stop('cancelled');
        return;
      }
      opts.signal?.addEventListener('abort', onAbort);
      timers.push(setTimeout(() => stop('window'), opts.windowMs));
      if (opts.onTick) {
        const onTick = opts.onTick;
        const tick = setInterval(() => {
          try {
            onTick(Date.now() - started);
          } catch {
            // progress reporting must not break a capture
          }
        }, 1000);
        timers.push(tick);
      }
      this.channel.setTap(onText, onClose);
    });

    this.channel.setTap(null);
    if (failure && this.channel.closed) throw failure;
    // `diagnose debug disable` while output may still stream, then the prompt (docs/domain.md). No quiet period: the next
    // command (the check's `diagnose debug reset`) is fenced instead, dropping stray lines before its echo: the
    // 150 ms wait was most of the teardown at 20 ms per command, and the lines it waited for were dropped anyway.
    await this.channel.stopStream(COMMANDS.debugDisable, this.opts.commandTimeoutMs);
    this.debugMayStream = false;
    if (failure) throw failure;
    return { stoppedBy: stoppedBy ?? 'cancelled', bytes, lines, elapsedMs };
  }

  private waitForClientClose(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.clientClosed) return resolve();
      const timer = setTimeout(done, ms);
      const client = this.client;
      function done() {
        clearTimeout(timer);
        client.removeListener('close', done);
        resolve();
      }
      client.once('close', done);
    });
  }
}

