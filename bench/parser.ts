/**
 * Parser benchmark: generates `diagnose debug application sip -1` logs (hex + ASCII dumps, thousands of calls) of the
 * given sizes, then reads each with a stream through SipCaptureAnalyzer.pushBytes in a child process (throughput
 * MB/s by wall clock and per CPU-second, peak RSS of the parsing child from VmHWM), and once more stopping at parsed
 * SIP messages (no analyzer), with `grep -c` over the same file as reference.
 * Targets: ≥ 200 MB/s on 500 MB, ≥ 100 MB/s on 10 MB, peak RSS < 150 MB whatever the size.
 *
 * Then the command people run (issue 17): `node <compiled cli.js> analyze FILE --json` as a separate process, on the
 * same file wrapped in a real session's config (so the verdict is exercised too): wall time, MB/s end to end and its
 * peak RSS (VmHWM, printed at exit by test/support/peakRss.js). The CLI is transpiled to plain JS under bench/out/dist
 * first (what `npm run build` gives a user), so TypeScript is not in the measured process.
 * Targets: peak RSS < 200 MB on 500 MB; MB/s within 80% of the in-process parser figure.
 *
 *   npx ts-node --transpile-only bench/parser.ts 10 [500 ...]
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchFigure } from './figures';
import { compiledSrc } from './lib';

const MB = 1024 * 1024;

export async function benchParser(opts: { sizesMB: number[]; tmpDir: string }): Promise<BenchFigure[]> {
  mkdirSync(opts.tmpDir, { recursive: true });
  const runner = buildChild();
  const cli = buildCli();
  const figures: BenchFigure[] = [];
  for (const size of opts.sizesMB) {
    const file = path.join(opts.tmpDir, `sip-debug-${size}MB.log`);
    try {
      const generated = await generateLog(file, size * MB);
      const parser = await runChild(runner, file, 'parser');
      const run = await runChild(runner, file, 'analyzer');
      const grep = await timeGrep(file);
      const bytesMB = generated.bytes / MB;
      const tag = `${size}MB`;
      // CPU time is what the code itself costs when other processes share the cores (wall time then lies): both given.
      figures.push(
        { name: `parser.throughput.${tag}`, value: round(bytesMB / run.seconds), unit: 'MB/s', note: `whole analyzer (what a check runs), wall clock; ${run.messages} messages, ${generated.calls} calls; target ≥ ${size >= 100 ? 200 : 100}` },
        { name: `parser.cpuThroughput.${tag}`, value: round(bytesMB / run.cpuSeconds), unit: 'MB/s', note: 'whole analyzer: bytes / (user + system CPU seconds of the child, V8 compiler and GC threads included: can exceed wall time on an idle machine)' },
        { name: `parser.seconds.${tag}`, value: round(run.seconds), unit: 's', note: `CPU ${round(run.cpuSeconds)} s` },
        // What a live capture costs the bot's event loop per SIP message (the analyzer runs there, line by line).
        { name: `parser.cpuPerMessage.${tag}`, value: round((run.cpuSeconds * 1e6) / Math.max(1, run.messages)), unit: 'µs', note: 'whole analyzer, CPU time per SIP message (its ~4 debug lines included)' },
        { name: `parser.parseOnly.throughput.${tag}`, value: round(bytesMB / parser.seconds), unit: 'MB/s', note: 'bytes → lines → debug records (hex decoded) → parsed SIP messages, no analyzer; wall clock' },
        { name: `parser.parseOnly.cpuThroughput.${tag}`, value: round(bytesMB / parser.cpuSeconds), unit: 'MB/s', note: 'the same per CPU-second; the rest of the whole figure is the analyzer (calls, SDP, retransmissions, NAT checks)' },
        { name: `parser.peakRss.${tag}`, value: round(run.maxRssKB / 1024), unit: 'MB', note: 'VmHWM of the parsing child (default V8 heap settings), target < 150' },
        { name: `grep.throughput.${tag}`, value: round(bytesMB / grep.seconds), unit: 'MB/s', note: `grep -c 'read \\[' (${grep.count} records)` },
        { name: `grep.seconds.${tag}`, value: round(grep.seconds), unit: 's' },
      );
      const analyze = await runAnalyze(cli, file);
      const analyzeMB = analyze.bytes / MB;
      figures.push(
        { name: `analyze.throughput.${tag}`, value: round(analyzeMB / analyze.seconds), unit: 'MB/s', note: `node cli.js analyze FILE --json, wall time with start-up; ${round((analyzeMB / analyze.seconds / (bytesMB / run.seconds)) * 100)}% of the in-process parser (target ≥ 80%)` },
        { name: `analyze.seconds.${tag}`, value: round(analyze.seconds), unit: 's', note: `verdict ${analyze.handler}, ${analyze.messages} messages` },
        { name: `analyze.cpuThroughput.${tag}`, value: round(analyzeMB / analyze.cpuSeconds), unit: 'MB/s', note: `bytes / CPU seconds of the analyze process; ${round((analyzeMB / analyze.cpuSeconds / (bytesMB / run.cpuSeconds)) * 100)}% of the parser's (less noisy than wall time on a shared machine)` },
        { name: `analyze.peakRss.${tag}`, value: round(analyze.peakKb / 1024), unit: 'MB', note: 'VmHWM of the analyze process, target < 200' },
      );
    } finally {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  }
  return figures;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

// ------------------------------------------------------------------ generator

const PHONE = '192.168.1.10:5060';
const FGT = '203.0.113.2:5060';
const PBX = '198.51.100.7:5060';

function sip(start: string, headers: string[], body = ''): string {
  return [start, ...headers, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n') + '\r\n\r\n' + body;
}

function sdp(ip: string, port: number): string {
  return ['v=0', `o=- ${port} ${port} IN IP4 ${ip}`, 's=call', `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
}

function record(ts: string, port: number, src: string, dst: string, message: string): string {
  const bytes = Buffer.from(message, 'utf8');
  const text = message.replace(/[\r\n]/g, '.');
  return (
    `${ts} sip port ${port} locate session for ${src} -> ${dst}\n` +
    `${ts} sip sess 0x979df38 found for ${src} -> ${dst}\n` +
    `${ts} sip port ${port} ${src} -> ${dst}\n` +
    `${ts} sip port ${port} read [(0,${bytes.length})(${bytes.toString('hex')})(${text})]\n`
  );
}

function timestamp(second: number): string {
  const d = new Date(Date.UTC(2024, 4, 2, 8, 0, 0) + second * 1000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** One call's worth of debug output; every 10th call is busy, every 5th has a REGISTER 401→200 and an OPTIONS. */
