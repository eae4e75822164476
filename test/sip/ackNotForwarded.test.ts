/**
 * The ACK that reaches the FortiGate but not the callee: the debug shows the caller's ACK, yet the callee keeps
 * retransmitting its 200 OK after it (RFC 3261 §13.3.1.4: a UAS stops once it has the ACK) and hangs up about 32 s
 * later. Fixtures: test/fixtures/sip/ack-not-forwarded-30s.log, ack-crossed.log and forked-call.log (built by
 * test/sip/support/buildFixtures.ts). One 200 OK retransmission crossing the ACK in flight is a normal call.
 */
import { renderSipSummaryText } from '../../src/report/sipText';
import { debugLog, sdpBody, sipMessage, type DebugRecordSpec } from './support/debugLog';
import { analyse, analyseFixtures, fixture } from './support/load';

const ackKinds = (kinds: string[]) => kinds.filter((k) => k === 'ack-not-received' || k === 'ack-not-forwarded');

describe('the ACK seen but not forwarded', () => {
  it('ACK on the caller\'s leg, 200 OK retransmitted on (0.5, 1, 2, 4, 4… s), BYE at 32 s: named, with the legs and the evidence', () => {
    const s = analyseFixtures('ack-not-forwarded-30s.log').summary();
    expect(s.problems.map((p) => p.kind)).toEqual(['ack-not-forwarded']);
    const [p] = s.problems;
    expect(p.callId).toBe('ackf1@192.168.1.10');
    expect(p.message).toMatch(/^INVITE 1001@pbx\.example\.com → 2012@pbx\.example\.com: an ACK came from 192\.168\.1\.10:5060 but the 200 OK was still retransmitted 10 times after it \(the last 31\.5 s after it\): the ACK did not reach the callee \(forwarded by the ALG\/NAT\?\)\./);
    expect(p.message).toContain('A UAS retransmits its 2xx until it has the ACK (RFC 3261 §13.3.1.4).');
    expect(p.message).toContain("The debug shows the ACK on the caller's leg (sip port 26, 192.168.1.10:5060 -> 198.51.100.7:5060) and none on the callee's leg (sip port 27) from 203.0.113.2:5060, the FortiGate's NAT of 192.168.1.10:5060, to 198.51.100.7:5060.");
    expect(p.message).toContain('The caller re-sent its ACK 10 times, so the 200 OK retransmissions do reach it.');
    expect(p.message).toContain('BYE 32.0 s after the first 200 OK (64×T1 = 32 s): the classic 30-second call drop.');
    expect(p.message).toContain('Check what the ALG/NAT does with the ACK on its way to 198.51.100.7:5060');
    expect(p.evidence).toEqual([
      '2024-05-02 10:21:03.000 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060',
      '  SIP/2.0 200 OK',
      '2024-05-02 10:21:03.040 sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060',
      '  ACK sip:2012@198.51.100.7:5060 SIP/2.0',
      '2024-05-02 10:21:34.500 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060',
      '  SIP/2.0 200 OK',
      '2024-05-02 10:21:35.000 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060',
      '  BYE sip:1001@203.0.113.2:5060 SIP/2.0',
    ]);
    // The counts: 10 retransmitted 200 OKs and 10 re-sent ACKs, which are this problem's story, not a second problem.
    expect(s.messages).toBe(27);
    expect(s.requests).toEqual({ INVITE: 1, ACK: 11, BYE: 1 });
    expect(s.responses).toEqual({ '100': 1, '180': 1, '200': 12 });
    expect(s.retransmissions).toBe(20);
    expect(s.lines).toEqual({ total: 108, unknown: 0 });
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]).toMatchObject({ state: 'completed', finalStatus: 200, setupMs: 3000, durationMs: 32000 });
    const text = renderSipSummaryText(s);
    expect(text).toContain('Problems (1):');
    expect(text).toContain('[ack-not-forwarded]');
    expect(text).toContain('    2024-05-02 10:21:03.040 sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060');
  });

  it('one 200 OK retransmission crossing the ACK, then silence: a normal call, no problem at all', () => {
    const s = analyseFixtures('ack-crossed.log').summary();
    expect(s.problems).toEqual([]);
    expect(s.messages).toBe(9);
    expect(s.requests).toEqual({ INVITE: 1, ACK: 2, BYE: 1 });
    expect(s.responses).toEqual({ '100': 1, '180': 1, '200': 3 });
    // Still counted (tshark's retransmissions) and drawn: only not reported.
    expect(s.retransmissions).toBe(2);
    expect(s.calls[0]).toMatchObject({ state: 'completed', durationMs: 20000 });
    expect(renderSipSummaryText(s)).toContain('Problems: none found in the signalling.');
  });

  it('the lost ACK (none seen at all) stays ack-not-received, and a call whose ACK came is flagged by neither', () => {
    expect(analyseFixtures('ack-lost-30s.log').summary().problems.map((p) => p.kind)).toEqual(['ack-not-received']);
    for (const f of ['basic-call.log', 'retransmitted-invite.log', 'cancelled.log', 'rejected-486.log', 'nat-busy-calls.log']) {
      expect(ackKinds(analyseFixtures(f).summary().problems.map((p) => p.kind))).toEqual([]);
    }
  });

  it('without the BYE (capture cut before it) it is still said, without the 30-second claim', () => {
    const text = fixture('ack-not-forwarded-30s.log').toString('utf8');
    const cut = text.slice(0, text.indexOf('2024-05-02 10:21:18.500'));
    const [p] = analyse([cut]).summary().problems;
    expect(p.kind).toBe('ack-not-forwarded');
    expect(p.message).toContain('still retransmitted 5 times after it (the last 11.5 s after it)');
    expect(p.message).toContain('The callee ends the call about 32 s after its first 200 OK when the ACK never reaches it.');
    expect(p.message).not.toContain('classic 30-second');
    expect(p.evidence).toHaveLength(6);
  });
});

