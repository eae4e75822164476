import { analyseFixtures } from '../sip/support/load';
import { renderSipSummaryText } from '../../src/report/sipText';

describe('renderSipSummaryText', () => {
  const summary = analyseFixtures('basic-call.log', 'rejected-486.log', 'register-401.log', 'options.log', 'auth-loop-407.log', 'retransmitted-invite.log').summary();

  it('lists outcomes and problems first, then codes per method and status, calls and registrations', () => {
    const text = renderSipSummaryText(summary, { maxCalls: 50, maxProblems: 50 });
    const at = (s: string) => text.indexOf(s);
    expect(text.split('\n')[0]).toBe('SIP: 35 SIP messages, 4 calls, 1 registration, 1 retransmission · 193 debug lines (0 not recognised)');
    // The 486 is the callee's answer (issue 22 §3): an outcome, not among the problems.
    expect(at('Call outcomes (answers, not faults): INVITE 486 Busy Here ×1')).toBeGreaterThan(0);
    expect(at('Problems (3):')).toBeGreaterThan(at('Call outcomes'));
    expect(at('Problems (3):')).toBeLessThan(at('Requests:'));
    expect(text).not.toContain('[error-response]');
    expect(text).toContain('Requests: INVITE ×7, ACK ×6, OPTIONS ×3, REGISTER ×2, BYE ×1');
    expect(text).toContain('Responses: 100 ×3, 180 ×2, 200 ×6, 401 ×1, 407 ×3, 486 ×1');
    expect(text).toContain('Retransmissions: 1');
    expect(text).toMatch(/• INVITE 1001@pbx\.example\.com → 2007@pbx\.example\.com challenged 3 times in a row \(407\).*\[auth-loop\]/);
    expect(text).toMatch(/\n#\s+Start\s+From\s+To\s+State\s+Msgs\s+Final\s+PDD\s+Setup\s+Duration\n/);
    expect(text).toMatch(/10:11:12\s+1001@pbx\.example\.com\s+2002@pbx\.example\.com\s+completed\s+7\s+200 OK\s+1 s\s+4 s\s+30 s/);
    expect(text).toMatch(/1001@pbx\.example\.com\s+401→200\s+600s\s+1001@192\.168\.1\.10:5060/);
    expect(text).toContain('Other transactions: OPTIONS ×3 (1 unanswered)');
    expect(text).not.toContain('more');
  });

  it('cuts long lists with an "… N more" line', () => {
    const text = renderSipSummaryText(summary, { maxCalls: 1, maxProblems: 2 });
    expect(text).toContain('… 1 more problem (');
    expect(text).toContain('… 3 more calls');
    expect(text.match(/^• /gm)).toHaveLength(2);
  });

  it('says so when the capture holds no SIP', () => {
    const text = renderSipSummaryText({ messages: 0, requests: {}, responses: {}, retransmissions: 0, calls: [], registrations: [], otherTransactions: [], problems: [], lines: { total: 12, unknown: 12 } });
    expect(text).toBe('SIP: 0 SIP messages, 0 calls, 0 registrations, 0 retransmissions · 12 debug lines (12 not recognised)\nNo SIP message in the capture.');
  });
});
