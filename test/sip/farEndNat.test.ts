/**
 * Far-end NAT (issue 11 §2): a SIP message that arrives from a public address but names a private Contact host or
 * SDP `c=` address is the one-way-audio sign of the other side's NAT. Fixture: test/fixtures/sip/far-end-nat.log
 * (built by test/sip/support/buildFixtures.ts).
 */
import { debugLog, sdpBody, sipMessage } from './support/debugLog';
import { analyse, analyseFixtures } from './support/load';

describe('far-end NAT', () => {
  const s = analyseFixtures('far-end-nat.log').summary();
  const farEnd = s.problems.filter((p) => p.kind === 'far-end-nat');

  it('flags the far end\'s 200 OK (private Contact and c=) and the VIP INVITE (private c= and Contact), quoting the lines', () => {
    expect(farEnd.map((p) => p.callId).sort()).toEqual(['fe1@192.168.1.10', 'fe2@172.16.5.9']);
    const answer = farEnd.find((p) => p.callId === 'fe1@192.168.1.10')!;
    expect(answer.message).toMatch(/^200 OK arrives from 198\.51\.100\.7:5060 \(public\) but gives Contact 10\.20\.0\.5 and SDP media 10\.20\.0\.5:12000 \(private\)/);
    expect(answer.evidence).toContain('2024-05-02 10:17:33 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060');
    expect(answer.evidence).toContain('  Contact: <sip:2010@10.20.0.5:5060>');
    expect(answer.evidence).toContain('  c=IN IP4 10.20.0.5');
    const vip = farEnd.find((p) => p.callId === 'fe2@172.16.5.9')!;
    expect(vip.message).toContain('INVITE arrives from 198.51.100.77:5060 (public)');
    expect(vip.message).toContain('SDP media 172.16.5.9:11780');
    expect(vip.evidence).toContain('  c=IN IP4 172.16.5.9');
  });

  it('blames the far end, not this firewall: no "NAT not applied" problem for those messages', () => {
    const local = s.problems.filter((p) => ['private-address-in-sdp', 'private-address-in-contact', 'nat-not-rewritten'].includes(p.kind));
    expect(local).toEqual([]);
  });

  it('ignores the ALG\'s NAT trace i= line and the LAN leg', () => {
    expect(s.problems.filter((p) => p.callId === 'fe3@198.51.100.7' && p.kind !== 'no-final-response')).toEqual([]);
    // The outgoing INVITE from the phone carries its private c=: normal on the LAN side.
    expect(farEnd.every((p) => !p.message.startsWith('INVITE arrives from 192.168'))).toBe(true);
  });

  it('a public far end that gives its own public address is fine', () => {
    const ok = sipMessage('INVITE sip:4001@192.168.1.50 SIP/2.0', ['Via: SIP/2.0/UDP 198.51.100.77:5060;branch=z9hG4bK-ok', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>', 'Call-ID: ok1', 'CSeq: 1 INVITE', 'Contact: <sip:a@198.51.100.77:5060>', 'Content-Type: application/sdp'], sdpBody('198.51.100.77', 4000, [[0, 'PCMU']]));
    const r = analyse([debugLog([{ port: 28, src: '198.51.100.77:5060', dst: '192.168.1.50:5060', message: ok }])]).summary();
    expect(r.problems.filter((p) => p.kind === 'far-end-nat')).toEqual([]);
  });

  it('a compact-form Contact (m:) is read and quoted as written', () => {
    const msg = sipMessage('INVITE sip:4001@192.168.1.50 SIP/2.0', ['v: SIP/2.0/UDP 100.64.3.2:5060;branch=z9hG4bK-m;rport', 'f: <sip:a@b>;tag=1', 't: <sip:c@d>', 'i: cgn1', 'CSeq: 1 INVITE', 'm: <sip:a@100.64.3.2:5060>']);
    const r = analyse([debugLog([{ port: 28, src: '198.51.100.78:5060', dst: '192.168.1.50:5060', message: msg }])]).summary();
    const [p] = r.problems.filter((x) => x.kind === 'far-end-nat');
    expect(p.message).toContain('Contact 100.64.3.2');
    expect(p.evidence).toContain('  m: <sip:a@100.64.3.2:5060>');
  });
});
