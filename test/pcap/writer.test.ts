/**
 * The writer's own rules, checked on the bytes it writes (the tshark tests read the same files as Wireshark does):
 * timestamps, one packet per message whatever the line wrapping or read sizes, retransmissions kept, the size bound,
 * redaction that keeps Content-Length right, and the address forms the debug may use.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildPacket, parseEndpoint, parseIp } from '../../src/pcap/packet';
import { SipPcapWriter, fixContentLength, pcapFileName } from '../../src/pcap/writer';
import { parseSipMessage } from '../../src/sip/message';
import { createRedactor, pseudonymAddress } from '../../src/sip/redact';
import { PCAP_FIXTURES, SIP_FIXTURES, convert, tempDir, tsharkFields } from './support/pcap';

jest.setTimeout(60_000);

const sip = (name: string) => path.join(SIP_FIXTURES, name);

/** Enhanced Packet Blocks of a pcapng file: time in µs and packet bytes. */
function packets(file: Buffer): Array<{ timeUs: number; data: Buffer }> {
  const out: Array<{ timeUs: number; data: Buffer }> = [];
  let p = 0;
  while (p < file.length) {
    const type = file.readUInt32LE(p);
    const length = file.readUInt32LE(p + 4);
    expect(length % 4).toBe(0);
    expect(file.readUInt32LE(p + length - 4)).toBe(length);
    if (type === 6) {
      const timeUs = file.readUInt32LE(p + 12) * 0x100000000 + file.readUInt32LE(p + 16);
      const captured = file.readUInt32LE(p + 20);
      out.push({ timeUs, data: file.subarray(p + 28, p + 28 + captured) });
    }
    p += length;
  }
  return out;
}

describe('timestamps', () => {
  test('from the console timestamps; messages within one second keep their order 1 µs apart', () => {
    const { content } = convert(sip('basic-call.log'));
    const times = packets(content).map((p) => p.timeUs);
    const t0 = Date.UTC(2024, 4, 2, 10, 11, 12) * 1000;
    expect(times.map((t) => t - t0)).toEqual([0, 1, 1_000_000, 4_000_000, 4_000_001, 34_000_000, 34_000_001]);
  });

  test('without console timestamps: the capture start plus 1 ms per message', () => {
    const startMs = Date.UTC(2026, 0, 2, 3, 4, 5);
    const { content, writer } = convert(sip('register-401.log'), { startMs });
    expect(writer.packets).toBe(4);
    expect(packets(content).map((p) => p.timeUs - startMs * 1000)).toEqual([0, 1000, 2000, 3000]);
  });
});

