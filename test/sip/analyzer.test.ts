import { SipCaptureAnalyzer } from '../../src/sip';
import { debugLog, sdpBody, sipMessage } from './support/debugLog';
import { analyse, analyseFixtures, fixture } from './support/load';

describe('SipCaptureAnalyzer: calls (sngrep state machine)', () => {
  it('summarises a completed call: states, codes, timing, SDP per leg', () => {
    const s = analyseFixtures('basic-call.log').summary();
    expect(s.messages).toBe(7);
    expect(s.requests).toEqual({ INVITE: 1, ACK: 1, BYE: 1 });
    expect(s.responses).toEqual({ '100': 1, '180': 1, '200': 2 });
    expect(s.retransmissions).toBe(0);
    expect(s.problems).toEqual([]);
    expect(s.lines).toEqual({ total: 28, unknown: 0 }); // 7 records × 4 lines
    const [call] = s.calls;
    expect(call).toMatchObject({
      callId: 'basic1@192.168.1.10',
      from: '1001@pbx.example.com',
      to: '2002@pbx.example.com',
      state: 'completed',
      finalStatus: 200,
      finalReason: 'OK',
      startedAt: '2024-05-02 10:11:12',
      postDialDelayMs: 1000,
      setupMs: 4000,
      durationMs: 30000,
      messages: 7,
    });
    expect(call.media).toEqual([
      { leg: 'INVITE 192.168.1.10:5060→198.51.100.7:5060', address: '192.168.1.10', port: 16384, codecs: ['PCMU', 'PCMA', 'telephone-event'] },
      { leg: '200 OK 198.51.100.7:5060→203.0.113.2:5060', address: '198.51.100.20', port: 30000, codecs: ['PCMU', 'telephone-event'] },
    ]);
  });

  it('486 → busy, counted as an outcome, not a problem (wrapped capture)', () => {
    const s = analyseFixtures('rejected-486.log').summary();
    expect(s.lines.unknown).toBe(0);
    expect(s.calls[0].state).toBe('busy');
    expect(s.calls[0].finalStatus).toBe(486);
    expect(s.problems).toEqual([]);
    expect(s.outcomes).toEqual([{ method: 'INVITE', status: 486, reason: 'Busy Here', count: 1, callIds: ['busy1@192.168.1.10'] }]);
  });

  it('CANCEL → cancelled; the 487 that follows is expected, not a problem', () => {
    const s = analyseFixtures('cancelled.log').summary();
    expect(s.calls[0].state).toBe('cancelled');
    expect(s.calls[0].finalStatus).toBe(487);
    expect(s.problems).toEqual([]);
  });

  it('an INVITE still ringing at the end: no-final-response, state ringing', () => {
    const s = analyseFixtures('no-final.log').summary();
    expect(s.calls[0].state).toBe('ringing');
    expect(s.calls[0].finalStatus).toBeNull();
    expect(s.problems.map((p) => p.kind)).toEqual(['no-final-response']);
    expect(s.problems[0].evidence[1]).toBe('  INVITE sip:2005@pbx.example.com SIP/2.0');
  });

  it('an INVITE nobody answers at all is no-answer', () => {
    const s = analyseFixtures('handbook-wrapped.log').summary();
    expect(s.calls[0]).toMatchObject({ callId: '620-6827@127.0.1.1', from: 'sipp@127.0.1.1', to: 'service@192.168.2.100', state: 'no-answer' });
    expect(s.calls[0].media[0]).toMatchObject({ address: '127.0.1.1', port: 6001, codecs: ['PCMU'] });
  });

  it('counts a retransmitted INVITE once as a retransmission and reports it', () => {
    const s = analyseFixtures('retransmitted-invite.log').summary();
    expect(s.retransmissions).toBe(1);
    expect(s.requests.INVITE).toBe(2);
    expect(s.calls[0].state).toBe('in-call');
    expect(s.calls[0].setupMs).toBe(4000);
    const p = s.problems.find((x) => x.kind === 'retransmission')!;
    expect(p.message).toContain('INVITE ×1');
    expect(p.callId).toBe('retx1@192.168.1.10');
  });

  it('three 407s in a row: auth-loop, and the challenges are not reported as errors', () => {
    const s = analyseFixtures('auth-loop-407.log').summary();
    expect(s.problems.map((p) => p.kind)).toEqual(['auth-loop']);
    expect(s.calls[0].state).toBe('rejected');
    expect(s.calls[0].finalStatus).toBe(407);
    expect(s.calls[0].media).toHaveLength(1);
  });

  it('flags private c=, Via and Contact on the public side, and ignores the NAT trace i= line', () => {
    const s = analyseFixtures('private-sdp.log').summary();
    const kinds = s.problems.map((p) => `${p.kind} ${p.callId}`);
    expect(kinds).toContain('private-address-in-sdp nat1@192.168.1.10');
    expect(kinds).toContain('nat-not-rewritten nat1@192.168.1.10');
    expect(kinds.filter((k) => k.includes('in1@198.51.100.7') && !k.startsWith('no-final-response'))).toEqual([]);
    expect(s.problems.find((p) => p.kind === 'private-address-in-sdp')!.evidence).toContain('  c=IN IP4 192.168.1.10');
  });

  it('does not flag private addresses on the private side (phone → firewall)', () => {
    const s = analyseFixtures('basic-call.log', 'register-401.log').summary();
    expect(s.problems).toEqual([]);
  });

  it('flags a private Contact in a public-side response', () => {
    const ok = sipMessage('SIP/2.0 200 OK', ['Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-x', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>;tag=2', 'Call-ID: pc1', 'CSeq: 1 OPTIONS', 'Contact: <sip:c@172.20.1.4:5060>']);
    const s = analyse([debugLog([{ port: 27, src: '198.51.100.7:5060', dst: '203.0.113.2:5060', message: ok }])]).summary();
    expect(s.problems.map((p) => p.kind)).toEqual(['private-address-in-contact']);
  });
});

describe('SipCaptureAnalyzer: registrations and other transactions', () => {
  it('REGISTER 401 then 200: outcome 401→200, one challenge, expires from the 200', () => {
    const s = analyseFixtures('register-401.log').summary();
    expect(s.registrations).toEqual([{ aor: '1001@pbx.example.com', outcome: '401→200', challenges: 1, contact: '1001@192.168.1.10:5060', expires: 600 }]);
    expect(s.calls).toEqual([]);
    expect(s.problems).toEqual([]);
  });

  it('OPTIONS keepalives: counted per method, the unanswered one reported', () => {
    const s = analyseFixtures('options.log').summary();
    expect(s.otherTransactions).toEqual([{ method: 'OPTIONS', count: 3, unanswered: 1 }]);
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0].kind).toBe('no-final-response');
    expect(s.problems[0].evidence).toContain('  Call-ID: opt-3@192.168.1.10');
  });

  it('a REGISTER refused 403 is an error; one never answered reads "no answer"', () => {
    const reg = (cseq: number, callId: string, user: string) =>
      sipMessage('REGISTER sip:pbx.example.com SIP/2.0', [`Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-${callId}${cseq}`, `From: <sip:${user}@pbx.example.com>;tag=1`, `To: <sip:${user}@pbx.example.com>`, `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`]);
    const forbidden = sipMessage('SIP/2.0 403 Forbidden', ['Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-r71', 'From: <sip:1007@pbx.example.com>;tag=1', 'To: <sip:1007@pbx.example.com>;tag=9', 'Call-ID: r7', 'CSeq: 1 REGISTER']);
    const log = debugLog([
      { port: 26, src: '192.168.1.10:5060', dst: '198.51.100.7:5060', message: reg(1, 'r7', '1007') },
      { port: 27, src: '198.51.100.7:5060', dst: '203.0.113.2:5060', message: forbidden },
      { port: 26, src: '192.168.1.11:5060', dst: '198.51.100.7:5060', message: reg(1, 'r8', '1008') },
    ]);
    const s = analyse([log]).summary();
    expect(s.registrations.map((r) => `${r.aor} ${r.outcome}`)).toEqual(['1007@pbx.example.com 403', '1008@pbx.example.com no answer']);
    expect(s.problems.map((p) => p.kind).sort()).toEqual(['error-response', 'no-final-response']);
  });
});

