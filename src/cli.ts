import { closeSync, createReadStream, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { TranscriptAnalyzer, type Analysis, type TranscriptReadStats } from './check/analyse';
import { sweepMain } from './fleet/cli';
import { SipPcapWriter } from './pcap/writer';
import { jsonWithoutControls } from './report/controls';
import { renderFullReport } from './report/fullReport';
import { SipLineSplitter, type CapturedSipMessage } from './sip/index';
import type { SipLadder } from './sip/types';
import { countOf } from './plural';

/**
 * `sip-check analyze FILE... [--json] [--pcap OUT]`: the verdict and SIP summary of pasted CLI transcripts, offline.
 * Files are read in order as one timeline; `-` reads stdin. Everything streams (issue 17): the debug part goes line by
 * line through the SIP analyzer the live capture uses and is never kept, so there is no size limit; the config part
 * (`show` outputs) is kept, bounded. Guards instead of a cap: binary input (pcap, pcapng, gzip, NUL bytes, UTF-16)
 * is refused from its first bytes, and a line longer than MAX_LINE_CHARS is counted and skipped.
 * Exit 0 on success, 2 on bad usage or unreadable input.
 */

/** One input: its chunks in order, and its size when known (a file), for the progress estimate. */
export interface InputSource {
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
  size?: number;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Opens a file, or stdin for `-`. Errors (ENOENT, EISDIR...) may come from here or from the first read. */
  open: (file: string) => Promise<InputSource>;
  /** Progress is drawn on stderr only when it is a terminal (and never with --json); `sweep` likewise. */
  stderrIsTTY?: boolean;
  /** `sweep` reads the inventory and credentials from here (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock for the progress line, in ms. */
  now?: () => number;
}

/** Options of `analyze`: one table, so a new flag is one row (and its line in the usage text). */
interface FlagSpec {
  name: string;
  /** The value's name when the flag takes one (`--flag VALUE` or `--flag=VALUE`). */
  value?: string;
  /** What the value is, for the usage error (`--pcap needs a file name`). */
  valueIs?: string;
  help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { name: '--json', help: 'print exactly one JSON object: { verdict, config, sip, status, input }' },
  { name: '--pcap', value: 'OUT', valueIs: 'a file name', help: 'also write the captured SIP messages to OUT, one packet each (pcapng, raw IP):\n              open it in Wireshark or with sngrep -I OUT' },
];

export const USAGE = `Usage: sip-check analyze FILE... ${FLAGS.map((f) => `[${f.name}${f.value ? ` ${f.value}` : ''}]`).join(' ')}
       sip-check sweep [--tag NAME] [--json|--csv] [--state FILE] [--demo]   (sip-check sweep --help)
       sip-check --version

Reads FortiGate CLI transcripts (what the terminal showed: prompts, commands, outputs; terminal-logger noise is fine)
or bare SIP debug logs, and reports who handles SIP (SIP ALG, session helper, neither, or a mismatch) and a summary
of the captured SIP. Any size: the input is streamed.

  FILE        a transcript or debug log; several are read in order as one timeline; - reads stdin
${FLAGS.map((f) => `  ${(f.name + (f.value ? ` ${f.value}` : '')).padEnd(10)}  ${f.help}`).join('\n')}
  --help      this text (also: sip-check help)

Exit status: 0 analysed, 2 bad usage or unreadable input.`;

/** A longer line is no CLI text (a SIP record line is at most about 200 KB): counted and skipped, never kept. */
export const MAX_LINE_CHARS = 512 * 1024;
/** Bytes looked at before deciding whether an input is text. */
const SNIFF_BYTES = 4096;
const MB = 1024 * 1024;
/** Calls drawn as text ladders after the summary: as many as a check's report draws. */
const LADDERS = 3;

export interface ParsedArgs {
  files: string[];
  flags: Record<string, string | true>;
}

/** Splits `analyze`'s arguments by the flag table; a string is the usage error. */
export function parseArgs(args: readonly string[]): ParsedArgs | string {
  const out: ParsedArgs = { files: [], flags: {} };
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (arg === '-' || !arg.startsWith('--')) {
      out.files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS.find((f) => f.name === name);
    if (!spec) return `unknown option ${name}`;
    if (!spec.value) {
      if (eq >= 0) return `${name} takes no value`;
      out.flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++k];
    if (value === undefined || value === '' || value.startsWith('--')) return `${name} needs ${spec.valueIs ?? spec.value} (${name} ${spec.value})`;
    if (name in out.flags) return `${name} given twice`;
    out.flags[name] = value;
  }
  return out;
}

/**
 * Why the first bytes of an input are not a text transcript, or null. Quick and certain: magic numbers, UTF-16,
 * and NUL bytes (a terminal log may carry a stray NUL, a binary file has many).
 */
export function binaryInputReason(head: Buffer): string | null {
  const u32 = head.length >= 4 ? head.readUInt32LE(0) : -1;
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(u32)) return 'this looks like a pcap capture, not a CLI transcript: open it in Wireshark (or `tshark -r FILE -Y sip`)';
  if (u32 === 0x0a0d0d0a) return 'this looks like a pcapng capture, not a CLI transcript: open it in Wireshark (or `tshark -r FILE -Y sip`)';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'this is gzip-compressed: decompress it first (`zcat FILE | sip-check analyze -`)';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'this is a zip archive: extract the transcript first';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return 'this is UTF-16 text: convert it to UTF-8 first (`iconv -f UTF-16 -t UTF-8 FILE`)';
  let nul = 0;
  for (let k = 0; k < head.length; k++) if (head[k] === 0) nul++;
  if (nul > 0 && nul * 100 > head.length) return `this is binary data (${nul} NUL bytes in the first ${head.length}), not a CLI transcript`;
  return null;
}