describe('one packet per SIP message', () => {
  test('a record wrapped over several lines (the handbook layout) and reads of any size give the same packets', () => {
    const whole = convert(sip('rejected-486.log'));
    const small = convert(sip('rejected-486.log'), { chunk: 7 });
    expect(whole.writer.packets).toBe(4);
    expect(small.content.equals(whole.content)).toBe(true);
  });

  test('a TCP read carrying two messages gives two segments of one stream, sequence numbers continuing', () => {
    const { content } = convert(path.join(PCAP_FIXTURES, 'tcp-call.log'));
    const segs = packets(content).map((p) => ({ src: p.data.readUInt32BE(12), seq: p.data.readUInt32BE(24), len: p.data.readUInt16BE(2) - 40, payload: p.data.subarray(40).toString('latin1') }));
    expect(segs.map((s) => s.payload.split('\r\n')[0])).toEqual(['INVITE sip:2002@pbx.example.com SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'ACK sip:2002@198.51.100.7:5060 SIP/2.0', 'BYE sip:2002@198.51.100.7:5060 SIP/2.0', 'SIP/2.0 200 OK']);
    // Each direction's next segment starts where its previous one ended.
    for (let i = 0; i < segs.length; i++) {
      const next = segs.slice(i + 1).find((s) => s.src === segs[i].src);
      if (next) expect(next.seq).toBe((segs[i].seq + segs[i].len) >>> 0);
    }
  });

  test('a TCP message split across debug reads is one message and one packet, with or without an offset', async () => {
    const { content, summary, messages, out } = convert(path.join(PCAP_FIXTURES, 'tcp-split-reads.log'));
    expect(messages.map((m) => m.message.startLine)).toEqual(['INVITE sip:2002@pbx.example.com SIP/2.0', 'SIP/2.0 100 Trying', 'SIP/2.0 200 OK', 'ACK sip:2002@198.51.100.7:5060 SIP/2.0']);
    expect(summary.lines.unknown).toBe(0);
    expect(summary.calls[0].media.map((m) => `${m.address}:${m.port}`)).toEqual(['192.168.1.10:16384', '198.51.100.20:30000']);
    const segs = packets(content);
    expect(segs).toHaveLength(4);
    const invite = segs[0].data.subarray(40).toString('latin1');
    expect(invite).toMatch(/^INVITE [^]*\r\n\r\nv=0[^]*a=rtpmap:101 telephone-event\/8000\r\n$/);
    const rows = await tsharkFields(out, ['sip.Method', 'sip.Status-Code', 'sdp.media', '_ws.malformed'], ['-Y', 'sip']);
    expect(rows).toEqual([['INVITE', '', 'audio 16384 RTP/AVP 0 101', ''], ['', '100', '', ''], ['', '200', 'audio 30000 RTP/AVP 0 101', ''], ['ACK', '', '', '']]);
  });

  test('a retransmission stays a packet of its own, marked in its comment', async () => {
    const { out, writer, summary } = convert(sip('retransmitted-invite.log'));
    expect(summary.retransmissions).toBe(1);
    expect(writer.packets).toBe(summary.messages);
    const rows = await tsharkFields(out, ['sip.Method', 'frame.comment']);
    expect(rows.filter((r) => r[0] === 'INVITE')).toHaveLength(2);
    expect(rows.filter((r) => /retransmission/.test(r[1]))).toEqual([['INVITE', expect.any(String)]]);
  });

  test('a message rebuilt from the text column is marked; one from TLS says it is the decrypted view', async () => {
    const text = await tsharkFields(convert(path.join(PCAP_FIXTURES, 'text-only.log')).out, ['frame.comment']);
    for (const [comment] of text) expect(comment).toMatch(/rebuilt from the debug's text column/);
    const tls = await tsharkFields(convert(path.join(PCAP_FIXTURES, 'tls-register.log')).out, ['tcp.dstport', 'tcp.srcport', 'frame.comment']);
    expect(tls.map((r) => (r[0] === '5061' ? r[0] : r[1]))).toEqual(['5061', '5061', '5061', '5061']);
    for (const [, , comment] of tls) expect(comment).toMatch(/SIP over TLS on the wire: these are the decrypted bytes/);
  });
});

describe('the size bound', () => {
  test('packets past the bound are left out, counted, and the file stays whole', async () => {
    const full = convert(sip('basic-call.log'));
    const bound = Math.floor(full.content.length * 0.6);
    const cut = convert(sip('basic-call.log'), { maxBytes: bound });
    expect(cut.writer.cut).toBe(true);
    expect(cut.content.length).toBeLessThanOrEqual(bound);
    expect(cut.writer.packets + cut.writer.leftOut).toBe(7);
    expect(cut.content.equals(full.content.subarray(0, cut.content.length))).toBe(true);
    expect(await tsharkFields(cut.out, ['frame.number'])).toHaveLength(cut.writer.packets);
  });
});

describe('redaction', () => {
  test('the same pseudonym address for an address in the IP header and in the SIP text, Content-Length fixed', () => {
    const redact = createRedactor({ users: true, addresses: true });
    const { content } = convert(sip('basic-call.log'), { redaction: redact.packet });
    const first = packets(content)[0].data;
    const text = first.subarray(28).toString('latin1');
    const phone = redact.packet.address('192.168.1.10');
    expect(phone).toMatch(/^10\.0\.0\.\d+$/);
    expect([...first.subarray(12, 16)].join('.')).toBe(phone);
    expect(text).toContain(`c=IN IP4 ${phone}\r\n`);
    expect(text).not.toMatch(/192\.168|1001|Alice/);
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });

  test('SIP_CHECK_REDACT=users: users masked, addresses kept as they were (headers and text)', () => {
    const redact = createRedactor({ users: true, addresses: false });
    const first = packets(convert(sip('basic-call.log'), { redaction: redact.packet }).content)[0].data;
    expect([...first.subarray(12, 16)].join('.')).toBe('192.168.1.10');
    const text = first.subarray(28).toString('latin1');
    expect(text).toContain('c=IN IP4 192.168.1.10\r\n');
    expect(text).toMatch(/^INVITE sip:user-\d+@pbx\.example\.com SIP\/2\.0\r\n/);
    expect(text).not.toMatch(/1001|2002|Alice/);
  });

  test('fixContentLength follows the new body, and leaves a truncated message as it was', () => {
    const msg = 'INVITE sip:a@b SIP/2.0\r\nl: 14\r\n\r\nc=IN IP4 1.2.3';
    expect(fixContentLength(msg, msg.replace('1.2.3', '10.0.0.1'))).toBe('INVITE sip:a@b SIP/2.0\r\nl: 17\r\n\r\nc=IN IP4 10.0.0.1');
    const cut = 'SIP/2.0 200 OK\r\nContent-Length: 300\r\n\r\nv=0\r\nc=IN IP4 1.2.3.4';
    expect(fixContentLength(cut, cut.replace('1.2.3.4', '10.0.0.1'))).toContain('Content-Length: 300');
  });

  test('pseudonym addresses keep the kind of address and never collide across kinds', () => {
    expect(pseudonymAddress(3, 'private')).toBe('10.0.0.3');
    expect(pseudonymAddress(300, 'public')).toBe('198.18.1.44');
    expect(pseudonymAddress(3, 'cgnat')).toBe('100.64.0.3');
    expect(pseudonymAddress(3, 'link-local')).toBe('169.254.0.3');
    expect(pseudonymAddress(3, 'loopback')).toBe('127.0.0.3');
    expect(pseudonymAddress(3, 'other')).toBe('240.0.0.3');
  });
});

describe('addresses and framing', () => {
  test('endpoint forms: IPv4, bracketed IPv6, bare IPv6 with the port last', () => {
    expect(parseEndpoint('192.0.2.1:5060')).toMatchObject({ ip: '192.0.2.1', port: 5060, address: { version: 4 } });
    expect(parseEndpoint('[2001:db8::1]:5061')).toMatchObject({ ip: '2001:db8::1', port: 5061, address: { version: 6 } });
    expect(parseEndpoint('2001:db8::1:5060')).toMatchObject({ ip: '2001:db8::1', port: 5060 });
    expect(parseEndpoint('::ffff:192.0.2.1:5060')?.address.bytes).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]));
    for (const bad of ['192.0.2.1', '192.0.2.300:5060', 'host:5060', '[2001:db8::1]5060', '1:2:3:4:5:6:7:8:9:5060', '192.0.2.1:70000']) expect(parseEndpoint(bad)).toBeNull();
  });

  test('a payload too large for one packet is refused, not wrapped into a wrong length', () => {
    const a = parseIp('192.0.2.1')!;
    expect(() => buildPacket({ src: a, dst: a, srcPort: 1, dstPort: 2, transport: 'udp', payload: Buffer.alloc(65508) })).toThrow(/does not fit/);
    expect(buildPacket({ src: a, dst: a, srcPort: 1, dstPort: 2, transport: 'udp', payload: Buffer.alloc(65507) }).readUInt16BE(2)).toBe(65535);
  });

  test('file name: firewall and UTC time, no characters a file system refuses', () => {
    expect(pcapFileName('fw-demo', new Date(Date.UTC(2026, 11, 1, 13, 5, 9, 123)))).toBe('sip-check-fw-demo-20261201T130509Z.pcap');
  });
});

