import { configVerdictLine, newEvidence, runtimeMissingLine, settleConfigVerdict } from '../../src/report/verdictChange';
import type { CheckResult } from '../../src/check/types';
import type { Verdict, VdomVerdict } from '../../src/verdict/types';

function vdom(over: Partial<VdomVerdict>): VdomVerdict {
  return { name: 'root', handler: 'sip-alg', rule: 'R3', policies: [], explanation: 'SIP is handled by the SIP ALG. Policy 1: no VoIP profile.', evidence: [], remediation: [], missing: [], notes: [], ...over };
}

function verdict(v: VdomVerdict): Verdict {
  return { handler: v.handler, vdoms: [v], rule: v.rule, explanation: v.explanation, evidence: v.evidence, remediation: [], clearSessions: [] };
}

const capture: CheckResult['capture'] = { stoppedBy: 'window', bytes: 100, lines: 10, seconds: 20, level: -1, debugReset: true };
const COUNTERS_BEFORE = { source: 'diagnose sys sip-proxy stats', text: 'ALG counters did not move between the two readings' };
const COUNTERS_ROSE = { source: 'diagnose sys sip-proxy stats (after vs before)', text: 'INVITE 4 4 0 0\n(rose: INVITE#req +4, INVITE#resp +4)' };

describe('settleConfigVerdict', () => {
  const early = verdict(vdom({ evidence: [{ source: 'diagnose sys sip status', text: 'dialogs: max=4096, used=0' }] }));

  it('confirmed: quotes what the capture added (the counters after vs before)', () => {
    const final = verdict(vdom({ evidence: [...early.evidence, COUNTERS_ROSE] }));
    expect(settleConfigVerdict(early, { verdict: final, capture })).toEqual({
      kind: 'confirmed',
      line: 'Confirmed by the runtime evidence: `diagnose sys sip-proxy stats (after vs before)`: (rose: INVITE#req +4, INVITE#resp +4).',
    });
  });

  it('confirmed without new evidence says nothing in the capture contradicts it', () => {
    expect(settleConfigVerdict(early, { verdict: early, capture }).line).toBe('Confirmed by the runtime evidence: nothing in the 20 s capture contradicts the configuration.');
  });

  it('changed: names both handlers and says why, from the VDOM that changed', () => {
    const final = verdict(vdom({ handler: 'mismatch', rule: 'R8', explanation: 'Mismatch: the config says SIP ALG (R3), but the firewall shows the SIP session helper at work. Existing SIP sessions keep the handler.' }));
    expect(settleConfigVerdict(early, { verdict: final, capture })).toEqual({
      kind: 'changed',
      line: 'Changed by the runtime evidence: SIP ALG → mismatch. Mismatch: the config says SIP ALG (R3), but the firewall shows the SIP session helper at work.',
    });
  });

  it('missing: a check cut short keeps the configuration verdict and says the runtime part is missing', () => {
    const cut = (phase: 'before-capture' | 'capture' | 'after-capture') => ({ kind: 'disconnected' as const, reason: 'fw01: the channel ended', phase, lines: 7, note: '', debugReset: true });
    expect(settleConfigVerdict(early, { verdict: early, capture, cutShort: cut('before-capture') })).toEqual({
      kind: 'missing',
      line: 'Runtime evidence missing: the check was cut short before the capture (fw01: the channel ended). This verdict stays the configuration\'s.',
    });
    expect(settleConfigVerdict(early, { verdict: early, capture, cutShort: cut('capture') }).line).toMatch(/^Runtime evidence incomplete: the capture was cut short after 7 lines \(fw01: the channel ended\)/);
    expect(settleConfigVerdict(early, { verdict: early, capture, cutShort: cut('after-capture') }).line).toMatch(/^Runtime evidence incomplete: the closing counters are missing/);
  });

  it('new evidence is what the first verdict did not quote', () => {
    expect(newEvidence([COUNTERS_BEFORE], [COUNTERS_BEFORE, COUNTERS_ROSE])).toEqual([COUNTERS_ROSE]);
  });

  it('lines for the card while waiting and when the runtime part will not come', () => {
    expect(configVerdictLine(20)).toBe('From the configuration; runtime evidence in 20 s.');
    expect(runtimeMissingLine('the check was cancelled')).toBe('Runtime evidence missing: the check was cancelled. This verdict is the configuration\'s.');
  });
});