function crToLf(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let k = out.indexOf(0x0d); k >= 0; k = out.indexOf(0x0d, k + 1)) out[k] = 0x0a;
  return out;
}

/** `read 120.0 MB, 85.3 MB/s, about 4 s left` on one redrawn stderr line, at most once a second. */
class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly io: CliIo,
    private readonly now: () => number,
    private readonly total: number | undefined,
    private readonly started = now(),
  ) {}

  tick(bytes: number): void {
    const t = this.now();
    if (t - this.last < 1000 || t - this.started < 1000) return;
    this.last = t;
    const rate = bytes / MB / ((t - this.started) / 1000);
    let text = `sip-check: read ${(bytes / MB).toFixed(1)} MB${this.total ? ` of ${(this.total / MB).toFixed(1)} MB` : ''}, ${rate.toFixed(1)} MB/s`;
    if (this.total && rate > 0) text += `, about ${Math.max(0, Math.ceil((this.total - bytes) / MB / rate))} s left`;
    this.io.stderr(`\r${text}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.io.stderr('\r\x1b[K');
  }
}

export function analysisJson(a: Analysis): object {
  const v = a.verdict;
  return {
    verdict: {
      handler: v.handler,
      /** Null when the verdict speaks for the whole unit; else which VDOMs it covers (issue 11 §2). */
      partial: v.partial ?? null,
      vdoms: v.vdoms.map((d) => ({
        name: d.name,
        handler: d.handler,
        rule: d.rule,
        policies: d.policies.map((p) => ({ id: p.id, name: p.name, handler: p.handler, rule: p.rule, reason: p.reason })),
        split: d.split,
        explanation: d.explanation,
        evidence: d.evidence,
        remediation: d.remediation,
        clearSessions: d.clearSessions ?? null,
        missing: d.missing,
        notes: d.notes,
      })),
      rule: v.rule,
      explanation: v.explanation,
      evidence: v.evidence,
      /** Separate options, each leading to one handler: { title, leadsTo, scope, vdom, commands[], sideEffects[] }. */
      remediation: v.remediation,
      /** Clearing SIP sessions: its own step per VDOM (drops calls in progress). */
      clearSessions: v.clearSessions,
    },
    config: a.config,
    sip: a.sip,
    status: a.status,
  };
}

/** A usage error: one line, and where the full usage is (the whole help text buries the one line that matters). */
function usageError(io: CliIo, text: string, help = 'sip-check --help'): number {
  io.stderr(`sip-check: ${text}\nsee \`${help}\`\n`);
  return 2;
}