export function callText(i: number): string {
  const ts = (s: number) => timestamp(i * 3 + s);
  const id = `bench-${i}@192.168.1.10`;
  const from = `From: "Ext ${1000 + (i % 500)}" <sip:${1000 + (i % 500)}@pbx.example.com>;tag=f${i}`;
  const to = `To: <sip:${2000 + (i % 300)}@pbx.example.com>`;
  const toT = `${to};tag=t${i}`;
  const via = (b: string, host = '192.168.1.10:5060') => `Via: SIP/2.0/UDP ${host};branch=z9hG4bK-${i}-${b};rport`;
  const out: string[] = [];
  out.push(record(ts(0), 26, PHONE, PBX, sip(`INVITE sip:${2000 + (i % 300)}@pbx.example.com SIP/2.0`, [via('a'), from, to, `Call-ID: ${id}`, 'CSeq: 1 INVITE', `Contact: <sip:${1000 + (i % 500)}@192.168.1.10:5060>`, 'Max-Forwards: 70', 'User-Agent: Yealink SIP-T46S 66.86.0.15', 'Content-Type: application/sdp'], sdp('192.168.1.10', 16384 + (i % 1000) * 2))));
  out.push(record(ts(0), 27, PBX, FGT, sip('SIP/2.0 100 Trying', [via('a', '203.0.113.2:5060'), from, to, `Call-ID: ${id}`, 'CSeq: 1 INVITE', 'Server: Asterisk PBX 18.20.0'])));
  if (i % 10 === 9) {
    out.push(record(ts(1), 27, PBX, FGT, sip('SIP/2.0 486 Busy Here', [via('a', '203.0.113.2:5060'), from, toT, `Call-ID: ${id}`, 'CSeq: 1 INVITE', 'Server: Asterisk PBX 18.20.0'])));
    out.push(record(ts(1), 26, PHONE, PBX, sip(`ACK sip:${2000 + (i % 300)}@pbx.example.com SIP/2.0`, [via('a'), from, toT, `Call-ID: ${id}`, 'CSeq: 1 ACK', 'Max-Forwards: 70'])));
  } else {
    out.push(record(ts(1), 27, PBX, FGT, sip('SIP/2.0 180 Ringing', [via('a', '203.0.113.2:5060'), from, toT, `Call-ID: ${id}`, 'CSeq: 1 INVITE', 'Server: Asterisk PBX 18.20.0'])));
    out.push(record(ts(2), 27, PBX, FGT, sip('SIP/2.0 200 OK', [via('a', '203.0.113.2:5060'), from, toT, `Call-ID: ${id}`, 'CSeq: 1 INVITE', `Contact: <sip:${2000 + (i % 300)}@198.51.100.7:5060>`, 'Server: Asterisk PBX 18.20.0', 'Content-Type: application/sdp'], sdp('198.51.100.20', 30000 + (i % 1000) * 2))));
    out.push(record(ts(2), 26, PHONE, PBX, sip(`ACK sip:${2000 + (i % 300)}@198.51.100.7:5060 SIP/2.0`, [via('b'), from, toT, `Call-ID: ${id}`, 'CSeq: 1 ACK', 'Max-Forwards: 70'])));
    out.push(record(ts(3), 26, PHONE, PBX, sip(`BYE sip:${2000 + (i % 300)}@198.51.100.7:5060 SIP/2.0`, [via('c'), from, toT, `Call-ID: ${id}`, 'CSeq: 2 BYE', 'Max-Forwards: 70'])));
    out.push(record(ts(3), 27, PBX, FGT, sip('SIP/2.0 200 OK', [via('c', '203.0.113.2:5060'), from, toT, `Call-ID: ${id}`, 'CSeq: 2 BYE', 'Server: Asterisk PBX 18.20.0'])));
  }
  if (i % 5 === 0) {
    const reg = `Call-ID: reg-${i % 500}@192.168.1.10`;
    const aor = `<sip:${1000 + (i % 500)}@pbx.example.com>`;
    out.push(record(ts(0), 26, PHONE, PBX, sip('REGISTER sip:pbx.example.com SIP/2.0', [via('r1'), `From: ${aor};tag=r${i}`, `To: ${aor}`, reg, `CSeq: ${i} REGISTER`, `Contact: ${aor.replace('pbx.example.com', '192.168.1.10:5060')};expires=3600`])));
    out.push(record(ts(0), 27, PBX, FGT, sip('SIP/2.0 401 Unauthorized', [via('r1', '203.0.113.2:5060'), `From: ${aor};tag=r${i}`, `To: ${aor};tag=s${i}`, reg, `CSeq: ${i} REGISTER`, 'WWW-Authenticate: Digest realm="pbx.example.com", nonce="abc"'])));
    out.push(record(ts(1), 26, PHONE, PBX, sip('REGISTER sip:pbx.example.com SIP/2.0', [via('r2'), `From: ${aor};tag=r${i}`, `To: ${aor}`, reg, `CSeq: ${i + 1} REGISTER`, 'Authorization: Digest username="x", response="y"'])));
    out.push(record(ts(1), 27, PBX, FGT, sip('SIP/2.0 200 OK', [via('r2', '203.0.113.2:5060'), `From: ${aor};tag=r${i}`, `To: ${aor};tag=s${i}`, reg, `CSeq: ${i + 1} REGISTER`, 'Expires: 600'])));
    out.push(record(ts(2), 26, PHONE, PBX, sip('OPTIONS sip:pbx.example.com SIP/2.0', [via('o'), `From: ${aor};tag=o${i}`, 'To: <sip:pbx.example.com>', `Call-ID: opt-${i}@192.168.1.10`, `CSeq: 1 OPTIONS`])));
    out.push(record(ts(2), 27, PBX, FGT, sip('SIP/2.0 200 OK', [via('o', '203.0.113.2:5060'), `From: ${aor};tag=o${i}`, 'To: <sip:pbx.example.com>;tag=x', `Call-ID: opt-${i}@192.168.1.10`, `CSeq: 1 OPTIONS`])));
  }
  return out.join('');
}

