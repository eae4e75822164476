/**
 * Regenerates test/fixtures/pcap/*.log: `npx ts-node --transpile-only test/pcap/support/buildFixtures.ts`.
 * Debug shapes the UDP fixtures in test/fixtures/sip do not cover, for the capture-file export: SIP over TCP (one
 * read carrying two messages), SIP over TLS on 5061 (the ALG logs the decrypted text), IPv6 endpoints, and records
 * with only the text column (no hex dump). Same scenario as test/sip/support/buildFixtures.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { debugLog, debugRecord, sdpBody, sipMessage } from '../../sip/support/debugLog';

const DIR = path.join(__dirname, '../../fixtures/pcap');
const day = (t: string) => `2024-05-02 ${t}`;

function write(name: string, text: string) {
  writeFileSync(path.join(DIR, name), text);
}

function dialog(opts: { id: string; transport: string; phone: string; fgt: string; pbx: string; mediaPhone: string; mediaPbx: string; ipv: 'IP4' | 'IP6' }) {
  const host = (ep: string) => ep;
  const base = (cseq: string, branch: string, via: string, toTag = '') => [
    `Via: SIP/2.0/${opts.transport} ${via};branch=${branch};rport`,
    `From: "Alice" <sip:1001@pbx.example.com>;tag=${opts.id}-ft`,
    `To: <sip:2002@pbx.example.com>${toTag ? ';tag=' + toTag : ''}`,
    `Call-ID: ${opts.id}@pbx.example.com`,
    `CSeq: ${cseq}`,
  ];
  const sdp = (ip: string, port: number) => sdpBody(ip, port, [[0, 'PCMU'], [101, 'telephone-event']]).replace(/IN IP4/g, `IN ${opts.ipv}`);
  return {
    invite: sipMessage('INVITE sip:2002@pbx.example.com SIP/2.0', [...base('1 INVITE', `z9hG4bK-${opts.id}-1`, host(opts.phone)), `Contact: <sip:1001@${opts.phone};transport=${opts.transport.toLowerCase()}>`, 'Max-Forwards: 70', 'Content-Type: application/sdp'], sdp(opts.mediaPhone, 16384)),
    trying: sipMessage('SIP/2.0 100 Trying', base('1 INVITE', `z9hG4bK-${opts.id}-1`, host(opts.fgt))),
    ringing: sipMessage('SIP/2.0 180 Ringing', base('1 INVITE', `z9hG4bK-${opts.id}-1`, host(opts.fgt), 'pbx-1')),
    ok: sipMessage('SIP/2.0 200 OK', [...base('1 INVITE', `z9hG4bK-${opts.id}-1`, host(opts.fgt), 'pbx-1'), `Contact: <sip:2002@${opts.pbx}>`, 'Content-Type: application/sdp'], sdp(opts.mediaPbx, 30000)),
    ack: sipMessage(`ACK sip:2002@${opts.pbx} SIP/2.0`, [...base('1 ACK', `z9hG4bK-${opts.id}-2`, host(opts.phone), 'pbx-1'), 'Max-Forwards: 70']),
    bye: sipMessage(`BYE sip:2002@${opts.pbx} SIP/2.0`, [...base('2 BYE', `z9hG4bK-${opts.id}-3`, host(opts.phone), 'pbx-1'), 'Max-Forwards: 70']),
    byeOk: sipMessage('SIP/2.0 200 OK', base('2 BYE', `z9hG4bK-${opts.id}-3`, host(opts.fgt), 'pbx-1')),
  };
}

// 1. SIP over TCP; the 100 Trying and the 180 Ringing arrive in one read (one record, two messages).
{
  const PHONE = '192.168.1.10:5060';
  const FGT = '203.0.113.2:5060';
  const PBX = '198.51.100.7:5060';
  const d = dialog({ id: 'tcp1', transport: 'TCP', phone: PHONE, fgt: FGT, pbx: PBX, mediaPhone: '192.168.1.10', mediaPbx: '198.51.100.20', ipv: 'IP4' });
  write('tcp-call.log', debugLog([
    { ts: day('11:00:00'), port: 30, src: PHONE, dst: PBX, message: d.invite },
    { ts: day('11:00:00'), port: 31, src: PBX, dst: FGT, message: d.trying + d.ringing },
    { ts: day('11:00:03'), port: 31, src: PBX, dst: FGT, message: d.ok },
    { ts: day('11:00:03'), port: 30, src: PHONE, dst: PBX, message: d.ack },
    { ts: day('11:00:20'), port: 30, src: PHONE, dst: PBX, message: d.bye },
    { ts: day('11:00:20'), port: 31, src: PBX, dst: FGT, message: d.byeOk },
  ]));
}

// 2. SIP over TLS on 5061: a registration challenged once. The ALG logs the decrypted text.
{
  const PHONE = '192.168.1.11:40123';
  const FGT = '203.0.113.2:40123';
  const PBX = '198.51.100.7:5061';
  const reg = (cseq: number, branch: string, auth: boolean, via: string) =>
    sipMessage('REGISTER sips:pbx.example.com SIP/2.0', [
      `Via: SIP/2.0/TLS ${via};branch=${branch};rport`,
      'From: <sips:1011@pbx.example.com>;tag=tls-ft',
      'To: <sips:1011@pbx.example.com>',
      'Call-ID: tls-reg-1011@pbx.example.com',
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sips:1011@${via}>;expires=600`,
      ...(auth ? ['Authorization: Digest username="1011", realm="pbx.example.com", nonce="77", uri="sips:pbx.example.com", response="aa"'] : []),
      'Max-Forwards: 70',
    ]);
  const resp = (status: string, cseq: number, branch: string, extra: string[]) =>
    sipMessage(`SIP/2.0 ${status}`, [
      `Via: SIP/2.0/TLS ${FGT};branch=${branch};rport=40123;received=203.0.113.2`,
      'From: <sips:1011@pbx.example.com>;tag=tls-ft',
      'To: <sips:1011@pbx.example.com>;tag=srv-1',
      'Call-ID: tls-reg-1011@pbx.example.com',
      `CSeq: ${cseq} REGISTER`,
      ...extra,
    ]);
  write('tls-register.log', debugLog([
    { ts: day('11:01:00'), port: 40, src: PHONE, dst: PBX, message: reg(1, 'z9hG4bK-t1', false, PHONE) },
    { ts: day('11:01:00'), port: 41, src: PBX, dst: FGT, message: resp('401 Unauthorized', 1, 'z9hG4bK-t1', ['WWW-Authenticate: Digest realm="pbx.example.com", nonce="77"']) },
    { ts: day('11:01:00'), port: 40, src: PHONE, dst: PBX, message: reg(2, 'z9hG4bK-t2', true, PHONE) },
    { ts: day('11:01:01'), port: 41, src: PBX, dst: FGT, message: resp('200 OK', 2, 'z9hG4bK-t2', ['Expires: 600', `Contact: <sips:1011@${FGT}>;expires=600`]) },
  ]));
}

// 3. IPv6 endpoints (bracketed, as in a SIP URI) and IPv6 media.
{
  const PHONE = '[2001:db8:10::10]:5060';
  const FGT = '[2001:db8:ffff::2]:5060';
  const PBX = '[2001:db8:7::7]:5060';
  const d = dialog({ id: 'v6call', transport: 'UDP', phone: PHONE, fgt: FGT, pbx: PBX, mediaPhone: '2001:db8:10::10', mediaPbx: '2001:db8:7::20', ipv: 'IP6' });
  write('ipv6-call.log', debugLog([
    { ts: day('11:02:00'), port: 50, src: PHONE, dst: PBX, message: d.invite },
    { ts: day('11:02:00'), port: 51, src: PBX, dst: FGT, message: d.trying },
    { ts: day('11:02:01'), port: 51, src: PBX, dst: FGT, message: d.ringing },
    { ts: day('11:02:02'), port: 51, src: PBX, dst: FGT, message: d.ok },
    { ts: day('11:02:02'), port: 50, src: PHONE, dst: PBX, message: d.ack },
  ]));
}

// 4. Records with only the text column (`(0,LEN)(TEXT)`, no hex dump), CR LF shown as `..`; no timestamps.
{
  const PHONE = '192.168.1.10:5060';
  const FGT = '203.0.113.2:5060';
  const PBX = '198.51.100.7:5060';
  const d = dialog({ id: 'text1', transport: 'UDP', phone: PHONE, fgt: FGT, pbx: PBX, mediaPhone: '192.168.1.10', mediaPbx: '198.51.100.20', ipv: 'IP4' });
  const textOnly = (spec: Parameters<typeof debugRecord>[0]) => debugRecord(spec).map((l) => l.replace(/^(.*read \[\(0,\d+\))\([0-9a-f]+\)/, '$1'));
  const lines = [
    ...textOnly({ port: 26, src: PHONE, dst: PBX, message: d.invite }),
    ...textOnly({ port: 27, src: PBX, dst: FGT, message: d.trying }),
    ...textOnly({ port: 27, src: PBX, dst: FGT, message: d.ok }),
    ...textOnly({ port: 26, src: PHONE, dst: PBX, message: d.ack }),
  ];
  write('text-only.log', lines.join('\n') + '\n');
}

// 5. SIP over TCP, messages split across reads: the INVITE in two records whose second says where it continues
//    (`(600,LEN)`), the 200 OK in two records that both say offset 0 (the tail begins mid-body, with no start line).
{
  const PHONE = '192.168.1.10:5060';
  const FGT = '203.0.113.2:5060';
  const PBX = '198.51.100.7:5060';
  const d = dialog({ id: 'split1', transport: 'TCP', phone: PHONE, fgt: FGT, pbx: PBX, mediaPhone: '192.168.1.10', mediaPbx: '198.51.100.20', ipv: 'IP4' });
  const at = (s: string, n: number) => [Buffer.from(s).subarray(0, n).toString('latin1'), Buffer.from(s).subarray(n).toString('latin1')];
  const [invite1, invite2] = at(d.invite, 300);
  const [ok1, ok2] = at(d.ok, d.ok.length - 40);
  const rec = (ts: string, port: number, src: string, dst: string, message: string, offset = 0) =>
    debugRecord({ ts: day(ts), port, src, dst, message }).map((l) => (offset ? l.replace('read [(0,', `read [(${offset},`) : l));
  const lines = [
    ...rec('11:03:00', 30, PHONE, PBX, invite1),
    ...rec('11:03:00', 30, PHONE, PBX, invite2, 300),
    ...rec('11:03:00', 31, PBX, FGT, d.trying),
    ...rec('11:03:02', 31, PBX, FGT, ok1),
    ...rec('11:03:02', 31, PBX, FGT, ok2),
    ...rec('11:03:02', 30, PHONE, PBX, d.ack),
  ];
  write('tcp-split-reads.log', lines.join('\n') + '\n');
}