/** One call from the phone to the provider, as the ALG logs it (LAN leg port 26, WAN leg port 27), step by step. */
const PHONE = '192.168.1.10:5060';
const PBX = '198.51.100.7:5060';
const FGT = '203.0.113.2:5060';

function call(id: string) {
  const head = (cseq: string, via: string, branch: string, toTag = ';tag=t1') => [`Via: SIP/2.0/UDP ${via};branch=${branch};rport`, `From: <sip:1001@pbx.example.com>;tag=${id}-f`, `To: <sip:2020@pbx.example.com>${toTag}`, `Call-ID: ${id}`, `CSeq: ${cseq}`];
  return {
    invite: sipMessage('INVITE sip:2020@pbx.example.com SIP/2.0', [...head('1 INVITE', '192.168.1.10:5060', `z9hG4bK-${id}-1`, ''), 'Contact: <sip:1001@192.168.1.10:5060>', 'Content-Type: application/sdp'], sdpBody('192.168.1.10', 16384, [[0, 'PCMU']])),
    ok: sipMessage('SIP/2.0 200 OK', [...head('1 INVITE', '203.0.113.2:5060', `z9hG4bK-${id}-1`), 'Contact: <sip:2020@198.51.100.7:5060>', 'Content-Type: application/sdp'], sdpBody('198.51.100.20', 30000, [[0, 'PCMU']])),
    ack: sipMessage('ACK sip:2020@198.51.100.7:5060 SIP/2.0', [...head('1 ACK', '192.168.1.10:5060', `z9hG4bK-${id}-2`), 'Max-Forwards: 70']),
    // The same INVITE forked by the PBX and answered by a second phone: its own To tag, its own ACK.
    ok2: sipMessage('SIP/2.0 200 OK', [...head('1 INVITE', '203.0.113.2:5060', `z9hG4bK-${id}-1`, ';tag=t2'), 'Contact: <sip:2020@198.51.100.8:5060>', 'Content-Type: application/sdp'], sdpBody('198.51.100.21', 30100, [[0, 'PCMU']])),
    ack2: sipMessage('ACK sip:2020@198.51.100.8:5060 SIP/2.0', [...head('1 ACK', '192.168.1.10:5060', `z9hG4bK-${id}-3`, ';tag=t2'), 'Max-Forwards: 70']),
  };
}

