/**
 * Issue 22 §3: call outcomes (busy, declined, not found, cancelled) are counted and grouped apart from problems,
 * which keep what points at the network, NAT or the ALG; and the lost ACK (200 OK retransmitted, no ACK, BYE about
 * 32 s later) is named as the classic 30-second call drop, with its evidence.
 */
import { renderSipSummaryText } from '../../src/report/sipText';
import { analyse, analyseFixtures, fixture } from './support/load';

describe('call outcomes', () => {
  it('a 486 is an outcome, not a problem', () => {
    const s = analyseFixtures('rejected-486.log').summary();
    expect(s.problems).toEqual([]);
    expect(s.outcomes).toEqual([{ method: 'INVITE', status: 486, reason: 'Busy Here', count: 1, callIds: ['busy1@192.168.1.10'] }]);
    expect(s.calls[0].state).toBe('busy');
  });

  it('a cancelled call counts 487 as an outcome', () => {
    const s = analyseFixtures('cancelled.log').summary();
    expect(s.problems).toEqual([]);
    expect(s.outcomes?.map((o) => `${o.method} ${o.status} ×${o.count}`)).toEqual(['INVITE 487 ×1']);
  });

  it('identical busy calls are grouped with their count, and the summary text says so apart from problems', () => {
    const s = analyseFixtures('nat-busy-calls.log', 'rejected-486.log').summary();
    expect(s.outcomes?.map((o) => `${o.method} ${o.status} ${o.reason} ×${o.count}`)).toEqual(['INVITE 486 Busy Here ×4']);
    expect(s.problems.filter((p) => p.kind === 'error-response')).toEqual([]);
    const text = renderSipSummaryText(s);
    expect(text).toContain('Call outcomes (answers, not faults): INVITE 486 Busy Here ×4');
    expect(text).toContain('Problems: none found in the signalling.');
  });

  it('a 401/407 challenge answered is neither an outcome nor a problem', () => {
    const s = analyseFixtures('register-401.log').summary();
    expect(s.outcomes).toEqual([]);
    expect(s.problems).toEqual([]);
  });
});

describe('the lost ACK', () => {
  it('200 OK retransmitted, no ACK, BYE 32 s later: the classic 30-second call drop, with the evidence', () => {
    const s = analyseFixtures('ack-lost-30s.log').summary();
    const ack = s.problems.filter((p) => p.kind === 'ack-not-received');
    expect(ack).toHaveLength(1);
    expect(ack[0].message).toContain('the 200 OK was sent 11 times (10 retransmissions) and no ACK was seen');
    expect(ack[0].message).toContain('BYE 32.0 s after the first 200 OK');
    expect(ack[0].message).toContain('the ACK did not arrive: the classic 30-second call drop');
    expect(ack[0].evidence).toEqual([
      '2024-05-02 10:20:03.000 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060',
      '  SIP/2.0 200 OK',
      '2024-05-02 10:20:03.500 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060',
      '2024-05-02 10:20:35.000 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060',
      '  BYE sip:1001@203.0.113.2:5060 SIP/2.0',
    ]);
    // The 200 OK's retransmissions are that problem's evidence, not a second problem.
    expect(s.problems.map((p) => p.kind)).toEqual(['ack-not-received']);
    expect(s.problems[0]).toBe(ack[0]);
  });

  it('a call whose ACK came is not flagged, retransmitted or not', () => {
    for (const f of ['basic-call.log', 'retransmitted-invite.log']) {
      expect(analyseFixtures(f).summary().problems.filter((p) => p.kind === 'ack-not-received')).toEqual([]);
    }
  });

  it('without the BYE (capture cut before it) the missing ACK is still said, without the 30-second claim', () => {
    const text = fixture('ack-lost-30s.log').toString('utf8');
    const cut = text.slice(0, text.indexOf('2024-05-02 10:20:35.000'));
    const s = analyse([cut]).summary();
    const ack = s.problems.find((p) => p.kind === 'ack-not-received')!;
    expect(ack.message).toContain('no ACK was seen: the ACK did not arrive (the call drops about 32 s after the 200 OK when it never does)');
    expect(ack.message).not.toContain('classic 30-second');
  });
});
