/**
 * Regenerates test/fixtures/sip/*.log: `npx ts-node --transpile-only test/sip/support/buildFixtures.ts`.
 * Scenario: phone 1001 at 192.168.1.10 behind a FortiGate whose public address is 203.0.113.2; the provider's
 * proxy is 198.51.100.7:5060 and its media server 198.51.100.20. The ALG reads the LAN leg on port 26 and the WAN
 * leg on port 27 (FortiOS 5.2 handbook sample shape).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { debugLog, sdpBody, sipMessage, type DebugRecordSpec } from './debugLog';

const PHONE = '192.168.1.10:5060';
const FGT = '203.0.113.2:5060';
const PBX = '198.51.100.7:5060';
const DIR = path.join(__dirname, '../../fixtures/sip');

function call(id: string, from = '1001', to = '2002') {
  const base = (cseq: string, branch: string, via = '192.168.1.10:5060', toTag = '') => [
    `Via: SIP/2.0/UDP ${via};branch=${branch};rport`,
    `From: "Alice" <sip:${from}@pbx.example.com>;tag=${id}-ft`,
    `To: <sip:${to}@pbx.example.com>${toTag ? ';tag=' + toTag : ''}`,
    `Call-ID: ${id}@192.168.1.10`,
    `CSeq: ${cseq}`,
  ];
  const offer = sdpBody('192.168.1.10', 16384, [[0, 'PCMU'], [8, 'PCMA'], [101, 'telephone-event']]);
  const answer = sdpBody('198.51.100.20', 30000, [[0, 'PCMU'], [101, 'telephone-event']]);
  return {
    invite: (cseq = 1, branch = `z9hG4bK-${id}-1`, extra: string[] = []) =>
      sipMessage(`INVITE sip:${to}@pbx.example.com SIP/2.0`, [...base(`${cseq} INVITE`, branch), ...extra, `Contact: <sip:${from}@192.168.1.10:5060>`, 'Max-Forwards: 70', 'User-Agent: Yealink SIP-T46S 66.86.0.15', 'Content-Type: application/sdp'], offer),
    response: (status: string, cseq: string, branch: string, opts: { toTag?: string; sdp?: boolean; extra?: string[] } = {}) =>
      sipMessage(`SIP/2.0 ${status}`, [...base(cseq, branch, '203.0.113.2:5060', opts.toTag), ...(opts.extra ?? []), ...(opts.sdp ? [`Contact: <sip:${to}@198.51.100.7:5060>`, 'Content-Type: application/sdp'] : []), 'Server: Asterisk PBX 18.20.0'], opts.sdp ? answer : ''),
    request: (method: string, cseq: number, branch: string, toTag?: string) =>
      sipMessage(`${method} sip:${to}@198.51.100.7:5060 SIP/2.0`, [...base(`${cseq} ${method}`, branch, '192.168.1.10:5060', toTag), 'Max-Forwards: 70']),
  };
}

const day = (t: string) => `2024-05-02 ${t}`;
const out = (ts: string | undefined, message: string): DebugRecordSpec => ({ ts, port: 26, src: PHONE, dst: PBX, message });
const back = (ts: string | undefined, message: string): DebugRecordSpec => ({ ts, port: 27, src: PBX, dst: FGT, message });
/** The console timestamp `ms` after `zero` (a UTC instant on 2024-05-02), to the millisecond. */
const msAfter = (zero: number) => (ms: number) => `2024-05-02 ${new Date(zero + ms).toISOString().slice(11, 23)}`;

function write(name: string, text: string) {
  writeFileSync(path.join(DIR, name), text);
}