type Step = [ms: number, what: 'invite' | 'ok' | 'ack' | 'ok2' | 'ack2'];

/** INVITE at -2 s, then the steps (ms after the first 200 OK); no console timestamps with `timestamps: false`. */
function callLog(id: string, steps: Step[], timestamps = true): string {
  const c = call(id);
  const ts = (ms: number) => {
    if (!timestamps) return undefined;
    const d = new Date(Date.UTC(2024, 4, 2, 11, 0, 0) + ms);
    return `2024-05-02 ${d.toISOString().slice(11, 23)}`;
  };
  const records: DebugRecordSpec[] = [{ ts: ts(-2000), port: 26, src: PHONE, dst: PBX, message: c.invite }];
  for (const [ms, what] of steps) {
    records.push(what === 'ok' || what === 'ok2' ? { ts: ts(ms), port: 27, src: PBX, dst: FGT, message: c[what] } : { ts: ts(ms), port: 26, src: PHONE, dst: PBX, message: c[what] });
  }
  return debugLog(records);
}

const problemsOf = (log: string) => analyse([log]).summary().problems;

describe('the crossing allowance (one retransmission within 1 s of the ACK)', () => {
  it('counts alone (no timestamps): one retransmission after the ACK is a crossing, two are not', () => {
    expect(problemsOf(callLog('n1', [[0, 'ok'], [40, 'ack'], [500, 'ok'], [540, 'ack']], false))).toEqual([]);
    const [p] = problemsOf(callLog('n2', [[0, 'ok'], [40, 'ack'], [500, 'ok'], [1500, 'ok']], false));
    expect(p.kind).toBe('ack-not-forwarded');
    expect(p.message).toContain('the 200 OK was still retransmitted 2 times after it: the ACK did not reach the callee');
    expect(p.message).not.toContain('s after it)');
  });

  it('one retransmission more than 1 s after the ACK is enough; 0.9 s after it is a crossing', () => {
    const [late] = problemsOf(callLog('t1', [[0, 'ok'], [40, 'ack'], [1500, 'ok']]));
    expect(late.kind).toBe('ack-not-forwarded');
    expect(late.message).toContain('still retransmitted once after it (the last 1.5 s after it)');
    expect(problemsOf(callLog('t2', [[0, 'ok'], [40, 'ack'], [940, 'ok']]))).toEqual([]);
  });

  it('retransmissions before the ACK, then none: no ACK problem (they stay plain retransmissions, as before)', () => {
    const problems = problemsOf(callLog('b1', [[0, 'ok'], [500, 'ok'], [1500, 'ok'], [1540, 'ack']]));
    expect(ackKinds(problems.map((p) => p.kind))).toEqual([]);
    expect(problems.map((p) => p.kind)).toEqual(['retransmission']);
    expect(problems[0].message).toContain('200 OK ×2');
  });

  it('a retransmission of something else is still reported beside the crossing', () => {
    // The INVITE sent again 500 ms after the first (timer A).
    const problems = problemsOf(callLog('r1', [[-1500, 'invite'], [0, 'ok'], [40, 'ack'], [500, 'ok'], [540, 'ack']]));
    expect(problems.map((p) => p.kind)).toEqual(['retransmission']);
    expect(problems[0].message).toContain('INVITE ×1');
  });
});

