import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { callText } from '../../bench/parser';
import { SipCaptureAnalyzer } from '../../src/sip';
import { FIXTURES, analyse, fixture } from './support/load';

/**
 * The parser's output pinned byte for byte (summary and ladders as JSON), recorded from the line-based parser before
 * the byte-level fast path was written: any change of output, however small, shows here. `GOLDEN_UPDATE=1` rewrites
 * the files (only when the output is meant to change; say so in the commit).
 */
const GOLDEN = path.join(FIXTURES, 'golden');
const ALL = ['basic-call.log', 'register-401.log', 'rejected-486.log', 'cancelled.log', 'no-final.log', 'retransmitted-invite.log', 'auth-loop-407.log', 'private-sdp.log', 'options.log', 'handbook-wrapped.log'];

/** The bench's generated level -1 log (calls, busy calls, REGISTER 401→200, OPTIONS), `calls` calls long. */
export function benchLog(calls: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < calls; i++) parts.push(callText(i));
  return Buffer.from(parts.join(''));
}

/** Every fixture, plus shapes a byte scanner could get wrong: CRLF, wrapped records, UTF-8, damaged hex, stray text. */
export function mixedCapture(): Buffer {
  const odd = [
    '2024-05-02 10:40:00 sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060',
    // Hex shorter than declared: falls back to the text.
    '2024-05-02 10:40:00 sip port 26 read [(0,40)(4f5054494f4e53207369703a)(OPTIONS sip:pbx.example.com SIP/2.0..Call-ID: odd1@x..CSeq: 1 OPTIONS....)]',
    // Not hex at all, blanks and CR at the end.
    '2024-05-02 10:40:01 sip port 26 read [(0,10)(OPTIONS sip:a SIP/2.0..Call-ID: odd2@x..CSeq: 2 OPTIONS....)]  \r',
    // Open record, closed on the next line.
    '2024-05-02 10:40:02 sip port 27 write [(0,12)(5349502f322e30203230',
    '30204f4b0d0a)(SIP/2.0 200 OK..)]',
    '2024-05-02 10:40:03.250 sip port 26 send [(0,3)(414243)(ABC)]',
    'garbage line \u00e9\u00e8 with “quotes”',
    '2024-05-02 10:40:04 sip port 26 blocked: caller “Zoë” rate limited',
    '2024-05-02 10:40:05 sip port 26 some middle words read [(0,3)(414243)(ABC)]',
    '2024-05-02 10:40:06 sip port 26 read [(0,3)(414243)(ABC)',
    '',
  ].join('\n');
  return Buffer.concat([...ALL.map(fixture), Buffer.from(odd + '\n'), benchLog(50)]);
}

function output(analyzer: SipCaptureAnalyzer): string {
  return JSON.stringify({ summary: analyzer.summary(), ladders: analyzer.ladders(3) }, null, 1) + '\n';
}

function check(name: string, got: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.GOLDEN_UPDATE === '1') writeFileSync(file, got);
  const want = readFileSync(file, 'utf8');
  // Compared as strings, so a failure shows the first difference.
  expect(got).toBe(want);
}

describe('golden output', () => {
  it('the fixtures and odd shapes, through the line splitter in 4 KB chunks', () => {
    const input = mixedCapture();
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 4096) chunks.push(input.subarray(i, i + 4096));
    check('mixed.json', output(analyse(chunks)));
  });

  it('the same through pushBytes, in chunks of every shape', () => {
    const input = mixedCapture();
    for (const size of [1 << 20, 4096, 977, 64]) {
      const a = new SipCaptureAnalyzer();
      for (let i = 0; i < input.length; i += size) a.pushBytes(input.subarray(i, i + size));
      check('mixed.json', output(a));
    }
  });

  it('the bench log (4,000 generated calls), digest of the output, by lines and by bytes', () => {
    const log = benchLog(4000);
    const got = output(analyse([log]));
    const digest = createHash('sha256').update(got).digest('hex');
    if (process.env.GOLDEN_UPDATE === '1') writeFileSync(path.join(GOLDEN, 'bench-4000.sha256'), `${digest}  ${got.length}\n`);
    expect(`${digest}  ${got.length}\n`).toBe(readFileSync(path.join(GOLDEN, 'bench-4000.sha256'), 'utf8'));
    const bytes = new SipCaptureAnalyzer();
    for (let i = 0; i < log.length; i += 65536) bytes.pushBytes(log.subarray(i, i + 65536));
    expect(output(bytes)).toBe(got);
  });
});
