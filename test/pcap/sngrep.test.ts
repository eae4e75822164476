/**
 * sngrep (Debian's 1.6, installed by .ci/run) reads the capture file: run headless (`-N` no interface, `-q` quiet),
 * it re-writes every packet it parsed as SIP to `-O`; the same count as ours means it took every message as SIP,
 * over UDP, TCP and IPv6, through libpcap's pcapng reader and LINKTYPE_RAW.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PCAP_FIXTURES, SIP_FIXTURES, convert, run, tempDir, tsharkFields } from './support/pcap';

jest.setTimeout(60_000);

const fixtures = [
  path.join(SIP_FIXTURES, 'basic-call.log'),
  path.join(SIP_FIXTURES, 'register-401.log'),
  ...readdirSync(PCAP_FIXTURES).filter((f) => f.endsWith('.log')).map((f) => path.join(PCAP_FIXTURES, f)),
];

test.each(fixtures.map((f) => [path.basename(f), f]))('sngrep -I reads every SIP message of %s', async (_name, file) => {
  const { out, writer } = convert(file);
  const copy = path.join(tempDir(), 'sngrep-out.pcap');
  const result = await run('sngrep', ['-I', out, '-O', copy, '-N', '-q'], { env: { ...process.env, TERM: 'dumb', HOME: tempDir() } });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/error|unsupported|fail/i) });
  const rows = await tsharkFields(copy, ['sip.Call-ID']);
  expect(rows).toHaveLength(writer.packets);
});