describe('what the addresses allow to say', () => {
  /**
   * The provider 198.51.100.77 calls `callee` (the phone's address as the ALG logs it): INVITE, 200 OK, the ACK 30 ms
   * later, then the 200 OK retransmitted 3 times after it. The ACK problem of that call.
   */
  function ackProblemOfCallTo(callee: string, callId: string) {
    const FAR = '198.51.100.77:5060';
    const head = (cseq: string, branch: string, toTag = ';tag=d1') => ['Via: SIP/2.0/UDP 198.51.100.77:5060;branch=' + branch, 'From: <sip:+441632960555@voip.example.net>;tag=v1', `To: <sip:4001@pbx.example.com>${toTag}`, `Call-ID: ${callId}@198.51.100.77`, `CSeq: ${cseq}`];
    const ok = sipMessage('SIP/2.0 200 OK', [...head('7 INVITE', `z9hG4bK-${callId}-1`), 'Contact: <sip:4001@203.0.113.2:5060>']);
    const ack = sipMessage(`ACK sip:4001@${callee} SIP/2.0`, [...head('7 ACK', `z9hG4bK-${callId}-2`), 'Max-Forwards: 70']);
    const records: DebugRecordSpec[] = [
      { ts: '2024-05-02 12:00:00.000', port: 30, src: FAR, dst: callee, message: sipMessage(`INVITE sip:4001@${callee} SIP/2.0`, [...head('7 INVITE', `z9hG4bK-${callId}-1`, ''), 'Contact: <sip:+441632960555@198.51.100.77:5060>']) },
      { ts: '2024-05-02 12:00:03.000', port: 30, src: callee, dst: FAR, message: ok },
      { ts: '2024-05-02 12:00:03.030', port: 30, src: FAR, dst: callee, message: ack },
      { ts: '2024-05-02 12:00:03.500', port: 30, src: callee, dst: FAR, message: ok },
      { ts: '2024-05-02 12:00:04.500', port: 30, src: callee, dst: FAR, message: ok },
      { ts: '2024-05-02 12:00:06.500', port: 30, src: callee, dst: FAR, message: ok },
    ];
    return analyse([debugLog(records)]).summary().problems.find((x) => x.kind === 'ack-not-forwarded')!;
  }

  it('an ACK logged on the callee\'s leg itself (the 200 OK\'s path reversed): lost after the FortiGate, or not matched', () => {
    // A phone behind a VIP: the ALG logs both directions between 198.51.100.77 and 192.168.1.50 (after the DNAT).
    const p = ackProblemOfCallTo('192.168.1.50:5060', 'vip1');
    expect(p.message).toContain('an ACK came from 198.51.100.77:5060 but the 200 OK was still retransmitted 3 times after it (the last 3.5 s after it)');
    expect(p.message).toContain("The debug shows an ACK on the callee's leg too (198.51.100.77:5060 -> 192.168.1.50:5060, the 200 OK's path reversed): it was lost after the FortiGate, or the callee does not match it to its 200 OK.");
    expect(p.message).toContain("Check the ACK's Request-URI and Route against the 200 OK's Contact and Record-Route");
    expect(p.message).not.toContain("caller's leg");
  });

  it('a routed call (no NAT in sight: both ends public): the legs carry the same addresses, so no leg is blamed', () => {
    const p = ackProblemOfCallTo('203.0.113.50:5060', 'routed1');
    expect(p.message).toContain('The ACK was logged going to the callee (198.51.100.77:5060 -> 203.0.113.50:5060); with no NAT seen in this call both legs carry the same addresses, so the debug cannot tell whether the FortiGate forwarded it or it was lost beyond.');
    expect(p.message).not.toContain("callee's leg too");
    expect(p.message).not.toContain("caller's leg");
  });

  it('a debug without the address lines: said plainly', () => {
    const log = callLog('x1', [[0, 'ok'], [40, 'ack'], [500, 'ok'], [1500, 'ok'], [3500, 'ok']])
      .split('\n')
      .filter((l) => !/sip port \d+ \S+ -> \S+$/.test(l))
      .join('\n');
    const [p] = problemsOf(log);
    expect(p.kind).toBe('ack-not-forwarded');
    expect(p.message).toContain('an ACK came from the caller but the 200 OK was still retransmitted 3 times after it');
    expect(p.message).toContain('The debug gives no addresses that would tell on which leg the ACK was seen.');
    expect(p.message).toContain('on its way to the callee');
    expect(p.evidence[2]).toBe('2024-05-02 11:00:00.040 sip port 26 read');
  });
});

