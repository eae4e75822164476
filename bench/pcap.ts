/**
 * Capture-file conversion benchmark (issue 14), part of the `parser` section: a generated level -1 debug log
 * (bench/parser.ts's generator) streamed through SipLineSplitter → SipCaptureAnalyzer → SipPcapWriter into a pcapng
 * file, in a child process that loads no TypeScript: throughput (wall and per CPU-second), packets, file size, peak
 * RSS. Nothing is asserted.
 *
 *   npx ts-node --transpile-only bench/pcap.ts 10 [100 ...]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchFigure } from './figures';
import { generateLog } from './parser';
import { compiledSrc } from './lib';

const MB = 1024 * 1024;

export async function benchPcap(opts: { sizesMB: number[]; tmpDir: string }): Promise<BenchFigure[]> {
  mkdirSync(opts.tmpDir, { recursive: true });
  const runner = buildChild();
  const figures: BenchFigure[] = [];
  for (const size of opts.sizesMB) {
    const log = path.join(opts.tmpDir, `sip-debug-pcap-${size}MB.log`);
    const out = path.join(opts.tmpDir, `sip-debug-${size}MB.pcap`);
    try {
      const generated = await generateLog(log, size * MB);
      const run = await runChild(runner, log, out);
      const bytesMB = generated.bytes / MB;
      const tag = `${size}MB`;
      figures.push(
        { name: `pcap.throughput.${tag}`, value: round(bytesMB / run.seconds), unit: 'MB/s', note: `debug log in, pcapng out: ${run.packets} packets, ${round(run.pcapBytes / MB)} MB file` },
        { name: `pcap.seconds.${tag}`, value: round(run.seconds), unit: 's' },
        { name: `pcap.cpuThroughput.${tag}`, value: round(bytesMB / run.cpuSeconds), unit: 'MB/s', note: 'bytes / (user + system CPU seconds of the child)' },
        { name: `pcap.peakRss.${tag}`, value: round(run.maxRssKB / 1024), unit: 'MB', note: 'VmHWM of the converting child' },
      );
    } finally {
      for (const f of [log, out]) {
        try {
          unlinkSync(f);
        } catch {
          // already gone
        }
      }
    }
  }
  return figures;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  maxRssKB: number;
  packets: number;
  pcapBytes: number;
}

/** The child runner beside the compiled src/ (bench/lib.ts `compiledSrc`): it loads no ts-node or TypeScript. */
function buildChild(): string {
  const runner = path.join(compiledSrc(), 'pcap-child.js');
  writeFileSync(runner, CHILD_SOURCE);
  return runner;
}

const CHILD_SOURCE = `'use strict';
const fs = require('node:fs');
const { SipCaptureAnalyzer, SipLineSplitter } = require('./sip/index.js');
const { SipPcapWriter } = require('./pcap/writer.js');
function peakRssKB() {
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
}
const fd = fs.openSync(process.argv[3], 'w');
const buffer = Buffer.allocUnsafe(1024 * 1024);
let used = 0;
const flush = () => { let done = 0; while (done < used) done += fs.writeSync(fd, buffer, done, used - done); used = 0; };
const writer = new SipPcapWriter({ startMs: Date.UTC(2024, 4, 2), write: (chunk) => {
  if (used + chunk.length > buffer.length) flush();
  if (chunk.length > buffer.length) { fs.writeSync(fd, chunk); return; }
  chunk.copy(buffer, used); used += chunk.length;
} });
const analyzer = new SipCaptureAnalyzer({ onMessage: (m) => writer.add(m) });
const splitter = new SipLineSplitter((line) => analyzer.pushLine(line));
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
fs.createReadStream(process.argv[2], { highWaterMark: 1024 * 1024 })
  .on('data', (chunk) => splitter.push(chunk))
  .on('error', (err) => { console.error(err); process.exit(1); })
  .on('end', () => {
    splitter.end();
    analyzer.summary();
    flush();
    fs.closeSync(fd);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssKB: peakRssKB(), packets: writer.packets, pcapBytes: writer.bytes }) + '\\n');
  });
`;

function runChild(runner: string, log: string, out: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, log, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pcap bench child exited with ${code}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
      } catch (err) {
        reject(err);
      }
    });
  });
}

if (require.main === module) {
  const sizesMB = (process.argv.slice(2).length ? process.argv.slice(2) : ['10']).map(Number).filter((n) => n > 0);
  benchPcap({ sizesMB, tmpDir: path.join(os.tmpdir(), 'sip-check-bench') })
    .then((figures) => {
      for (const f of figures) console.log(`${f.name} ${f.value} ${f.unit}${f.note ? `  (${f.note})` : ''}`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