/** The package's version, read once from package.json (one level above src/ and dist/). */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  if (args[0] === 'sweep') return sweepMain(args.slice(1), { stdout: io.stdout, stderr: io.stderr, progressTty: io.stderrIsTTY }, io.env ?? process.env);
  if (args[0] === '--version' || args[0] === '-V' || args[0] === 'version') {
    io.stdout(`sip-check ${packageVersion()}\n`);
    return 0;
  }
  if (args[0] === 'help' || args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE + '\n');
    return 0;
  }
  const command = args.shift();
  if (command !== 'analyze' && command !== 'analyse') return usageError(io, command ? `unknown command "${command.slice(0, 40)}": the commands are analyze and sweep` : 'missing command: analyze or sweep');
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') return usageError(io, parsed);
  const { files, flags } = parsed;
  const json = flags['--json'] === true;
  if (!files.length) return usageError(io, 'analyze needs at least one FILE (or - for stdin)');

  const pcapPath = typeof flags['--pcap'] === 'string' ? flags['--pcap'] : undefined;
  if (pcapPath === '-') return usageError(io, '--pcap writes a file: give a file name, not -');
  if (pcapPath !== undefined && files.some((f) => f !== '-' && path.resolve(f) === path.resolve(pcapPath))) return usageError(io, `--pcap ${pcapPath} is also an input: writing it would destroy the transcript`);
  const out = pcapPath === undefined ? undefined : openPcapOutput(pcapPath);
  if (out && 'error' in out) {
    io.stderr(`sip-check: cannot write ${pcapPath}: ${out.error}\n`);
    return 2;
  }
  // Offline, a capture without console timestamps is timed from now, 1 ms per message. Packets are written as the
  // input streams: the file, like the analysis, never holds the whole capture in memory.
  const writer = out ? new SipPcapWriter({ write: out.write, startMs: Date.now() }) : undefined;
  let run: Awaited<ReturnType<typeof analyseInputs>>;
  try {
    run = await analyseInputs(files, io, { progress: !json && io.stderrIsTTY === true, onMessage: writer ? (m) => writer.add(m) : undefined });
  } finally {
    out?.close();
  }
  if (typeof run === 'string') {
    if (pcapPath !== undefined) rmSync(pcapPath, { force: true }); // no half-written capture file beside an error
    io.stderr(run);
    return 2;
  }
  if (writer) io.stderr(writer.packets > 0 ? `sip-check: wrote ${countOf(writer.packets, 'packet')} to ${pcapPath}\n` : `sip-check: no SIP messages in the debug: ${pcapPath} holds no packets\n`);
  const { analysis, stats, input } = run;
  if (input.longLinesSkipped) io.stderr(`sip-check: skipped ${countOf(input.longLinesSkipped, 'line')} longer than ${MAX_LINE_CHARS / 1024} KiB (not CLI text)\n`);
  if (stats.skippedLines) io.stderr(`sip-check: ${countOf(stats.skippedLines, 'line')} of very long command outputs left out (the config part is kept in memory, bounded)\n`);
  if (json) io.stdout(jsonWithoutControls(JSON.stringify({ ...(analysisJson(analysis) as Record<string, unknown>), input: { ...input, lines: stats.lines, commands: stats.commands, debugLines: stats.debugLines, blindCommands: stats.blindCommands, outputLinesSkipped: stats.skippedLines } }, null, 2)) + '\n');
  // The same plain text as the check's attached report (controls made visible there): verdict, the whole SIP
  // summary, and the text ladders.
  else io.stdout(renderFullReport(analysis, run.ladders));
  return 0;
}

export interface InputFigures {
  files: number;
  bytes: number;
  longLinesSkipped: number;
}

/**
 * Streams every input, in order, through one TranscriptAnalyzer (one timeline). A string is the error to print.
 * `onMessage` sees every SIP message rebuilt from the debug stream, in order (the pcap writer of `--pcap`).
 */