describe('edge shapes', () => {
  const sipText = (body: string, via = 'UDP') =>
    `INVITE sip:2002@pbx.example.com SIP/2.0\r\nVia: SIP/2.0/${via} 192.0.2.10:5060;branch=z9hG4bK-big\r\nCall-ID: big@192.0.2.10\r\nCSeq: 1 INVITE\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const record = (text: string, endpoints: { src?: string; dst?: string } = { src: '192.0.2.10:5060', dst: '198.51.100.7:5060' }) => ({
    record: { type: 'message' as const, port: 26, io: 'read' as const, payload: text, exact: true, cut: false, ...endpoints },
    message: parseSipMessage(text)!,
    text,
    retransmission: false,
  });
  const write = (...messages: Array<ReturnType<typeof record>>) => {
    const chunks: Buffer[] = [];
    const writer = new SipPcapWriter({ write: (c) => chunks.push(c), startMs: Date.UTC(2024, 0, 1) });
    for (const m of messages) writer.add(m);
    const file = path.join(tempDir(), 'edge.pcap');
    writeFileSync(file, Buffer.concat(chunks));
    return { file, writer, content: Buffer.concat(chunks) };
  };

  test('a record without addresses is still a packet, from and to 0.0.0.0, and says why', async () => {
    const { file } = write(record(sipText('hello'), {}));
    const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'sip.Method', 'frame.comment', 'udp.checksum.status']);
    expect(rows).toEqual([['0.0.0.0', '0.0.0.0', 'INVITE', expect.stringMatching(/endpoints not usable from the debug \(\? -> \?\)/), '1']]);
  });

  test('a message larger than one UDP datagram is cut to fit, and says so', async () => {
    const { file, content } = write(record(sipText('x'.repeat(70_000))));
    const [p] = packets(content);
    expect(p.data.length).toBe(65535);
    const rows = await tsharkFields(file, ['ip.len', 'udp.length', 'udp.checksum.status', 'frame.comment']);
    expect(rows).toEqual([['65535', '65515', '1', expect.stringMatching(/cut to 65507: more than one UDP datagram can carry/)]]);
  });

  test('a TCP message larger than one packet goes as consecutive segments of one stream', async () => {
    const text = sipText('y'.repeat(100_000), 'TCP');
    const { file, content } = write(record(text));
    const segs = packets(content);
    expect(segs).toHaveLength(2);
    expect(segs[1].data.readUInt32BE(24)).toBe((segs[0].data.readUInt32BE(24) + segs[0].data.length - 40) >>> 0);
    expect(Buffer.concat(segs.map((s) => s.data.subarray(40))).toString('latin1')).toBe(text);
    const rows = await tsharkFields(file, ['tcp.checksum.status', '_ws.malformed']);
    expect(rows).toEqual([['1', ''], ['1', '']]);
  });
});
