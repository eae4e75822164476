import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { config as loadDotenv } from 'dotenv';
import { SipPcapWriter } from './pcap/writer';
import { analyseTranscript, type Analysis } from './check/analyse';
import { sweepMain } from './fleet/cli';
import { parseTranscript } from './fortios/transcript';
import { renderSipSummaryText } from './report/sipText';
import { renderVerdictText } from './report/verdictText';

/**
 * `sip-check analyze FILE... [--json]`: the verdict and SIP summary of pasted CLI transcripts, offline.
 * Files are concatenated in order; `-` reads stdin. Exit 0 on success, 2 on bad usage or unreadable input.
 */

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
  /** `sweep` reads the inventory and credentials from here (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** `sweep` prints progress on stderr when it is a terminal. */
  stderrIsTty?: boolean;
}

export const USAGE = `Usage: sip-check analyze FILE... [--json] [--pcap OUT.pcap]
       sip-check sweep [--tag NAME] [--json|--csv] [--state FILE]   (sip-check sweep --help)

Reads FortiGate CLI transcripts (what the terminal showed: prompts, commands, outputs) and reports who
handles SIP (SIP ALG, session helper, neither, or a mismatch) and a summary of the captured SIP.

  FILE        a transcript file; several are read in order as one session; - reads stdin
  --json      print exactly one JSON object: { verdict, config, sip, status }
  --pcap OUT  also write the captured SIP messages to OUT, one packet each (pcapng, raw IP):
              open it in Wireshark or with sngrep -I OUT
  --help      this text

Exit status: 0 analysed, 2 bad usage or unreadable input.`;

/** Caps what one run reads (a transcript is text; anything bigger is a mistake). */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

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
        missing: d.missing,
        notes: d.notes,
      })),
      rule: v.rule,
      explanation: v.explanation,
      evidence: v.evidence,
      remediation: v.remediation,
    },
    config: a.config,
    sip: a.sip,
    status: a.status,
  };
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  if (args[0] === 'sweep') return sweepMain(args.slice(1), { stdout: io.stdout, stderr: io.stderr, progressTty: io.stderrIsTty }, io.env ?? process.env);
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE + '\n');
    return 0;
  }
  const command = args.shift();
  if (command !== 'analyze' && command !== 'analyse') {
    io.stderr(`sip-check: ${command ? `unknown command "${command}"` : 'missing command'}\n\n${USAGE}\n`);
    return 2;
  }
  const pcap = takeValueOption(args, '--pcap');
  if (pcap.error) {
    io.stderr(`sip-check: ${pcap.error}\n\n${USAGE}\n`);
    return 2;
  }
  const json = args.includes('--json');
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (unknown.length) {
    io.stderr(`sip-check: unknown option ${unknown[0]}\n\n${USAGE}\n`);
    return 2;
  }
  const files = args.filter((a) => a !== '--json');
  if (!files.length) {
    io.stderr(`sip-check: analyze needs at least one FILE (or - for stdin)\n\n${USAGE}\n`);
    return 2;
  }

  const texts: string[] = [];
  let total = 0;
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? await io.readStdin() : await io.readFile(file);
    } catch (e) {
      const reason = readErrorText(e);
      io.stderr(`sip-check: cannot read ${file === '-' ? 'stdin' : file}: ${reason}\n`);
      return 2;
    }
    total += text.length;
    if (total > MAX_INPUT_BYTES) {
      io.stderr(`sip-check: input larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; not a CLI transcript?\n`);
      return 2;
    }
    texts.push(text.endsWith('\n') ? text : text + '\n');
  }
  const outputs = parseTranscript(texts.join(''));
  if (!outputs.length) {
    io.stderr(`sip-check: no CLI commands found in ${files.join(', ')}: expected a transcript with prompts like "FGT-A # get system status"\n`);
    return 2;
  }
  let analysis: Analysis;
  if (pcap.value !== undefined) {
    const out = openPcapOutput(pcap.value);
    if ('error' in out) {
      io.stderr(`sip-check: cannot write ${pcap.value}: ${out.error}\n`);
      return 2;
    }
    // Offline, a capture without console timestamps is timed from now, 1 ms per message.
    const writer = new SipPcapWriter({ write: out.write, startMs: Date.now() });
    try {
      analysis = analyseTranscript(outputs, { onMessage: (m) => writer.add(m) });
    } finally {
      out.close();
    }
    io.stderr(writer.packets > 0 ? `sip-check: wrote ${writer.packets} packet(s) to ${pcap.value}\n` : `sip-check: no SIP messages in the debug: ${pcap.value} holds no packets\n`);
  } else {
    analysis = analyseTranscript(outputs);
  }
  if (json) io.stdout(JSON.stringify(analysisJson(analysis), null, 2) + '\n');
  else io.stdout(`${renderVerdictText(analysis)}\n\n${renderSipSummaryText(analysis.sip)}\n`);
  return 0;
}

/** Removes `NAME VALUE` or `NAME=VALUE` from `args`: at most once, with a value that is not an option. */
function takeValueOption(args: string[], name: string): { value?: string; error?: string } {
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return {};
  const inline = args[at].startsWith(`${name}=`);
  const value = inline ? args[at].slice(name.length + 1) : args[at + 1];
  args.splice(at, inline ? 1 : 2);
  if (value === undefined || value === '' || value.startsWith('--')) return { error: `${name} needs a file name (${name} OUT.pcap)` };
  if (value === '-') return { error: `${name} writes a file: give a file name, not -` };
  if (args.some((a) => a === name || a.startsWith(`${name}=`))) return { error: `${name} given twice` };
  return { value };
}

/** The pcap file, written through a 1 MiB buffer; private to the user (it holds the capture's SIP text). */
function openPcapOutput(path: string): { write: (chunk: Buffer) => void; close: () => void } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o600);
  } catch (e) {
    return { error: readErrorText(e) };
  }
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let used = 0;
  const flush = () => {
    let done = 0;
    while (done < used) done += writeSync(fd, buffer, done, used - done);
    used = 0;
  };
  return {
    write: (chunk) => {
      if (used + chunk.length > buffer.length) flush();
      if (chunk.length > buffer.length) {
        let done = 0;
        while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
        return;
      }
      chunk.copy(buffer, used);
      used += chunk.length;
    },
    close: () => {
      try {
        flush();
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

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      size += b.length;
      if (size > MAX_INPUT_BYTES) {
        reject(new Error('input too large'));
        return;
      }
      chunks.push(b);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (p) => readFile(p, 'utf8'),
  readStdin: () => readAll(process.stdin),
  stderrIsTty: Boolean(process.stderr.isTTY),
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
