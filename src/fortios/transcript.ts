import { CLI_ERRORS, COMMANDS, PROMPT_LINE, promptBaseHost } from './cli';
import type { CommandResult } from './types';

/**
 * A CLI transcript is what a terminal shows: `HOST (ctx) # command`, then its output, then the next prompt.
 * It is the one text format shared by `sip-check analyze` (users paste it), the simulator's scenarios
 * (the device answers from it) and the transcript attached to every live check (renderCliRecord: every line the bot
 * typed, after the prompt the unit printed, with `[sip-check: ...]` marks the reader skips).
 *
 * What users really paste (issue 11 §1) is read here, line by line and streaming: terminal-logger noise (ANSI
 * escapes, `\r` redraws, backspaces, `--More--` residue, logger timestamp prefixes, a `login as:` / banner
 * preamble, CRLF and LF mixed), debug output that continues on the idle prompt's line, `diagnose debug
 * disable` / `reset` typed blind while debug scrolls (on their own line or glued to a debug line), abbreviated
 * commands (`diag debug en`), and a debug log with no prompt at all.
 */

/** Prompt contexts that are configuration sub-modes, not VDOMs. `vdom` is the VDOM picker of `config vdom`. */
const NON_VDOM_CONTEXTS = new Set(['vdom']);

/** Collapses whitespace so `show  firewall policy` and `show firewall policy` are one command. */
export function normaliseCommand(command: string): string {
  return command.trim().replace(/\s+/g, ' ');
}

/** Removes pager artefacts and line-end noise from raw CLI text: `--More--` and its `\r   \r` redraw, CRs, trailing spaces. */
export function cleanCliText(raw: string): string {
  return raw
    .replace(/ ?--More-- ?(?:\r +\r|\r|\x08+ *\x08*)?/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r+\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(/[ \t]+$/gm, '');
}

/** The first CLI error in an output, if any. */
export function detectCliError(output: string): CommandResult['error'] {
  for (const { pattern, kind } of CLI_ERRORS) {
    const m = pattern.exec(output);
    if (m) return { kind, text: m[0] };
  }
  return undefined;
}

export function contextFromPrompt(ctx: string | undefined): string | null {
  if (!ctx || NON_VDOM_CONTEXTS.has(ctx)) return null;
  return ctx;
}

// ------------------------------------------------------------------ terminal-logger noise

/**
 * A timestamp a terminal logger put before each line (MobaXterm, SecureCRT "custom log data", `ts`, Tera Term):
 * `[2024-03-11 09:15:02] `, `[09:15:02.123] `, `[Mon Mar 11 09:15:02.123 2024] `. Bracketed only: FortiOS's own console timestamp has no brackets.
 */
const LOGGER_STAMP = /^\[(?:(?:\d{4}[-/.]\d{2}[-/.]\d{2}[ T])?\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d{1,6})? \d{4})\] ?/;
/** ANSI/VT100 escapes: CSI (`ESC [ ... letter`), OSC (`ESC ] ... BEL`), charset and keypad selections. */
const ANSI = /\x1b(?:\[[0-9;?<=>!]{0,32}[ -/]{0,2}[@-~]|\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)?|[()*+][A-Za-z0-9]|[=>78DEHMc])/g;
const PAGER_MARK = / ?--More-- ?/g;
/** Control characters: escapes, CR inside the line, backspaces, NUL padding (the slow path). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

/**
 * Whether a line may need the slow path. `indexOf` per character is several times faster than one character-class
 * scan on long debug lines; the other C0 controls (BEL, SI...) are rare and removed on the slow path when it runs.
 */
function mayBeNoisy(line: string): boolean {
  return line.indexOf('\x1b') >= 0 || line.indexOf('\r') >= 0 || line.indexOf('\b') >= 0 || line.indexOf('\x00') >= 0 || line.indexOf('\x7f') >= 0 || line.includes('--More--') || (line.length < 512 && CONTROL.test(line));
}