// 1. A completed call with SDP both ways: INVITE → 100 → 180 → 200 → ACK → BYE → 200. Timestamps, one line per record.
{
  const c = call('basic1');
  write('basic-call.log', debugLog([
    out(day('10:11:12'), c.invite()),
    back(day('10:11:12'), c.response('100 Trying', '1 INVITE', 'z9hG4bK-basic1-1')),
    back(day('10:11:13'), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-basic1-1', { toTag: 'pbx-77' })),
    back(day('10:11:16'), c.response('200 OK', '1 INVITE', 'z9hG4bK-basic1-1', { toTag: 'pbx-77', sdp: true })),
    out(day('10:11:16'), c.request('ACK', 1, 'z9hG4bK-basic1-2', 'pbx-77')),
    out(day('10:11:46'), c.request('BYE', 2, 'z9hG4bK-basic1-3', 'pbx-77')),
    back(day('10:11:46'), c.response('200 OK', '2 BYE', 'z9hG4bK-basic1-3', { toTag: 'pbx-77' })),
  ]));
}

// 2. REGISTER challenged (401) then accepted (200). No timestamps, CRLF line ends.
{
  const reg = (cseq: number, branch: string, auth: boolean) =>
    sipMessage('REGISTER sip:pbx.example.com SIP/2.0', [
      `Via: SIP/2.0/UDP 192.168.1.10:5060;branch=${branch};rport`,
      'From: "Alice" <sip:1001@pbx.example.com>;tag=reg-ft',
      'To: "Alice" <sip:1001@pbx.example.com>',
      'Call-ID: reg-1001@192.168.1.10',
      `CSeq: ${cseq} REGISTER`,
      'Contact: <sip:1001@192.168.1.10:5060>;expires=3600',
      ...(auth ? ['Authorization: Digest username="1001", realm="pbx.example.com", nonce="4f1a", uri="sip:pbx.example.com", response="0c5d"'] : []),
      'Max-Forwards: 70',
      'User-Agent: Yealink SIP-T46S 66.86.0.15',
    ]);
  const resp = (status: string, cseq: number, branch: string, extra: string[]) =>
    sipMessage(`SIP/2.0 ${status}`, [
      `Via: SIP/2.0/UDP 203.0.113.2:5060;branch=${branch};rport=5060;received=203.0.113.2`,
      'From: "Alice" <sip:1001@pbx.example.com>;tag=reg-ft',
      'To: "Alice" <sip:1001@pbx.example.com>;tag=as5f2c',
      'Call-ID: reg-1001@192.168.1.10',
      `CSeq: ${cseq} REGISTER`,
      ...extra,
      'Server: Asterisk PBX 18.20.0',
    ]);
  write('register-401.log', debugLog([
    out(undefined, reg(1, 'z9hG4bK-r1', false)),
    back(undefined, resp('401 Unauthorized', 1, 'z9hG4bK-r1', ['WWW-Authenticate: Digest algorithm=MD5, realm="pbx.example.com", nonce="4f1a"'])),
    out(undefined, reg(2, 'z9hG4bK-r2', true)),
    back(undefined, resp('200 OK', 2, 'z9hG4bK-r2', ['Expires: 600', 'Contact: <sip:1001@203.0.113.2:5060>;expires=600'])),
  ], { eol: '\r\n' }));
}

// 3. A call rejected 486 Busy Here. Timestamps, wrapped like the handbook.
{
  const c = call('busy1', '1001', '2003');
  write('rejected-486.log', debugLog([
    out(day('10:12:00'), c.invite()),
    back(day('10:12:00'), c.response('100 Trying', '1 INVITE', 'z9hG4bK-busy1-1')),
    back(day('10:12:02'), c.response('486 Busy Here', '1 INVITE', 'z9hG4bK-busy1-1', { toTag: 'pbx-88', extra: ['Reason: Q.850;cause=17;text="User busy"'] })),
    out(day('10:12:02'), c.request('ACK', 1, 'z9hG4bK-busy1-1', 'pbx-88')),
  ], { wrap: true }));
}

// 4. A cancelled call: INVITE → 100 → 180 → CANCEL → 200 (CANCEL) → 487 → ACK.
{
  const c = call('cancel1', '1001', '2004');
  write('cancelled.log', debugLog([
    out(day('10:13:00'), c.invite()),
    back(day('10:13:00'), c.response('100 Trying', '1 INVITE', 'z9hG4bK-cancel1-1')),
    back(day('10:13:01'), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-cancel1-1', { toTag: 'pbx-99' })),
    out(day('10:13:05'), c.request('CANCEL', 1, 'z9hG4bK-cancel1-1')),
    back(day('10:13:05'), c.response('200 OK', '1 CANCEL', 'z9hG4bK-cancel1-1', { toTag: 'pbx-99' })),
    back(day('10:13:05'), c.response('487 Request Terminated', '1 INVITE', 'z9hG4bK-cancel1-1', { toTag: 'pbx-99' })),
    out(day('10:13:05'), c.request('ACK', 1, 'z9hG4bK-cancel1-1', 'pbx-99')),
  ]));
}

// 5. An INVITE with no final answer in the window (ringing when the capture stopped).
{
  const c = call('ring1', '1001', '2005');
  write('no-final.log', debugLog([
    out(day('10:14:00'), c.invite()),
    back(day('10:14:00'), c.response('100 Trying', '1 INVITE', 'z9hG4bK-ring1-1')),
    back(day('10:14:01'), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-ring1-1', { toTag: 'pbx-11' })),
  ]));
}

// 6. A retransmitted INVITE (Timer A: same message again), then answered.
{
  const c = call('retx1', '1001', '2006');
  write('retransmitted-invite.log', debugLog([
    out(day('10:15:00'), c.invite()),
    out(day('10:15:01'), c.invite()),
    back(day('10:15:01'), c.response('100 Trying', '1 INVITE', 'z9hG4bK-retx1-1')),
    back(day('10:15:02'), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-retx1-1', { toTag: 'pbx-12' })),
    back(day('10:15:04'), c.response('200 OK', '1 INVITE', 'z9hG4bK-retx1-1', { toTag: 'pbx-12', sdp: true })),
    out(day('10:15:04'), c.request('ACK', 1, 'z9hG4bK-retx1-2', 'pbx-12')),
  ]));
}

// 7. A 407 loop: three INVITEs, each challenged again (wrong password).
{
  const c = call('auth1', '1001', '2007');
  const records: DebugRecordSpec[] = [];
  for (let i = 1; i <= 3; i++) {
    const auth = i > 1 ? ['Proxy-Authorization: Digest username="1001", realm="pbx.example.com", nonce="9a", response="bad"'] : [];
    records.push(out(day(`10:16:0${i}`), c.invite(i, `z9hG4bK-auth1-${i}`, auth)));
    records.push(back(day(`10:16:0${i}`), c.response('407 Proxy Authentication Required', `${i} INVITE`, `z9hG4bK-auth1-${i}`, { toTag: `pbx-a${i}`, extra: ['Proxy-Authenticate: Digest realm="pbx.example.com", nonce="9a"'] })));
    records.push(out(day(`10:16:0${i}`), c.request('ACK', i, `z9hG4bK-auth1-${i}`, `pbx-a${i}`)));
  }
  write('auth-loop-407.log', debugLog(records));
}

// 8. NAT not applied on the public side: an outbound INVITE leaves the firewall's public address with the phone's
//    private Via, Contact and c=; an inbound INVITE carries the ALG's NAT trace (`i=`), which must not be flagged.
{
  const id = 'nat1';
  const invite = sipMessage('INVITE sip:2008@pbx.example.com SIP/2.0', [
    `Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-${id}-1;rport`,
    `From: "Alice" <sip:1001@pbx.example.com>;tag=${id}-ft`,
    'To: <sip:2008@pbx.example.com>',
    `Call-ID: ${id}@192.168.1.10`,
    'CSeq: 1 INVITE',
    'Contact: <sip:1001@192.168.1.10:5060>',
    'Max-Forwards: 69',
    'Content-Type: application/sdp',
  ], sdpBody('192.168.1.10', 16384, [[0, 'PCMU']]));
  const inbound = sipMessage('INVITE sip:1001@203.0.113.2:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-in1-1',
    'From: <sip:+441632960123@pbx.example.com>;tag=in1-ft',
    'To: <sip:1001@pbx.example.com>',
    'Call-ID: in1@198.51.100.7',
    'CSeq: 10 INVITE',
    'Contact: <sip:+441632960123@198.51.100.7:5060>',
    'Max-Forwards: 70',
    'Content-Type: application/sdp',
  ], sdpBody('198.51.100.20', 31000, [[8, 'PCMA']], ['i=(o=IN IP4 10.9.9.9)']));
  write('private-sdp.log', debugLog([
    { ts: day('10:17:00'), port: 27, src: FGT, dst: PBX, message: invite },
    { ts: day('10:17:05'), port: 27, src: PBX, dst: FGT, message: inbound },
  ]));
}

// 8b. Far-end NAT (issue 11 §2): the far end sits behind a NAT that rewrites nothing. (1) Our phone calls out (the
//     LAN leg makes 198.51.100.7 a known far-end peer); the far end's 200 OK arrives from its public address with
//     its private Contact and c=. (2) A remote phone behind its own NAT calls our PBX through a VIP: the INVITE
//     arrives from its public address at the PBX's private one (after DNAT) with a private c=. (3) An inbound
//     INVITE whose only private address is the ALG's NAT trace `i=` line: not a problem.
{
  const c = call('fe1', '1001', '2010');
  const farAnswer = sipMessage('SIP/2.0 200 OK', [
    'Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-fe1-1;received=203.0.113.2',
    'From: "Alice" <sip:1001@pbx.example.com>;tag=fe1-ft',
    'To: <sip:2010@pbx.example.com>;tag=far-9',
    'Call-ID: fe1@192.168.1.10',
    'CSeq: 1 INVITE',
    'Contact: <sip:2010@10.20.0.5:5060>',
    'Server: Grandstream UCM6302 1.0.21.9',
    'Content-Type: application/sdp',
  ], sdpBody('10.20.0.5', 12000, [[0, 'PCMU']]));
  const vipInvite = sipMessage('INVITE sip:4001@203.0.113.2:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 172.16.5.9:5060;branch=z9hG4bK-fe2-1;rport',
    'From: "Home office" <sip:3001@voip.example.net>;tag=fe2-ft',
    'To: <sip:4001@pbx.example.com>',
    'Call-ID: fe2@172.16.5.9',
    'CSeq: 1 INVITE',
    'Contact: <sip:3001@172.16.5.9:5060>',
    'Max-Forwards: 69',
    'User-Agent: Yealink SIP-T54W 96.86.0.70',
    'Content-Type: application/sdp',
  ], sdpBody('172.16.5.9', 11780, [[8, 'PCMA'], [101, 'telephone-event']]));
  const traced = sipMessage('INVITE sip:1001@203.0.113.2:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-fe3-1',
    'From: <sip:+441632960188@pbx.example.com>;tag=fe3-ft',
    'To: <sip:1001@pbx.example.com>',
    'Call-ID: fe3@198.51.100.7',
    'CSeq: 20 INVITE',
    'Contact: <sip:+441632960188@198.51.100.7:5060>',
    'Max-Forwards: 70',
    'Content-Type: application/sdp',
  ], sdpBody('198.51.100.20', 31002, [[8, 'PCMA']], ['i=(o=IN IP4 10.9.9.9)']));
  write('far-end-nat.log', debugLog([
    out(day('10:17:30'), c.invite()),
    back(day('10:17:30'), c.response('100 Trying', '1 INVITE', 'z9hG4bK-fe1-1')),
    back(day('10:17:33'), farAnswer),
    { ts: day('10:17:40'), port: 28, src: '198.51.100.77:5060', dst: '192.168.1.50:5060', message: vipInvite },
    back(day('10:17:45'), traced),
  ]));
}

// 9. OPTIONS keepalives every 30 s: two answered, the last one not.
{
  const opt = (n: number) =>
    sipMessage('OPTIONS sip:pbx.example.com SIP/2.0', [
      `Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-opt${n}`,
      `From: <sip:1001@pbx.example.com>;tag=opt${n}`,
      'To: <sip:pbx.example.com>',
      `Call-ID: opt-${n}@192.168.1.10`,
      `CSeq: ${n} OPTIONS`,
      'Max-Forwards: 70',
    ]);
  const ok = (n: number) =>
    sipMessage('SIP/2.0 200 OK', [
      `Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-opt${n};received=203.0.113.2`,
      `From: <sip:1001@pbx.example.com>;tag=opt${n}`,
      'To: <sip:pbx.example.com>;tag=srv',
      `Call-ID: opt-${n}@192.168.1.10`,
      `CSeq: ${n} OPTIONS`,
      'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE',
    ]);
  write('options.log', debugLog([
    out(day('10:18:00'), opt(1)),
    back(day('10:18:00'), ok(1)),
    out(day('10:18:30'), opt(2)),
    back(day('10:18:30'), ok(2)),
    out(day('10:19:00'), opt(3)),
  ]));
}

// 10. The handbook's own SIPp INVITE (FortiOS 5.2 "SIP debug log format"), wrapped as the documentation prints it, CRLF.
{
  const sdp = ['v=0', 'o=user1 53655765 2353687637 IN IP4 127.0.1.1', 's=-', 'c=IN IP4 127.0.1.1', 't=0 0', 'm=audio 6001 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  const invite = [
    'INVITE sip:service@192.168.2.100:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.1.1:5061;branch=z9hG4bK-6827-620-0',
    'From: sipp <sip:sipp@127.0.1.1:5061>;tag=6827SIPpTag00620',
    'To: sut <sip:service@192.168.2.100:5060>',
    'Call-ID: 620-6827@127.0.1.1',
    'CSeq: 1 INVITE',
    'Contact: sip:sipp@127.0.1.1:5061',
    'Max-Forwards: 70',
    'Subject: Performance Test',
    'Content-Type: application/sdp',
    `Content-Length:  ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
  write('handbook-wrapped.log', debugLog([{ ts: '2010-01-04 21:39:59', port: 26, src: '192.168.2.134:5061', dst: '172.16.67.192:5060', message: invite }], { wrap: true, eol: '\r\n' }));
}

// 11. The ACK that never arrives (issue 22 §3): the provider answers 200 OK, the phone's ACK never reaches it, so the
//     provider retransmits the 200 OK (T1 = 500 ms doubling to T2 = 4 s, RFC 3261 §13.3.1.4) and gives up with a BYE
//     32 s after the first 200 OK. The phone did send an ACK: it is not in the capture (dropped before the ALG).
{
  const c = call('ackl1', '1001', '2011');
  const at = msAfter(Date.UTC(2024, 4, 2, 10, 20, 3));
  const ok = () => c.response('200 OK', '1 INVITE', 'z9hG4bK-ackl1-1', { toTag: 'pbx-31', sdp: true });
  const records: DebugRecordSpec[] = [
    out(at(-3000), c.invite()),
    back(at(-3000), c.response('100 Trying', '1 INVITE', 'z9hG4bK-ackl1-1')),
    back(at(-2000), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-ackl1-1', { toTag: 'pbx-31' })),
    back(at(0), ok()),
  ];
  for (const ms of [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]) records.push(back(at(ms), ok()));
  const bye = sipMessage('BYE sip:1001@203.0.113.2:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-ackl1-bye',
    'From: <sip:2011@pbx.example.com>;tag=pbx-31',
    'To: "Alice" <sip:1001@pbx.example.com>;tag=ackl1-ft',
    'Call-ID: ackl1@192.168.1.10',
    'CSeq: 102 BYE',
    'Reason: SIP;cause=408;text="ACK Timeout"',
    'Max-Forwards: 70',
  ]);
  records.push(back(at(32000), bye));
  records.push(out(at(32040), sipMessage('SIP/2.0 200 OK', [
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-ackl1-bye',
    'From: <sip:2011@pbx.example.com>;tag=pbx-31',
    'To: "Alice" <sip:1001@pbx.example.com>;tag=ackl1-ft',
    'Call-ID: ackl1@192.168.1.10',
    'CSeq: 102 BYE',
  ])));
  write('ack-lost-30s.log', debugLog(records, { eol: '\r\n' }));
}

// 12. A phone behind the FortiGate's source NAT, as the ALG logs it (issue 22 §4): its requests are read on the LAN
//     leg from 10.10.20.16:5060, the provider's responses on the WAN leg to 203.0.113.2:65478 (the NAT address and
//     port). Three identical calls to a busy number, then one answered call.
{
  const PHONE_NAT = '10.10.20.16:5060';
  const PUBLIC = '203.0.113.2:65478';
  const PROVIDER = '198.51.100.10:5060';
  const msg = (id: string, first: string, cseq: string, branch: string, toTag?: string, sdp?: string) =>
    sipMessage(first, [
      `Via: SIP/2.0/UDP 10.10.20.16:5060;branch=${branch};rport${first.startsWith('SIP/') ? '=65478;received=203.0.113.2' : ''}`,
      `From: "Front desk" <sip:1002@voip.example.net>;tag=${id}-ft`,
      `To: <sip:02079460991@voip.example.net>${toTag ? ';tag=' + toTag : ''}`,
      `Call-ID: ${id}@10.10.20.16`,
      `CSeq: ${cseq}`,
      ...(first.startsWith('INVITE') ? ['Contact: <sip:1002@10.10.20.16:5060>', 'User-Agent: Yealink SIP-T54W 96.86.0.70'] : ['Server: Sonus SBC']),
      ...(sdp ? ['Content-Type: application/sdp'] : []),
    ], sdp ?? '');
  const offer = sdpBody('10.10.20.16', 12044, [[8, 'PCMA'], [0, 'PCMU'], [101, 'telephone-event']]);
  const lan = (ts: string, m: string): DebugRecordSpec => ({ ts: day(ts), port: 4, src: PHONE_NAT, dst: PROVIDER, message: m });
  const wan = (ts: string, m: string): DebugRecordSpec => ({ ts: day(ts), port: 5, src: PROVIDER, dst: PUBLIC, message: m });
  const records: DebugRecordSpec[] = [];
  ['10:30:00', '10:30:20', '10:30:40'].forEach((t, i) => {
    const id = `busy-nat-${i + 1}`;
    const b = `z9hG4bK-${id}`;
    const [h, m, s] = t.split(':').map(Number);
    const t2 = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s + 2).padStart(2, '0')}`;
    records.push(lan(t, msg(id, 'INVITE sip:02079460991@voip.example.net SIP/2.0', '1 INVITE', b, undefined, offer)));
    records.push(wan(t, msg(id, 'SIP/2.0 100 Trying', '1 INVITE', b)));
    records.push(wan(t2, msg(id, 'SIP/2.0 486 Busy Here', '1 INVITE', b, 'sbc-4' + i)));
    records.push(lan(t2, msg(id, 'ACK sip:02079460991@voip.example.net SIP/2.0', '1 ACK', b, 'sbc-4' + i)));
  });
  const answer = sdpBody('198.51.100.30', 17946, [[8, 'PCMA'], [101, 'telephone-event']]);
  records.push(lan('10:31:00', msg('ok-nat-1', 'INVITE sip:02079460991@voip.example.net SIP/2.0', '1 INVITE', 'z9hG4bK-ok-nat-1', undefined, offer)));
  records.push(wan('10:31:00', msg('ok-nat-1', 'SIP/2.0 100 Trying', '1 INVITE', 'z9hG4bK-ok-nat-1')));
  records.push(wan('10:31:04', msg('ok-nat-1', 'SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-ok-nat-1', 'sbc-77', answer)));
  records.push(lan('10:31:04', msg('ok-nat-1', 'ACK sip:02079460991@198.51.100.10:5060 SIP/2.0', '1 ACK', 'z9hG4bK-ok-nat-1b', 'sbc-77')));
  write('nat-busy-calls.log', debugLog(records));
}

