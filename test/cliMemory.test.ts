import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../bench/parser';

/**
 * `sip-check analyze` streams (issue 17): the command as users run it, in a child process, on a generated ~150 MB
 * transcript (the config of a real session, then a long level -1 capture). Memory, not time: the child's own peak
 * RSS (VmHWM, printed at exit by test/support/peakRss.js) may exceed the same command's peak on the small session by
 * less than a bound; reading the file whole, as before, costs more than twice the file size.
 */
const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'sip-check.js');
const PEAK = join(__dirname, 'support', 'peakRss.js');
const BIG_MB = 150;
/**
 * What a flat pipeline may add over the small run: the SIP summary's bounded tables and GC slack. Node 24's heap
 * grows more before it collects than Node 20's (150 MB was met by 20 KB there once): 200 MB, still well below the
 * 300 MB and more that reading the 150 MB file whole costs (the text and its buffer).
 */
const BOUND_KB = 200 * 1024;

interface Run {
  code: number | null;
  json: { verdict: { handler: string }; sip: { messages: number; calls: unknown[] }; input: { bytes: number; debugLines: number } };
  peakKb: number;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const peak = /peak-rss-kb=(\d+)/.exec(err);
      try {
        resolve({ code, json: JSON.parse(Buffer.concat(out).toString('utf8')) as Run['json'], peakKb: peak ? Number(peak[1]) : NaN });
      } catch (e) {
        reject(new Error(`exit ${code}: ${err.slice(0, 500)} (${String(e)})`));
      }
    });
  });
}

describe('sip-check analyze on a large transcript (child process)', () => {
  let dir: string;
  let head: string;
  let tail: string;
  let big: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(os.tmpdir(), 'sip-check-mem-'));
    const session = readFileSync(join(__dirname, 'fixtures', 'transcripts', 'clean-kernel-helper.txt'), 'utf8');
    const cut = session.indexOf('FGT60F-BR1 # diagnose debug disable\nFGT60F-BR1 # diagnose debug reset\nFGT60F-BR1 # diagnose sys sip status');
    head = join(dir, 'head.txt');
    tail = join(dir, 'tail.txt');
    big = join(dir, 'capture.log');
    writeFileSync(head, session.slice(0, cut));
    writeFileSync(tail, session.slice(cut));
    await generateLog(big, BIG_MB * 1024 * 1024);
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('analyses ~150 MB as files and from stdin with flat memory and the same answer', async () => {
    const small = await run(process.execPath, ['-r', PEAK, BIN, 'analyze', head, tail, '--json']);
    expect(small.code).toBe(0);
    expect(small.json.verdict.handler).toBe('session-helper');

    const files = await run(process.execPath, ['-r', PEAK, BIN, 'analyze', head, big, tail, '--json']);
    expect(files.code).toBe(0);
    expect(files.json.verdict.handler).toBe('session-helper');
    expect(files.json.input.bytes).toBeGreaterThan(BIG_MB * 1024 * 1024);
    expect(files.json.sip.messages).toBeGreaterThan(100_000);
    expect(files.peakKb - small.peakKb).toBeLessThan(BOUND_KB);

    const q = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
    const stdin = await run('sh', ['-c', `cat ${q(head)} ${q(big)} ${q(tail)} | ${q(process.execPath)} -r ${q(PEAK)} ${q(BIN)} analyze - --json`]);
    expect(stdin.code).toBe(0);
    expect({ verdict: stdin.json.verdict, sip: stdin.json.sip }).toEqual({ verdict: files.json.verdict, sip: files.json.sip });
    expect(stdin.peakKb - small.peakKb).toBeLessThan(BOUND_KB);
  }, 600_000);
});