/** One escape sequence at a position (sticky), to skip it while the line is replayed. */
const ANSI_AT = new RegExp(ANSI.source, 'y');
/** Cursor moves and erase-to-end that line editors echo (`ESC [ n D` left, `ESC [ n C` right, `ESC [ K`). */
const CURSOR_AT = /\x1b\[(\d{0,4})([CDK])/y;

/**
 * One line as the terminal showed it: the logger stamp and the pager marker removed, then the line replayed the way a
 * terminal draws it (`\r` and backspace move the cursor back and later characters overwrite; cursor-left/right and
 * erase-to-end escapes too; other escapes and control characters draw nothing), trailing blanks dropped. A line
 * without any of that comes back as it is (the hot path for debug streams).
 */
export function cleanTerminalLine(raw: string): string {
  let line = raw;
  while (line.length && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  if (line.charCodeAt(0) === 91) line = line.replace(LOGGER_STAMP, '');
  if (!mayBeNoisy(line)) return line.charCodeAt(line.length - 1) === 32 || line.charCodeAt(line.length - 1) === 9 ? line.trimEnd() : line;
  line = replay(line.replace(PAGER_MARK, ''));
  // A logger stamp may follow a redraw or an escape.
  if (line.charCodeAt(0) === 91) line = line.replace(LOGGER_STAMP, '');
  return line.trimEnd();
}

function replay(line: string): string {
  const cells: string[] = [];
  let at = 0;
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 27) {
      CURSOR_AT.lastIndex = i;
      const move = CURSOR_AT.exec(line);
      if (move) {
        const n = Math.max(1, Number(move[1] || '1'));
        // Never past the input's length: hostile escapes cannot make the line grow.
        if (move[2] === 'C') at = Math.min(at + n, line.length - 1);
        else if (move[2] === 'D') at = Math.max(0, at - n);
        else if (!move[1] || move[1] === '0') cells.length = Math.min(cells.length, at);
        i = CURSOR_AT.lastIndex;
        continue;
      }
      ANSI_AT.lastIndex = i;
      i = ANSI_AT.exec(line) ? ANSI_AT.lastIndex : i + 1;
      continue;
    }
    if (c === 13) at = 0;
    else if (c === 8) at = Math.max(0, at - 1);
    else if (c >= 32 && c !== 127) {
      while (cells.length < at) cells.push(' ');
      cells[at++] = line[i];
    } else if (c === 9) {
      while (cells.length < at) cells.push(' ');
      cells[at++] = '\t';
    }
    i++;
  }
  return cells.join('');
}

// ------------------------------------------------------------------ commands as typed

/**
 * FortiOS accepts any unambiguous prefix of each word (`diag debug en`, `sh full sys settings`). The command tree of
 * what this project reads, so an abbreviation maps to the one spelling the parsers know. A word that is not in the
 * tree, or is ambiguous there, ends the expansion (the rest stays as typed).
 */