/** Streams generated calls to `file` until it holds `bytes`; honours back-pressure so memory stays flat. */
export async function generateLog(file: string, bytes: number): Promise<{ bytes: number; calls: number }> {
  const stream = createWriteStream(file, { highWaterMark: 4 * MB });
  let written = 0;
  let calls = 0;
  while (written < bytes) {
    const chunk = callText(calls++);
    written += Buffer.byteLength(chunk);
    if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  }
  await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { bytes: statSync(file).size, calls };
}

// ------------------------------------------------------------------ measuring

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  maxRssKB: number;
  messages: number;
  calls: number;
}

/** The child runner beside the compiled src/ (bench/lib.ts `compiledSrc`): it loads no ts-node or TypeScript. */
export function buildChild(): string {
  const runner = path.join(compiledSrc(), 'parser-child.js');
  writeFileSync(runner, CHILD_SOURCE);
  return runner;
}

/**
 * The child: stream the file through the bytes entry point (what a live capture and `analyze` use); report wall and
 * CPU time and peak RSS as one JSON line. `parser` mode stops before the analyzer: bytes → debug events → parsed SIP
 * messages, no calls, dialogs or summary (where the time goes between the two).
 */
const CHILD_SOURCE = `'use strict';
const { createReadStream, readFileSync } = require('node:fs');
const { SipCaptureAnalyzer, SipByteLineSplitter } = require('./sip/index.js');
const { SipDebugReader } = require('./sip/reader.js');
const { parseSipMessages } = require('./sip/message.js');
// VmHWM is this process's own peak; resourceUsage().maxRSS survives fork + exec and reports the parent's.
function peakRssKB() {
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
}
const mode = process.argv[3] || 'analyzer';
let push, finish;
if (mode === 'parser') {
  let messages = 0;
  const reader = new SipDebugReader((e) => { if (e.type === 'message') messages += parseSipMessages(e.payload).length; });
  const splitter = new SipByteLineSplitter((buf, start, end) => reader.pushLineBytes(buf, start, end));
  push = (chunk) => splitter.push(chunk);
  finish = () => { splitter.end(); reader.flush(); return { messages, calls: 0 }; };
} else {
  const analyzer = new SipCaptureAnalyzer();
  push = (chunk) => analyzer.pushBytes(chunk);
  finish = () => { const s = analyzer.summary(); return { messages: s.messages, calls: s.calls.length }; };
}
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
createReadStream(process.argv[2], { highWaterMark: 1024 * 1024 })
  .on('data', push)
  .on('error', (err) => { console.error(err); process.exit(1); })
  .on('end', () => {
    const got = finish();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssKB: peakRssKB(), ...got }) + '\\n');
  });
`;