describe('a forked INVITE: two phones answer, each 200 OK with its own To tag (RFC 3261 §13.2.2.4)', () => {
  it('two devices of one user (forked-call.log): both answer, the caller hangs up the second dialog at once and talks 20 s on the first', () => {
    const s = analyseFixtures('forked-call.log').summary();
    expect(s.problems).toEqual([]);
    expect(s.retransmissions).toBe(0);
    expect(s.requests).toEqual({ INVITE: 1, ACK: 2, BYE: 2 });
    expect(s.responses).toEqual({ '100': 1, '180': 2, '200': 4 });
    expect(s.calls).toHaveLength(1);
    // The BYE of the second dialog (1.56 s after the first 200 OK) does not end the call; the first dialog's does.
    expect(s.calls[0]).toMatchObject({ state: 'completed', finalStatus: 200, setupMs: 4000, durationMs: 20000 });
    expect(renderSipSummaryText(s)).toContain('Problems: none found in the signalling.');
  });

  it('the second phone\'s 200 OK, 1.5 s after the first one\'s ACK, is another dialog: no retransmission, no ACK problem', () => {
    const s = analyse([callLog('f1', [[0, 'ok'], [40, 'ack'], [1500, 'ok2'], [1540, 'ack2']])]).summary();
    expect(s.problems).toEqual([]);
    expect(s.retransmissions).toBe(0);
    expect(s.responses).toEqual({ '200': 2 });
    expect(s.requests).toEqual({ INVITE: 1, ACK: 2 });
  });

  it('the first phone\'s 200 OK retransmitted after its ACK is still named, however the other fork goes', () => {
    const [p, ...rest] = problemsOf(callLog('f2', [[0, 'ok'], [40, 'ack'], [300, 'ok2'], [340, 'ack2'], [1500, 'ok'], [3500, 'ok']]));
    expect(rest).toEqual([]);
    expect(p.kind).toBe('ack-not-forwarded');
    expect(p.message).toContain('the 200 OK was still retransmitted 2 times after it (the last 3.5 s after it)');
  });

  it('only the other fork was ACKed: the first 200 OK, retransmitted, is the ACK not received', () => {
    const kinds = problemsOf(callLog('f3', [[0, 'ok'], [200, 'ok2'], [240, 'ack2'], [500, 'ok'], [1500, 'ok']])).map((p) => p.kind);
    expect(ackKinds(kinds)).toEqual(['ack-not-received']);
  });
});

/**
 * Explicit messages of one call from the phone (192.168.1.10) to the PBX: `msg(start, cseq, branch, toTag, fromTag)`.
 * Records at `ms` after 11:00:00 on the phone's leg (requests) or the PBX's (responses).
 */
function explicitCall(id: string) {
  const msg = (start: string, cseq: string, branch: string, toTag?: string, fromTag: string | null = `${id}-f`) =>
    sipMessage(start, [`Via: SIP/2.0/UDP 192.168.1.10:5060;branch=${branch}`, `From: <sip:1001@pbx.example.com>${fromTag === null ? '' : `;tag=${fromTag}`}`, `To: <sip:2020@pbx.example.com>${toTag ? `;tag=${toTag}` : ''}`, `Call-ID: ${id}`, `CSeq: ${cseq}`]);
  const records: DebugRecordSpec[] = [];
  const at = (ms: number) => `2024-05-02 ${new Date(Date.UTC(2024, 4, 2, 11, 0, 0) + ms).toISOString().slice(11, 23)}`;
  return {
    msg,
    request: (ms: number, message: string) => records.push({ ts: at(ms), port: 26, src: PHONE, dst: PBX, message }),
    response: (ms: number, message: string) => records.push({ ts: at(ms), port: 27, src: PBX, dst: FGT, message }),
    summary: () => analyse([debugLog(records)]).summary(),
  };
}