type CommandTree = { readonly [word: string]: CommandTree };
const LEAF: CommandTree = {};
const SHOW_OBJECTS: CommandTree = {
  system: { settings: LEAF, 'session-helper': LEAF, 'session-ttl': LEAF, interface: LEAF, global: LEAF, status: LEAF },
  firewall: { policy: LEAF, service: { custom: LEAF, group: LEAF }, address: LEAF },
  voip: { profile: LEAF },
};
const COMMAND_TREE: CommandTree = {
  show: { 'full-configuration': SHOW_OBJECTS, ...SHOW_OBJECTS },
  get: { system: { status: LEAF, settings: LEAF, 'session-helper': LEAF } },
  diagnose: {
    sys: {
      'sip-proxy': { stats: LEAF, calls: { list: LEAF } },
      sip: { status: LEAF },
      session: { filter: { clear: LEAF, dport: LEAF }, list: LEAF, clear: LEAF },
      vd: { list: LEAF },
    },
    debug: {
      enable: LEAF,
      disable: LEAF,
      reset: LEAF,
      report: LEAF,
      info: LEAF,
      duration: LEAF,
      application: { sip: LEAF, im: LEAF },
      console: { timestamp: { enable: LEAF, disable: LEAF } },
      flow: LEAF,
    },
  },
  config: { vdom: LEAF, global: LEAF, system: LEAF, firewall: LEAF, voip: LEAF },
  edit: LEAF,
  end: LEAF,
  next: LEAF,
  exit: LEAF,
  execute: LEAF,
};
/** Commands that start the debug stream, and those that end it (docs/domain.md "The SIP debug capture"). */
const DEBUG_OFF: readonly string[] = [COMMANDS.debugDisable, COMMANDS.debugReset];
/** CLI verbs a first prompt may carry: a banner line that happens to look like `WORD # text` is not a prompt. */
const CLI_VERBS = /^(?:get|show|sh|diagnose|diag|dia|di|config|conf|execute|exec|exe|edit|end|next|set|unset|append|exit|fnsysctl|tree|sudo|purge|abort|delete|clone|rename|move|select)\b/i;

/**
 * The command as the parsers know it: whitespace collapsed and abbreviations along the command tree expanded
 * (`diag deb en` → `diagnose debug enable`, `sh full sys settings` → `show full-configuration system settings`).
 */
export function canonicalCommand(typed: string): string {
  const words = normaliseCommand(typed).split(' ');
  let node: CommandTree | undefined = COMMAND_TREE;
  for (let k = 0; k < words.length && node && Object.keys(node).length; k++) {
    const word = words[k].toLowerCase();
    let next: string | undefined = Object.prototype.hasOwnProperty.call(node, word) ? word : undefined;
    if (next === undefined && word.length >= 2) {
      const hits: string[] = Object.keys(node).filter((w) => w.startsWith(word));
      if (hits.length === 1) next = hits[0];
    }
    if (next === undefined) break;
    words[k] = next;
    node = node[next];
  }
  return words.join(' ');
}

function isDebugOff(command: string): boolean {
  return DEBUG_OFF.includes(command);
}

/** `diagnose debug disable` or `reset`, in any abbreviation, typed blind at the end of a line (glued to debug output). */
const BLIND_DEBUG_OFF = /(?:^|(?<=\S))\s*(di(?:a(?:g(?:n(?:o(?:s(?:e)?)?)?)?)?)?\s+de(?:b(?:u(?:g)?)?)?\s+(?:dis(?:a(?:b(?:l(?:e)?)?)?)?|res(?:e(?:t)?)?))\s*$/i;

/** Whether the last non-blank character is one `disable`, `reset` or a prefix of them can end with. */
function endsLikeDebugOff(line: string): boolean {
  let k = line.length - 1;
  while (k >= 0 && (line.charCodeAt(k) === 32 || line.charCodeAt(k) === 9)) k--;
  const c = line.charCodeAt(k) | 0x20; // lower case
  return c === 0x65 || c === 0x73 || c === 0x6c || c === 0x62 || c === 0x61 || c === 0x74; // e s l b a t
}

/** Console timestamp FortiOS prints before debug lines (`diagnose debug console timestamp enable`). */
const CONSOLE_STAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\s/;
/** SIP debug line starts (docs/domain.md "The SIP debug capture"): these never belong to a command's output. */
const SIP_DEBUG = /^(?:\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\s+)?sip (?:port \d|sess(?:ion)? 0x|vd )/;

/** Whether a line is SIP debug output, whatever command it landed under. */
export function isSipDebugLine(line: string): boolean {
  return SIP_DEBUG.test(line);
}

// ------------------------------------------------------------------ the streaming reader