function runChild(runner: string, file: string, mode: 'parser' | 'analyzer'): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, file, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** The compiled cli.js (bench/lib.ts `compiledSrc`). */
export function buildCli(): string {
  return path.join(compiledSrc(), 'cli.js');
}

/**
 * `node cli.js analyze HEAD FILE TAIL --json`: the file between the config part of a real session and its end, as
 * one timeline, the way a user passes a session split over files.
 */
async function runAnalyze(cli: string, file: string): Promise<{ seconds: number; cpuSeconds: number; peakKb: number; bytes: number; messages: number; handler: string }> {
  const session = readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'transcripts', 'clean-kernel-helper.txt'), 'utf8');
  const cut = session.indexOf('FGT60F-BR1 # diagnose debug disable\nFGT60F-BR1 # diagnose debug reset\nFGT60F-BR1 # diagnose sys sip status');
  const head = `${file}.head.txt`;
  const tail = `${file}.tail.txt`;
  writeFileSync(head, session.slice(0, cut));
  writeFileSync(tail, session.slice(cut));
  const peak = path.join(__dirname, '..', 'test', 'support', 'peakRss.js');
  const start = process.hrtime.bigint();
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', peak, cli, 'analyze', head, file, tail, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (code !== 0) return reject(new Error(`analyze exited with ${code}: ${err.slice(0, 300)}`));
        const json = JSON.parse(Buffer.concat(out).toString('utf8')) as { verdict: { handler: string }; sip: { messages: number }; input: { bytes: number } };
        const cpuMs = Number(/cpu-ms=(\d+)/.exec(err)?.[1] ?? NaN);
        resolve({ seconds, cpuSeconds: cpuMs / 1000, peakKb: Number(/peak-rss-kb=(\d+)/.exec(err)?.[1] ?? NaN), bytes: json.input.bytes, messages: json.sip.messages, handler: json.verdict.handler });
      });
    });
  } finally {
    for (const f of [head, tail]) unlinkSync(f);
  }
}

function timeGrep(file: string): Promise<{ seconds: number; count: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile('grep', ['-c', 'read \\[', file], (err, stdout) => {
      if (err && (err as { code?: number }).code !== 1) return reject(err);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, count: Number(stdout.trim()) || 0 });
    });
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  {
    const sizesMB = (args.length ? args : ['10']).map(Number).filter((n) => n > 0);
    benchParser({ sizesMB, tmpDir: path.join(os.tmpdir(), 'sip-check-bench') })
      .then((figures) => {
        for (const f of figures) console.log(`${f.name} ${f.value} ${f.unit}${f.note ? `  (${f.note})` : ''}`);
      })
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  }
}
