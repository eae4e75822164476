/**
 * `sip-check analyze FILE --pcap OUT`: the capture file of a saved transcript, offline, checked with tshark against
 * the JSON summary of the same run; and a clear error for every bad use of the flag.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli';
import { recordingIo } from '../support/cliIo';
import { SIP_FIXTURES, tempDir, tsharkFields } from './support/pcap';

jest.setTimeout(60_000);


/** A terminal session as saved from PuTTY: the capture between `diagnose debug enable` and `disable`. */
function transcript(...logs: string[]): string {
  const dir = tempDir();
  const file = path.join(dir, 'session.txt');
  const debug = logs.map((l) => readFileSync(path.join(SIP_FIXTURES, l), 'utf8')).join('');
  writeFileSync(file, `FGT-A # diagnose debug application sip -1\n\nFGT-A # diagnose debug enable\n${debug}FGT-A # diagnose debug disable\n\nFGT-A # diagnose debug reset\n\nFGT-A # `);
  return file;
}

describe('analyze --pcap', () => {
  test('writes the SIP of the transcript: the same messages tshark reads as the JSON summary counts', async () => {
    const input = transcript('basic-call.log', 'cancelled.log', 'register-401.log');
    const out = path.join(tempDir(), 'out.pcap');
    const io = recordingIo();
    expect(await main(['analyze', input, '--json', '--pcap', out], io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json.sip.messages).toBe(18);
    expect(io.err).toBe(`sip-check: wrote 18 packets to ${out}\n`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const rows = await tsharkFields(out, ['sip.Method', 'sip.Status-Code', '_ws.malformed'], ['-Y', 'sip']);
    const requests: Record<string, number> = {};
    const responses: Record<string, number> = {};
    for (const [method, status, malformed] of rows) {
      expect(malformed).toBe('');
      if (method) requests[method] = (requests[method] ?? 0) + 1;
      else responses[status] = (responses[status] ?? 0) + 1;
    }
    expect(requests).toEqual(json.sip.requests);
    expect(responses).toEqual(json.sip.responses);
  });

  test('--pcap=OUT works too, and a capture without SIP gives an empty but valid file', async () => {
    const out = path.join(tempDir(), 'empty.pcap');
    const io = recordingIo();
    const input = path.join(tempDir(), 'status.txt');
    writeFileSync(input, 'FGT-A # get system status\nVersion: FortiGate-60F v7.4.3,build2573,240201 (GA.M)\nHostname: FGT-A\n\nFGT-A # ');
    expect(await main(['analyze', input, `--pcap=${out}`], io)).toBe(0);
    expect(io.err).toContain('holds no packets');
    expect(await tsharkFields(out, ['frame.number'])).toEqual([]);
  });

  test.each([
    [['--pcap'], /--pcap needs a file name/],
    [['--pcap', '--json'], /--pcap needs a file name/],
    [['--pcap', '-'], /give a file name, not -/],
    [['--pcap', 'a.pcap', '--pcap', 'b.pcap'], /--pcap given twice/],
  ])('bad use %j: exit 2 and a clear message', async (flags, message) => {
    const io = recordingIo();
    expect(await main(['analyze', transcript('basic-call.log'), ...flags], io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.out).toBe('');
  });

  test('an output that is also an input is refused before anything is written: the transcript survives', async () => {
    const io = recordingIo();
    const input = transcript('basic-call.log');
    const before = readFileSync(input);
    expect(await main(['analyze', input, '--pcap', input], io)).toBe(2);
    expect(io.err).toMatch(/is also an input/);
    expect(readFileSync(input)).toEqual(before);
  });

  test('an output that cannot be written: exit 2, the reason, and no analysis printed', async () => {
    const io = recordingIo();
    const out = path.join(tempDir(), 'missing-dir', 'x.pcap');
    expect(await main(['analyze', transcript('basic-call.log'), '--pcap', out], io)).toBe(2);
    expect(io.err).toMatch(/cannot write .*x\.pcap: the folder .*missing-dir does not exist \(create it first\)/);
    expect(io.out).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  test('the real binary writes the file', async () => {
    const out = path.join(tempDir(), 'bin.pcap');
    const bin = path.join(__dirname, '..', '..', 'bin', 'sip-check.js');
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, [bin, 'analyze', transcript('rejected-486.log'), '--pcap', out], { timeout: 60_000 }, (err) => resolve(err ? Number(err.code) : 0));
    });
    expect(code).toBe(0);
    expect((await tsharkFields(out, ['sip.Call-ID'], ['-Y', 'sip'])).map((r) => r[0])).toEqual(Array(4).fill('busy1@192.168.1.10'));
  });
});