export interface TranscriptReaderOptions {
  /**
   * Receives the debug stream, line by line, in order: everything after `diagnose debug enable` until `diagnose
   * debug disable` / `reset` (typed at a prompt or blind), SIP debug lines wherever they land, and a debug log
   * with no prompt at all. Without it, those lines are kept as the output of `diagnose debug enable` (a small
   * transcript, the simulator's scenarios).
   */
  onDebugLine?: (line: string) => void;
  /** Characters kept per command output (the config part); lines beyond are counted in `stats.skippedLines`. */
  maxOutputChars?: number;
  /** Characters kept over all outputs. */
  maxTotalChars?: number;
}

export interface TranscriptStats {
  /** Lines read. */
  lines: number;
  /** Lines sent to the debug stream. */
  debugLines: number;
  /** `diagnose debug disable` / `reset` typed without a prompt while debug scrolled. */
  blindCommands: number;
  /** Output lines dropped because an output (or all outputs) reached the memory bound. */
  skippedLines: number;
  /** Lines before the first prompt that were not debug output (login, banner). */
  preambleLines: number;
}

interface OpenCommand {
  command: string;
  context: string | null;
  lines: string[];
  chars: number;
  /** Index in `results` (reserved when it opened, so the order is the order typed). */
  index: number;
}

const DEFAULT_MAX_OUTPUT_CHARS = 16 * 1024 * 1024;
const DEFAULT_MAX_TOTAL_CHARS = 32 * 1024 * 1024;

/**
 * Splits a transcript into commands and outputs as lines arrive. Only prompts of the first host seen count (a
 * prompt-looking line inside output does not start a command), and that first prompt must carry a CLI verb or
 * nothing (a banner line such as `WARNING # ...` is not a prompt). Memory: the outputs (the config part) are kept,
 * bounded; the debug stream never is when `onDebugLine` is given.
 */
export class TranscriptReader {
  readonly stats: TranscriptStats = { lines: 0, debugLines: 0, blindCommands: 0, skippedLines: 0, preambleLines: 0 };
  private readonly slots: Array<CommandResult | null> = [];
  private host: string | null = null;
  private current: OpenCommand | null = null;
  private context: string | null = null;
  private debugOn = false;
  /** Batch mode: the open `diagnose debug enable` the debug lines are kept under. */
  private debugHolder: OpenCommand | null = null;
  private totalChars = 0;
  private readonly maxOutput: number;
  private readonly maxTotal: number;

  constructor(private readonly opts: TranscriptReaderOptions = {}) {
    this.maxOutput = opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
    this.maxTotal = opts.maxTotalChars ?? DEFAULT_MAX_TOTAL_CHARS;
  }

  pushLine(raw: string): void {
    this.stats.lines++;
    const line = cleanTerminalLine(raw);
    // A record's own marks (renderCliRecord): a new connection; a line whose output was not read.
    if (line.startsWith('[sip-check: ') && MARK_LINE.test(line)) return;
    const m = line.length > 1 ? PROMPT_LINE.exec(line) : null;
    if (m && this.isPrompt(m)) {
      const typed = (m[4] ?? '').replace(UNREAD_MARK, '');
      const context = contextFromPrompt(m[2]);
      if (this.looksLikeDebug(typed)) {
        // The idle prompt printed after `diagnose debug enable`, with the debug stream continuing on its line.
        this.context = context;
        this.debugOn = true;
        this.debug(typed);
        return;
      }
      this.startCommand(typed, context);
      return;
    }
    this.outputLine(line);
  }

  /** Closes the last command; returns every command in the order typed. */
  end(): CommandResult[] {
    this.close(this.current);
    this.current = null;
    this.close(this.debugHolder);
    this.debugHolder = null;
    return this.results();
  }

  results(): CommandResult[] {
    return this.slots.filter((r): r is CommandResult => r !== null);
  }

  private isPrompt(m: RegExpExecArray): boolean {
    const host = promptBaseHost(m[1]);
    if (this.host !== null) return host === this.host;
    const typed = (m[4] ?? '').trim();
    if (typed !== '' && !CLI_VERBS.test(typed) && !CONSOLE_STAMP.test(typed) && !SIP_DEBUG.test(typed)) return false;
    this.host = host;
    return true;
  }

