import { readFile } from 'node:fs/promises';
import { analyseTranscript, type Analysis } from './check/analyse';
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
}

export const USAGE = `Usage: sip-check analyze FILE... [--json]

Reads FortiGate CLI transcripts (what the terminal showed: prompts, commands, outputs) and reports who
handles SIP (SIP ALG, session helper, neither, or a mismatch) and a summary of the captured SIP.

  FILE      a transcript file; several are read in order as one session; - reads stdin
  --json    print exactly one JSON object: { verdict, config, sip, status }
  --help    this text

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
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE + '\n');
    return 0;
  }
  const command = args.shift();
  if (command !== 'analyze' && command !== 'analyse') {
    io.stderr(`sip-check: ${command ? `unknown command "${command}"` : 'missing command'}\n\n${USAGE}\n`);
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
  const analysis = analyseTranscript(outputs);
  if (json) io.stdout(JSON.stringify(analysisJson(analysis), null, 2) + '\n');
  else io.stdout(`${renderVerdictText(analysis)}\n\n${renderSipSummaryText(analysis.sip)}\n`);
  return 0;
}

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory' };

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
};

/** Run when executed directly or through bin/sip-check.js (which requires this file). */
const entry = require.main?.filename ?? '';
if (require.main === module || /[\\/]bin[\\/]sip-check(?:\.js)?$/.test(entry)) {
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