describe('SipCaptureAnalyzer: ladders', () => {
  it('draws the call with the most messages first (a busy call is no problem), one lane per phone behind NAT, deltas and SDP', () => {
    const a = analyseFixtures('basic-call.log', 'rejected-486.log');
    const ladders = a.ladders();
    expect(ladders.map((l) => l.callId)).toEqual(['basic1@192.168.1.10', 'busy1@192.168.1.10']);
    const basic = ladders[0];
    // The phone's requests come from 192.168.1.10:5060 and the answers go to 203.0.113.2:5060: one phone, one lane.
    expect(basic.endpoints).toEqual(['192.168.1.10:5060', 'FortiGate', '198.51.100.7:5060']);
    expect(basic.nat).toEqual([{ inside: '192.168.1.10:5060', outside: '203.0.113.2:5060' }]);
    expect(basic.rows.filter((r) => r.kind === 'response' && r.from === '198.51.100.7:5060').every((r) => r.to === '192.168.1.10:5060')).toBe(true);
    expect(basic.title).toBe('1001@pbx.example.com → 2002@pbx.example.com · completed 200 OK');
    expect(basic.rows.map((r) => r.label)).toEqual(['INVITE', '100 Trying', '180 Ringing', '200 OK', 'ACK', 'BYE', '200 OK']);
    expect(basic.rows.map((r) => r.deltaMs)).toEqual([undefined, 0, 1000, 3000, 0, 30000, 0]);
    expect(basic.rows[0]).toMatchObject({ time: '10:11:12', from: '192.168.1.10:5060', to: '198.51.100.7:5060', kind: 'request', retransmission: false, sdp: '192.168.1.10:16384 PCMU' });
    expect(basic.rows[3]).toMatchObject({ status: 200, kind: 'response', sdp: '198.51.100.20:30000 PCMU' });
    expect(a.ladders(1)).toHaveLength(1);
  });

  it('draws identical calls once with their count, and keeps different ones apart', () => {
    const ladders = analyseFixtures('nat-busy-calls.log').ladders(3);
    expect(ladders.map((l) => l.title)).toEqual([
      '1002@voip.example.net → 02079460991@voip.example.net · busy 486 Busy Here ×3',
      '1002@voip.example.net → 02079460991@voip.example.net · in-call 200 OK',
    ]);
    expect(ladders[0].repeat).toEqual({ count: 3, callIds: ['busy-nat-1@10.10.20.16', 'busy-nat-2@10.10.20.16', 'busy-nat-3@10.10.20.16'] });
    expect(ladders[0].endpoints).toEqual(['10.10.20.16:5060', 'FortiGate', '198.51.100.10:5060']);
    expect(ladders[0].nat).toEqual([{ inside: '10.10.20.16:5060', outside: '203.0.113.2:65478' }]);
    expect(ladders[1].repeat).toBeUndefined();
  });

  it('marks the retransmitted row', () => {
    const [ladder] = analyseFixtures('retransmitted-invite.log').ladders();
    expect(ladder.rows.map((r) => r.retransmission)).toEqual([false, true, false, false, false, false]);
  });
});