// 13. The ACK that reaches the FortiGate but not the callee: the phone ACKs the provider's 200 OK at once, the ALG
//     reads that ACK on the LAN leg (port 26) but it never reaches the provider on the WAN leg, so the provider keeps
//     retransmitting its 200 OK (T1 = 500 ms doubling to T2 = 4 s: 0.5, 1, 2, 4, 4, 4… s apart, RFC 3261 §13.3.1.4),
//     the phone re-sends its ACK for each one that reaches it (§13.2.2.4), and the provider gives up with a BYE 32 s
//     after its first 200 OK.
{
  const c = call('ackf1', '1001', '2012');
  const at = msAfter(Date.UTC(2024, 4, 2, 10, 21, 3));
  const ok = () => c.response('200 OK', '1 INVITE', 'z9hG4bK-ackf1-1', { toTag: 'pbx-41', sdp: true });
  const ack = () => c.request('ACK', 1, 'z9hG4bK-ackf1-2', 'pbx-41');
  const records: DebugRecordSpec[] = [
    out(at(-3000), c.invite()),
    back(at(-3000), c.response('100 Trying', '1 INVITE', 'z9hG4bK-ackf1-1')),
    back(at(-2000), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-ackf1-1', { toTag: 'pbx-41' })),
    back(at(0), ok()),
    out(at(40), ack()),
  ];
  for (const ms of [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]) records.push(back(at(ms), ok()), out(at(ms + 40), ack()));
  const bye = sipMessage('BYE sip:1001@203.0.113.2:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-ackf1-bye',
    'From: <sip:2012@pbx.example.com>;tag=pbx-41',
    'To: "Alice" <sip:1001@pbx.example.com>;tag=ackf1-ft',
    'Call-ID: ackf1@192.168.1.10',
    'CSeq: 102 BYE',
    'Reason: SIP;cause=408;text="ACK Timeout"',
    'Max-Forwards: 70',
  ]);
  records.push(back(at(32000), bye));
  records.push(out(at(32040), sipMessage('SIP/2.0 200 OK', [
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-ackf1-bye',
    'From: <sip:2012@pbx.example.com>;tag=pbx-41',
    'To: "Alice" <sip:1001@pbx.example.com>;tag=ackf1-ft',
    'Call-ID: ackf1@192.168.1.10',
    'CSeq: 102 BYE',
  ])));
  write('ack-not-forwarded-30s.log', debugLog(records));
}