  /** Text on a prompt line that is debug output, not a command: no CLI verb, and debug is on or it looks like debug. */
  private looksLikeDebug(typed: string): boolean {
    const t = typed.trimStart();
    if (t === '' || CLI_VERBS.test(t)) return false;
    return this.debugOn || CONSOLE_STAMP.test(t) || SIP_DEBUG.test(t);
  }

  private startCommand(typed: string, context: string | null): void {
    this.close(this.current);
    this.current = null;
    this.context = context;
    const command = canonicalCommand(typed);
    if (!command) return;
    const open = this.open(command, context);
    if (command === COMMANDS.debugEnable) {
      this.close(this.debugHolder);
      this.debugOn = true;
      this.debugHolder = open;
      this.current = open;
      return;
    }
    if (isDebugOff(command)) this.stopDebug();
    this.current = open;
  }

  private outputLine(line: string): void {
    if (this.debugOn) {
      // Only the tail can hold it: the pattern never scans a whole (long) debug line, and runs only when the line
      // ends in a letter `disable` / `reset` (or an abbreviation) can end in; debug lines end in digits or `)]`.
      const tailAt = Math.max(0, line.length - 64);
      const glued = endsLikeDebugOff(line) ? BLIND_DEBUG_OFF.exec(tailAt ? line.slice(tailAt) : line) : null;
      if (glued && (tailAt === 0 || glued.index > 0)) {
        const before = line.slice(0, tailAt + glued.index).trimEnd();
        if (before) this.debug(before);
        this.stats.blindCommands++;
        this.close(this.current);
        this.current = this.open(canonicalCommand(glued[1]), this.context);
        this.stopDebug();
        return;
      }
      const underOther = this.current && this.current !== this.debugHolder && !isDebugOff(this.current.command);
      if (!underOther || SIP_DEBUG.test(line)) {
        this.debug(line);
        return;
      }
      this.keep(this.current!, line);
      return;
    }
    if (SIP_DEBUG.test(line)) {
      // Debug output with no `diagnose debug enable` before it: a debug log alone, or a capture pasted after the config.
      this.debugOn = true;
      this.debug(line);
      return;
    }
    if (!this.current && line.startsWith('#config-version=')) {
      // A configuration backup: what plain `show` prints at the top level (defaults left out).
      this.current = this.open('show', this.context);
    }
    if (this.current) this.keep(this.current, line);
    else if (line.trim() !== '') this.stats.preambleLines++;
  }

  private debug(line: string): void {
    this.stats.debugLines++;
    if (this.opts.onDebugLine) {
      this.opts.onDebugLine(line);
      // `diagnose debug flow` lines are verdict evidence (`msg="run helper-sip(...)"`): kept, bounded, like output.
      if (line.includes('trace_id=')) this.keep(this.holder(), line);
      return;
    }
    this.holder().lines.push(line);
  }

  private holder(): OpenCommand {
    return (this.debugHolder ??= this.open(COMMANDS.debugEnable, this.context));
  }

  private stopDebug(): void {
    this.debugOn = false;
    if (this.debugHolder !== this.current) this.close(this.debugHolder);
    this.debugHolder = null;
  }

  private open(command: string, context: string | null): OpenCommand {
    this.slots.push(null);
    return { command, context, lines: [], chars: 0, index: this.slots.length - 1 };
  }

  private keep(open: OpenCommand, line: string): void {
    if (open.chars + line.length > this.maxOutput || this.totalChars + line.length > this.maxTotal) {
      this.stats.skippedLines++;
      return;
    }
    open.chars += line.length + 1;
    this.totalChars += line.length + 1;
    // Streaming, a line is a slice of a decoded input chunk: a flat copy keeps that chunk from living on with it.
    open.lines.push(this.opts.onDebugLine && line.length > 12 ? Buffer.from(line, 'utf8').toString('utf8') : line);
  }