describe('SipCaptureAnalyzer: bounded memory', () => {
  /** n INVITEs; `completed(i)` calls get 200 → BYE → 200, the others a 603. */
  function manyCalls(n: number, completed: (i: number) => boolean, answered = true): string {
    const records = [];
    const out = (message: string) => ({ port: 26, src: '192.168.1.10:5060', dst: '198.51.100.7:5060', message });
    const back = (message: string) => ({ port: 27, src: '198.51.100.7:5060', dst: '203.0.113.2:5060', message });
    for (let i = 0; i < n; i++) {
      const base = [`From: <sip:${1000 + i}@pbx.example.com>;tag=f${i}`, `To: <sip:2000@pbx.example.com>;tag=t${i}`, `Call-ID: many-${i}`];
      const via = (b: string) => `Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-m${i}${b}`;
      records.push(out(sipMessage('INVITE sip:2000@pbx.example.com SIP/2.0', [via('a'), ...base, 'CSeq: 1 INVITE', 'Content-Type: application/sdp'], sdpBody('192.168.1.10', 20000 + i, [[0, 'PCMU']]))));
      if (!answered) continue;
      if (completed(i)) {
        records.push(back(sipMessage('SIP/2.0 200 OK', [via('a'), ...base, 'CSeq: 1 INVITE'])));
        records.push(out(sipMessage('BYE sip:2000@198.51.100.7 SIP/2.0', [via('b'), ...base, 'CSeq: 2 BYE'])));
        records.push(back(sipMessage('SIP/2.0 200 OK', [via('b'), ...base, 'CSeq: 2 BYE'])));
      } else {
        // 503: a fault (603 Decline would be an outcome, not a problem: issue 22 §3).
        records.push(back(sipMessage('SIP/2.0 503 Service Unavailable', [via('a'), ...base, 'CSeq: 1 INVITE'])));
      }
    }
    return debugLog(records);
  }

  it('keeps at most maxCallsTracked calls but counts every message', () => {
    const s = analyse([manyCalls(50, () => false, false)], { maxCallsTracked: 10 }).summary();
    expect(s.calls).toHaveLength(10);
    expect(s.messages).toBe(50);
    expect(s.requests.INVITE).toBe(50);
    expect(s.dropped).toEqual({ calls: 40, problems: 0 });
  });

  it('evicts finished calls without problems to keep the ones with problems', () => {
    const s = analyse([manyCalls(30, (i) => i < 20)], { maxCallsTracked: 5 }).summary();
    expect(s.messages).toBe(20 * 4 + 10 * 2);
    expect(s.calls).toHaveLength(5);
    expect(s.calls.map((c) => c.state)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(s.calls.map((c) => c.callId)).toEqual(['many-20', 'many-21', 'many-22', 'many-23', 'many-24']);
    // Problems of calls that could not be tracked are still reported.
    expect(s.problems.filter((p) => p.kind === 'error-response')).toHaveLength(10);
    expect(s.dropped).toEqual({ calls: 25, problems: 0 });
  });

  it('keeps counting past the message cap of a call', () => {
    const a = new SipCaptureAnalyzer({ maxMessagesPerCall: 4 });
    for (const l of fixture('basic-call.log').toString().split('\n')) a.pushLine(l);
    expect(a.summary().calls[0].messages).toBe(7);
    expect(a.ladders()[0].rows).toHaveLength(4);
  });
});

describe('SipCaptureAnalyzer: what the window cut is not a missing answer (live captures)', () => {
  /** Feeds a fixture with line arrival times on the bot's clock, all at `arrivalMs`. */
  function live(name: string, arrivalMs: number) {
    const analyzer = new SipCaptureAnalyzer();
    for (const line of fixture(name).toString('latin1').split(/\r?\n/)) analyzer.pushLine(line, arrivalMs);
    return analyzer;
  }

  it('a request that arrived just before the window closed is not reported as unanswered', () => {
    const s = live('no-final.log', 10_000).summary({ endMs: 10_000 + 1_000 });
    expect(s.problems.filter((p) => p.kind === 'no-final-response')).toEqual([]);
  });
  it('the same request seconds before the end is reported', () => {
    const s = live('no-final.log', 10_000).summary({ endMs: 10_000 + 5_000 });
    expect(s.problems.map((p) => p.kind)).toContain('no-final-response');
  });
  it('an INVITE nobody answered is no-answer only once the grace has passed', () => {
    expect(live('handbook-wrapped.log', 0).summary({ endMs: 500 }).calls[0].state).toBe('setup');
    expect(live('handbook-wrapped.log', 0).summary({ endMs: 10_000 }).calls[0].state).toBe('no-answer');
  });
  it('without arrival times (offline transcripts) every pending request counts, as before', () => {
    expect(analyseFixtures('no-final.log').summary({ endMs: 1 }).problems.map((p) => p.kind)).toContain('no-final-response');
  });
});

describe('SipCaptureAnalyzer: the peer= / port= filter of a check', () => {
  const all = () => analyseFixtures('basic-call.log', 'register-401.log', 'options.log').summary();

  it('keeps only messages to or from the peer, and counts what it left out', () => {
    const s = analyse([fixture('basic-call.log'), fixture('register-401.log'), fixture('options.log')], { filter: { peer: '192.168.1.10' } }).summary();
    expect(s.messages).toBeGreaterThan(0);
    expect(s.messages).toBeLessThan(all().messages);
    expect(s.lines.filteredOut).toBe(all().messages - s.messages);
    for (const call of s.calls) for (const m of call.media) expect(m.leg).toContain('192.168.1.10');
  });
  it('a peer that never appears leaves nothing', () => {
    const s = analyse([fixture('basic-call.log')], { filter: { peer: '192.0.2.99' } }).summary();
    expect(s.messages).toBe(0);
    expect(s.lines.filteredOut).toBe(7);
  });
  it('filters by port on either side of the packet', () => {
    const none = analyse([fixture('basic-call.log')], { filter: { port: 5999 } }).summary();
    expect(none.messages).toBe(0);
    const same = analyse([fixture('basic-call.log')], { filter: { port: 5060 } }).summary();
    expect(same.messages).toBe(7);
    expect(same.lines.filteredOut).toBe(0);
  });
  it('without a filter the summary has no filteredOut count', () => {
    expect(all().lines.filteredOut).toBeUndefined();
  });
});