// 14. A normal call over a long-haul trunk (about 260 ms each way between the FortiGate and the provider): the
//     phone's ACK is on its way when the provider's T1 (500 ms) fires, so one 200 OK retransmission crosses it and is
//     logged after it; the phone re-sends its ACK for it, and the retransmissions stop. The phone hangs up 20 s later.
{
  const c = call('ackx1', '1001', '2013');
  const at = msAfter(Date.UTC(2024, 4, 2, 10, 22, 3));
  const ok = () => c.response('200 OK', '1 INVITE', 'z9hG4bK-ackx1-1', { toTag: 'pbx-51', sdp: true });
  const ack = () => c.request('ACK', 1, 'z9hG4bK-ackx1-2', 'pbx-51');
  write('ack-crossed.log', debugLog([
    out(at(-4000), c.invite()),
    back(at(-3480), c.response('100 Trying', '1 INVITE', 'z9hG4bK-ackx1-1')),
    back(at(-2000), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-ackx1-1', { toTag: 'pbx-51' })),
    back(at(0), ok()),
    out(at(30), ack()),
    back(at(500), ok()),
    out(at(530), ack()),
    out(at(20000), c.request('BYE', 2, 'z9hG4bK-ackx1-3', 'pbx-51')),
    back(at(20520), c.response('200 OK', '2 BYE', 'z9hG4bK-ackx1-3', { toTag: 'pbx-51' })),
  ]));
}

// 15. A forked INVITE: the provider's forking proxy rings the two devices registered for extension 600 at once. Both
//     ring (180, each its own To tag), the first answers, the second answers 1.5 s later before the proxy could
//     cancel it; each 200 OK starts its own dialog, the phone ACKs both and hangs up the second at once (RFC 3261
//     §13.2.2.4), then talks on the first for 20 s.
{
  const c = call('fork1', '1001', '600');
  const at = msAfter(Date.UTC(2024, 4, 2, 10, 23, 3));
  write('forked-call.log', debugLog([
    out(at(-4000), c.invite()),
    back(at(-3950), c.response('100 Trying', '1 INVITE', 'z9hG4bK-fork1-1')),
    back(at(-3000), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-fork1-1', { toTag: 'hg-61' })),
    back(at(-2990), c.response('180 Ringing', '1 INVITE', 'z9hG4bK-fork1-1', { toTag: 'hg-62' })),
    back(at(0), c.response('200 OK', '1 INVITE', 'z9hG4bK-fork1-1', { toTag: 'hg-61', sdp: true })),
    out(at(40), c.request('ACK', 1, 'z9hG4bK-fork1-2', 'hg-61')),
    back(at(1500), c.response('200 OK', '1 INVITE', 'z9hG4bK-fork1-1', { toTag: 'hg-62', sdp: true })),
    out(at(1540), c.request('ACK', 1, 'z9hG4bK-fork1-3', 'hg-62')),
    out(at(1560), c.request('BYE', 2, 'z9hG4bK-fork1-4', 'hg-62')),
    back(at(1600), c.response('200 OK', '2 BYE', 'z9hG4bK-fork1-4', { toTag: 'hg-62' })),
    out(at(20000), c.request('BYE', 3, 'z9hG4bK-fork1-5', 'hg-61')),
    back(at(20040), c.response('200 OK', '3 BYE', 'z9hG4bK-fork1-5', { toTag: 'hg-61' })),
  ]));
}
