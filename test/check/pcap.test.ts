/**
 * The capture file a live check attaches (against the simulated FortiGate, read back by the real tshark): named
 * `sip-check-<firewall>-<UTC time>.pcap`, the same SIP as the summary, redacted with the chat's pseudonyms as
 * addresses, and cut at the attachment bound with a note in the thread.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCheck, type RunDeps } from '../../src/check/run';
import type { CheckResult } from '../../src/check/types';
import { createRedactor } from '../../src/sip/redact';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { tempDir, tsharkFields } from '../pcap/support/pcap';

jest.setTimeout(60_000);

async function check(fw: SimulatedFirewall, over: Partial<RunDeps> = {}): Promise<CheckResult> {
  const reporter = new RecordingReporter();
  await runCheck(request('fw01', { seconds: 2 }), {
    entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal: new MemoryJournal(),
    signal: new AbortController().signal, now: () => new Date(), log: () => undefined, ...over,
  });
  return reporter.finalResult!;
}

function pcapOf(result: CheckResult): string {
  const pcaps = result.attachments.filter((a) => a.filename.endsWith('.pcap'));
  expect(pcaps).toHaveLength(1);
  const file = path.join(tempDir(), pcaps[0].filename);
  writeFileSync(file, pcaps[0].content);
  return file;
}

describe('the capture file of a live check', () => {
  let fw: SimulatedFirewall;
  afterEach(() => fw.sim.close());

  test('is attached beside the raw capture and holds the same SIP as the summary', async () => {
    fw = await startFirewall();
    const result = await check(fw);
    const file = pcapOf(result);
    expect(path.basename(file)).toMatch(/^sip-check-fw01-\d{8}T\d{6}Z\.pcap$/);
    expect(result.attachments.map((a) => a.filename)).toEqual(expect.arrayContaining([expect.stringMatching(/sip-debug\.log/)]));
    const rows = await tsharkFields(file, ['sip.Method', 'sip.Status-Code', '_ws.malformed'], ['-Y', 'sip']);
    expect(rows).toHaveLength(result.sip.messages);
    expect(rows.filter((r) => r[2] !== '')).toEqual([]);
    const requests: Record<string, number> = {};
    for (const [method] of rows) if (method) requests[method] = (requests[method] ?? 0) + 1;
    expect(requests).toEqual(result.sip.requests);
    expect(result.notes.join('\n')).not.toMatch(/pcap/);
  });

  test('SIP_CHECK_REDACT=all: the pseudonyms of the chat, as addresses in the IP headers and in the SIP text', async () => {
    fw = await startFirewall();
    const redact = createRedactor({ users: true, addresses: true });
    const result = await check(fw, { redact });
    const file = pcapOf(result);
    const bytes = result.attachments.find((a) => a.filename.endsWith('.pcap'))!.content.toString('latin1');
    for (const secret of ['10.10.20.15', '198.51.100.10', '203.0.113.2', '1001@', 'Reception']) expect({ secret, found: bytes.includes(secret) }).toEqual({ secret, found: false });

    // The phone is ip-N in the thread and 10.0.0.N (private stays private) in the capture; the provider public.
    const phoneToken = redact('10.10.20.15');
    expect(phoneToken).toMatch(/^ip-\d+$/);
    const phone = redact.packet.address('10.10.20.15');
    expect(phone).toBe(`10.0.0.${phoneToken.slice(3)}`);
    expect(redact.packet.address('198.51.100.10')).toMatch(/^198\.1[89]\./);

    const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'sip.Contact', 'sdp.connection_info', 'sip.Content-Length', '_ws.malformed', 'udp.checksum.status'], ['-Y', 'sip']);
    expect(rows).toHaveLength(result.sip.messages);
    const sources = new Set(rows.map((r) => r[0]));
    expect(sources.has(phone)).toBe(true);
    let phoneContacts = 0;
    for (const [src, dst, contact, connection, , malformed, sum] of rows) {
      for (const a of [src, dst]) expect(a).toMatch(/^(?:10\.|198\.1[89]\.)/);
      expect(malformed).toBe('');
      expect(sum).toBe('1');
      // Where the phone's own address shows in the SIP text, it is the same pseudonym as in the IP header.
      if (src === phone && contact) {
        expect(contact).toContain(`@${phone}:`);
        phoneContacts++;
      }
      if (connection) expect(connection).toMatch(/^IN IP4 (?:10\.|198\.1[89]\.)/);
    }
    expect(phoneContacts).toBeGreaterThan(0);
    // The SDP still parses after redaction changed its length: Content-Length was set to the new body length.
    const sdp = await tsharkFields(file, ['sip.Content-Length', 'sdp.version'], ['-Y', 'sdp']);
    expect(sdp.length).toBeGreaterThan(0);
    for (const [, version] of sdp) expect(version).toBe('0');
  });

  test('cut at the attachment bound: a shorter file that still reads, and the thread says so', async () => {
    fw = await startFirewall();
    const result = await check(fw, { attachmentMaxBytes: 4000 });
    const file = pcapOf(result);
    const pcap = result.attachments.find((a) => a.filename.endsWith('.pcap'))!;
    expect(pcap.content.length).toBeLessThanOrEqual(4000);
    const rows = await tsharkFields(file, ['frame.number', '_ws.malformed']);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(result.sip.messages);
    expect(result.notes.join('\n')).toMatch(new RegExp(`capture file \\(pcap\\) was cut at 4 KiB: it holds the first ${rows.length} packets?; ${result.sip.messages - rows.length} later SIP messages?`));
  });

  test('a fault while writing the file costs the file only: the check, its summary and the debug reset go on', async () => {
    fw = await startFirewall();
    const broken = Object.assign((t: string) => t, { packet: { text: () => { throw new Error('redaction exploded'); }, address: (ip: string) => ip } });
    const result = await check(fw, { redact: broken });
    expect(result.capture.debugReset).toBe(true);
    expect(result.sip.messages).toBeGreaterThan(0);
    expect(result.attachments.filter((a) => a.filename.endsWith('.pcap'))).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/No capture file \(pcap\) was attached: writing it failed \(redaction exploded\)/);
  });

  test('a redaction that cannot give pseudonym addresses gets no capture file, and the thread says why', async () => {
    fw = await startFirewall();
    const result = await check(fw, { redact: (t) => t.replace(/\d+\.\d+\.\d+\.\d+/g, 'x') });
    expect(result.attachments.filter((a) => a.filename.endsWith('.pcap'))).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/No capture file \(pcap\) was attached/);
  });
});
