/**
 * The capture file read back by the real tshark (Debian's, installed by .ci/run), for every SIP debug fixture:
 * no malformed packet, no bad checksum, the same SIP messages in the same order as the product's own summary, and
 * the same SDP media as its media table.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PCAP_FIXTURES, SEVERITY_COMMENT, SIP_FIXTURES, convert, tsharkFields } from './support/pcap';

jest.setTimeout(60_000);

const fixtures = [
  ...readdirSync(SIP_FIXTURES).filter((f) => f.endsWith('.log')).map((f) => path.join(SIP_FIXTURES, f)),
  ...readdirSync(PCAP_FIXTURES).filter((f) => f.endsWith('.log')).map((f) => path.join(PCAP_FIXTURES, f)),
];

describe.each(fixtures.map((f) => [path.basename(f), f]))('%s as a capture file', (_name, file) => {
  const converted = convert(file);

  test('tshark reads every packet: no malformed packet, no warning, every checksum good', async () => {
    const { out, writer, summary } = converted;
    expect(summary.messages).toBeGreaterThan(0);
    expect(writer.packets).toBe(summary.messages);
    const rows = await tsharkFields(out, ['frame.number', '_ws.malformed', '_ws.expert.severity', 'ip.version', 'ip.checksum.status', 'ipv6.src', 'udp.checksum.status', 'tcp.checksum.status', 'ip.len', 'udp.length', 'tcp.len']);
    expect(rows).toHaveLength(writer.packets);
    for (const [frame, malformed, severity, ipVersion, ipSum, ipv6, udpSum, tcpSum] of rows) {
      const where = `frame ${frame} of ${out}`;
      expect({ where, malformed }).toEqual({ where, malformed: '' });
      // Our own packet comments are expert "comments"; anything above (chat, note, warning, error) is tshark objecting.
      for (const s of severity.split('|').filter(Boolean)) expect({ where, severity: Number(s) }).toEqual({ where, severity: SEVERITY_COMMENT });
      if (ipVersion === '4') expect({ where, ipSum }).toEqual({ where, ipSum: '1' });
      else expect(ipv6).not.toBe('');
      expect({ where, l4: udpSum || tcpSum }).toEqual({ where, l4: '1' });
    }
  });

  test("tshark's SIP requests, responses and Call-IDs are the product's, in order", async () => {
    const { out, messages, summary } = converted;
    const rows = await tsharkFields(out, ['sip.Method', 'sip.Status-Code', 'sip.Call-ID'], ['-Y', 'sip']);
    const ours = messages.map((m) => [m.message.method ?? '', m.message.status === undefined ? '' : String(m.message.status), m.message.callId ?? '']);
    expect(rows).toEqual(ours);
    const requests: Record<string, number> = {};
    const responses: Record<string, number> = {};
    for (const [method, status] of rows) {
      if (method) requests[method] = (requests[method] ?? 0) + 1;
      else responses[status] = (responses[status] ?? 0) + 1;
    }
    expect(requests).toEqual(summary.requests);
    expect(responses).toEqual(summary.responses);
  });

  test("the SDP tshark decodes matches the product's media table", async () => {
    const { out, summary } = converted;
    const rows = await tsharkFields(out, ['sdp.connection_info', 'sdp.media', 'sdp.mime.type'], ['-Y', 'sdp']);
    const theirs = new Set(rows.map(([connection, media, codecs]) => `${connection.split(' ').pop()} ${media.split(' ')[1]} ${codecs.replace(/\|/g, ',')}`));
    const ours = new Set(summary.calls.flatMap((c) => c.media.map((m) => `${m.address} ${m.port} ${m.codecs.join(',')}`)));
    expect(theirs).toEqual(ours);
  });
});