export async function analyseInputs(
  files: readonly string[],
  io: CliIo,
  opts: { progress?: boolean; onMessage?: (message: CapturedSipMessage) => void } = {},
): Promise<{ analysis: Analysis; stats: TranscriptReadStats; ladders: SipLadder[]; input: InputFigures } | string> {
  const analyzer = new TranscriptAnalyzer(opts.onMessage ? { onMessage: opts.onMessage } : {});
  const input: InputFigures = { files: files.length, bytes: 0, longLinesSkipped: 0 };
  // SipLineSplitter cuts a line at MAX_LINE_CHARS (its pieces are that long, or one less to keep a CR with its
  // LF): the first piece is counted, it and the rest of that line are skipped.
  let skipping = false;
  const onLine = (line: string) => {
    if (skipping) {
      if (line.length < MAX_LINE_CHARS - 1) skipping = false;
      return;
    }
    if (line.length >= MAX_LINE_CHARS - 1) {
      input.longLinesSkipped++;
      skipping = true;
      return;
    }
    analyzer.pushLine(line);
  };

  const sources: Array<{ file: string; source: InputSource }> = [];
  for (const file of files) {
    try {
      sources.push({ file, source: await io.open(file) });
    } catch (e) {
      return `sip-check: cannot read ${file === '-' ? 'stdin' : file}: ${readErrorText(e)}\n`;
    }
  }
  const sizes = sources.map((s) => s.source.size);
  const total = sizes.every((n) => n !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;
  const progress = opts.progress ? new Progress(io, io.now ?? Date.now, total) : null;

  try {
    for (const { file, source } of sources) {
      const name = file === '-' ? 'stdin' : file;
      const splitter = new SipLineSplitter(onLine, MAX_LINE_CHARS);
      let head: Buffer[] | null = [];
      let headBytes = 0;
      // Old Mac line ends (CR only, no LF in the head): each CR is a line end. Elsewhere a CR inside a line is a
      // terminal redraw, which the transcript reader applies.
      let crOnly = false;
      const push = (bytes: Buffer) => splitter.push(crOnly ? crToLf(bytes) : bytes);
      const release = (): string | null => {
        let bytes = Buffer.concat(head!);
        head = null;
        const why = binaryInputReason(bytes);
        if (why) return `sip-check: cannot analyse ${name}: ${why}\n`;
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3); // UTF-8 BOM
        crOnly = !bytes.includes(0x0a) && bytes.includes(0x0d);
        push(bytes);
        return null;
      };
      try {
        for await (const raw of source.chunks) {
          const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
          input.bytes += chunk.length;
          if (head) {
            head.push(chunk);
            headBytes += chunk.length;
            if (headBytes >= SNIFF_BYTES) {
              const refused = release();
              if (refused) return refused;
            }
          } else push(chunk);
          progress?.tick(input.bytes);
        }
      } catch (e) {
        return `sip-check: cannot read ${name}: ${readErrorText(e)}\n`;
      }
      if (head) {
        const refused = release();
        if (refused) return refused;
      }
      splitter.end();
      skipping = false; // the file's last line ends with the file
    }
  } finally {
    progress?.done();
  }
  const done = analyzer.finish({ ladders: LADDERS });
  if (!done) {
    return `sip-check: no CLI commands or SIP debug lines found in ${files.map((f) => (f === '-' ? 'stdin' : f)).join(', ')}: expected a transcript with prompts like "FGT-A # get system status", or \`diagnose debug application sip -1\` output\n`;
  }
  return { ...done, input };
}

/** The pcap file, written through a 1 MiB buffer; private to the user (it holds the capture's SIP text). */
function openPcapOutput(file: string): { write: (chunk: Buffer) => void; close: () => void } | { error: string } {
  // Name the folder when it is what is missing: "no such file" about a file we are about to create misleads.
  const folder = path.dirname(path.resolve(file));
  if (!existsSync(folder)) return { error: `the folder ${path.dirname(file)} does not exist (create it first)` };
  if (!statSync(folder).isDirectory()) return { error: `${path.dirname(file)} is not a folder` };
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o600);
  } catch (e) {
    return { error: readErrorText(e) };
  }
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let used = 0;
  const writeAll = (bytes: Buffer, length: number) => {
    let done = 0;
    while (done < length) done += writeSync(fd, bytes, done, length - done);
  };
  return {
    write: (chunk) => {
      if (used + chunk.length > buffer.length) {
        writeAll(buffer, used);
        used = 0;
      }
      if (chunk.length > buffer.length) return writeAll(chunk, chunk.length);
      chunk.copy(buffer, used);
      used += chunk.length;
    },
    close: () => {
      try {
        writeAll(buffer, used);
      } finally {
        closeSync(fd);
      }
    },
  };
}

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' };

/** Errors may come from another realm (no `instanceof`): read `code`/`message` by shape. */
function readErrorText(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  if (code) return READ_ERRORS[code] ? `${READ_ERRORS[code]} (${code})` : code;
  return typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  open: async (file) => {
    if (file === '-') return { chunks: process.stdin };
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { chunks: createReadStream(file, { highWaterMark: 256 * 1024 }), size: info.size };
  },
  stderrIsTTY: process.stderr.isTTY === true,
  now: () => Date.now(),
};

/** Run when executed directly or through bin/sip-check.js (which requires this file). */
const entry = require.main?.filename ?? '';
if (require.main === module || /[\\/]bin[\\/]sip-check(?:\.js)?$/.test(entry)) {
  // `sweep` reads the bot's settings: from the environment, and from .env like `npm start`.
  if (process.argv[2] === 'sweep') loadDotenv({ quiet: true });
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sip-check: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