describe('ACKs that acknowledge a refusal, not the answer (RFC 3261 §17.1.1.3)', () => {
  it('407, its ACK, the INVITE again with credentials, 200 OK retransmitted and never ACKed: the ACK not received', () => {
    const c = explicitCall('auth1');
    c.request(0, c.msg('INVITE sip:2020@pbx.example.com SIP/2.0', '1 INVITE', 'z9hG4bK-a1'));
    c.response(50, c.msg('SIP/2.0 407 Proxy Authentication Required', '1 INVITE', 'z9hG4bK-a1', 'px-1'));
    c.request(60, c.msg('ACK sip:2020@pbx.example.com SIP/2.0', '1 ACK', 'z9hG4bK-a1', 'px-1'));
    c.request(80, c.msg('INVITE sip:2020@pbx.example.com SIP/2.0', '2 INVITE', 'z9hG4bK-a2'));
    c.response(3000, c.msg('SIP/2.0 200 OK', '2 INVITE', 'z9hG4bK-a2', 'pbx-9'));
    c.response(3500, c.msg('SIP/2.0 200 OK', '2 INVITE', 'z9hG4bK-a2', 'pbx-9'));
    c.response(4500, c.msg('SIP/2.0 200 OK', '2 INVITE', 'z9hG4bK-a2', 'pbx-9'));
    const s = c.summary();
    expect(ackKinds(s.problems.map((p) => p.kind))).toEqual(['ack-not-received']);
    expect(s.calls[0]).toMatchObject({ state: 'in-call', finalStatus: 200 });
  });

  it('one phone of a fork refuses (486, ACKed), the other answers: the call is up, and its lost ACK is named', () => {
    const c = explicitCall('fork486');
    c.request(0, c.msg('INVITE sip:2020@pbx.example.com SIP/2.0', '1 INVITE', 'z9hG4bK-b1'));
    c.response(1000, c.msg('SIP/2.0 486 Busy Here', '1 INVITE', 'z9hG4bK-b1', 'desk-1'));
    c.request(1010, c.msg('ACK sip:2020@pbx.example.com SIP/2.0', '1 ACK', 'z9hG4bK-b1', 'desk-1'));
    c.response(2000, c.msg('SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-b1', 'soft-2'));
    const answered = c.summary();
    expect(answered.calls[0]).toMatchObject({ state: 'in-call', finalStatus: 200 });
    expect(ackKinds(answered.problems.map((p) => p.kind))).toEqual([]);
    c.response(2500, c.msg('SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-b1', 'soft-2'));
    c.response(3500, c.msg('SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-b1', 'soft-2'));
    expect(ackKinds(c.summary().problems.map((p) => p.kind))).toEqual(['ack-not-received']);
  });

  it('the ACKs of two forks on one Via branch (an older UA) are two ACKs, not one sent again', () => {
    const c = explicitCall('fork-branch');
    c.request(0, c.msg('INVITE sip:2020@pbx.example.com SIP/2.0', '1 INVITE', 'z9hG4bK-c1'));
    c.response(1000, c.msg('SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-c1', 'p1'));
    c.request(1040, c.msg('ACK sip:2020@pbx.example.com SIP/2.0', '1 ACK', 'z9hG4bK-c2', 'p1'));
    c.response(1200, c.msg('SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-c1', 'p2'));
    c.request(1240, c.msg('ACK sip:2020@pbx.example.com SIP/2.0', '1 ACK', 'z9hG4bK-c2', 'p2'));
    const s = c.summary();
    expect(s.retransmissions).toBe(0);
    expect(s.problems).toEqual([]);
  });

  it('a BYE from the caller whose To lost its tag (a sloppy UA) still ends the call', () => {
    const c = explicitCall('notag');
    c.request(0, c.msg('INVITE sip:2020@pbx.example.com SIP/2.0', '1 INVITE', 'z9hG4bK-d1'));
    c.response(1000, c.msg('SIP/2.0 200 OK', '1 INVITE', 'z9hG4bK-d1', 'p1'));
    c.request(1040, c.msg('ACK sip:2020@pbx.example.com SIP/2.0', '1 ACK', 'z9hG4bK-d2', 'p1'));
    c.request(9000, c.msg('BYE sip:2020@pbx.example.com SIP/2.0', '2 BYE', 'z9hG4bK-d3'));
    expect(c.summary().calls[0]).toMatchObject({ state: 'completed', durationMs: 8000 });
  });
});