  private close(open: OpenCommand | null): void {
    if (!open || this.slots[open.index] !== null) return;
    if (open === this.debugHolder && open === this.current && this.debugOn) return; // still streaming
    const lines = open.lines;
    let start = 0;
    let end = lines.length;
    while (end > start && lines[end - 1].trim() === '') end--;
    while (start < end && lines[start].trim() === '') start++;
    const output = lines.slice(start, end).join('\n');
    const result: CommandResult = { command: open.command, context: open.context, output };
    const error = detectCliError(output);
    if (error) result.error = error;
    this.slots[open.index] = result;
  }
}

/**
 * Splits a pasted transcript into commands and outputs (the whole text at once; see TranscriptReader). The debug
 * stream is kept as the output of `diagnose debug enable`.
 */
export function parseTranscript(text: string): CommandResult[] {
  const reader = new TranscriptReader({ maxOutputChars: Number.MAX_SAFE_INTEGER, maxTotalChars: Number.MAX_SAFE_INTEGER });
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    if (nl > start || nl < text.length) reader.pushLine(text.slice(start, nl));
    start = nl + 1;
  }
  return reader.end();
}

/** The prompt FortiOS shows in a context (the simulator prints it). */
export function promptFor(hostname: string, context: string | null, privilege: '#' | '$' = '#'): string {
  return context ? `${hostname} (${context}) ${privilege} ` : `${hostname} ${privilege} `;
}

// ------------------------------------------------------------------ the record of a live check

/**
 * Why a typed line's output is not in the record: `typed blind` (a stream stop typed while debug output scrolled,
 * read up to its prompt but not kept), `logout` (`exit`: the unit closes the connection), `no prompt` (the wait
 * timed out), `connection lost`, `output over the bound`.
 */
export type UnreadReason = 'typed blind' | 'logout' | 'no prompt' | 'connection lost' | 'output over the bound';

/** One line the bot typed on a firewall, for the audit record (the CLI transcript attached to a check). */
export interface TypedLine {
  /** The prompt the unit printed last before the line was typed, exactly as printed ('' when none was seen). */
  prompt: string;
  /** The line as typed (sent with a CR). */
  command: string;
  /** The output as read: echo and prompt removed, `\n` line ends. Absent when it was not read. */
  output?: string;
  /** Why the output was not read. */
  unread?: UnreadReason;
}

/**
 * Marks in a rendered record: `[sip-check: ...]` alone on a line (a new SSH connection) or after a typed line (its
 * output was not read). The reader skips them, so `analyze` reads a record like any transcript.
 */
const MARK_LINE = /^\[sip-check: [^\]\r\n]{1,200}\]$/;
const UNREAD_MARK = /\s+\[sip-check: output not read(?:: [^\]\r\n]{1,80})?\]$/;

/**
 * Renders what was typed on a firewall, connection by connection (the check's session, then any fresh one opened
 * to clean up after a drop): each line after the prompt the unit printed before it, then its output as read, or a
 * mark saying it was not read. Every line the bot typed is there, in order; `parseTranscript` reads it back.
 */
export function renderCliRecord(connections: ReadonlyArray<readonly TypedLine[]>, firewall: string): string {
  const parts: string[] = [`[sip-check: CLI of ${firewall}: every line typed, in order]`];
  connections.forEach((lines, i) => {
    if (i > 0) parts.push('[sip-check: new SSH connection]');
    for (const line of lines) {
      const unread = line.output === undefined ? `  [sip-check: output not read: ${line.unread ?? 'no prompt'}]` : '';
      parts.push(line.prompt + line.command + unread);
      if (line.output) parts.push(line.output);
    }
  });
  return parts.join('\n') + '\n';
}

/** Outputs of one command (normalised), in order, optionally limited to a context. */
export function outputsOf(results: readonly CommandResult[], command: string, context?: string | null): CommandResult[] {
  const wanted = normaliseCommand(command);
  return results.filter((r) => r.command === wanted && (context === undefined || r.context === context));
}
