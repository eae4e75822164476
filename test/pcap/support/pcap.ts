import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SipPcapWriter } from '../../../src/pcap/writer';
import type { CapturedSipMessage } from '../../../src/sip';
import type { PacketRedaction } from '../../../src/sip/redact';
import { analyse } from '../../sip/support/load';

export const SIP_FIXTURES = path.join(__dirname, '../../fixtures/sip');
export const PCAP_FIXTURES = path.join(__dirname, '../../fixtures/pcap');

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sip-check-pcap-'));
}

/** A debug log converted as the check converts it: streamed through the analyzer into the writer. */
export function convert(file: string, opts: { chunk?: number; redaction?: PacketRedaction; maxBytes?: number; startMs?: number } = {}) {
  const bytes = readFileSync(file);
  const chunks: Buffer[] = [];
  const messages: CapturedSipMessage[] = [];
  const writer = new SipPcapWriter({ write: (c) => chunks.push(c), startMs: opts.startMs ?? Date.UTC(2024, 4, 2, 9), redaction: opts.redaction, maxBytes: opts.maxBytes });
  const input: Buffer[] = [];
  const step = opts.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) input.push(bytes.subarray(i, i + step));
  const analyzer = analyse(input, {
    onMessage: (m) => {
      messages.push(m);
      writer.add(m);
    },
  });
  const summary = analyzer.summary();
  const out = path.join(tempDir(), `${path.basename(file, '.log')}.pcap`);
  const content = Buffer.concat(chunks);
  writeFileSync(out, content);
  return { out, content, messages, summary, writer };
}

/** Checksum validation on, as the issue asks: a bad checksum shows as status 0 (Bad) instead of 1 (Good). */
export const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];

/** Runs the real tshark; one row per packet, one column per field (several occurrences joined with `|`). */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): Promise<string[][]> {
  const args = ['-r', file, ...CHECKSUMS, ...extra, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])];
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`tshark ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      resolve(stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t')));
    });
  });
}

export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Wireshark's expert severities: comment 0x100000, chat 0x200000, note 0x400000, warning 0x600000, error 0x800000. */
export const SEVERITY_COMMENT = 0x100000;
