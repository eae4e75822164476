import type { SipSummary } from '../../src/sip/types';
import type { Evidence, Verdict } from '../../src/verdict/types';

/**
 * What live and offline must agree on: handler, rule, evidence (overall and per VDOM), per-policy handler and
 * rule, and the SIP summary. Only clock-derived figures are left out (live lines carry receive times, offline
 * lines do not): call start, post-dial delay, setup time, duration, and the unanswered counts of transactions.
 */
export function parityShape(verdict: Verdict, sip: SipSummary, opts: { anyOrder?: boolean; dropEvidence?: RegExp } = {}) {
  // `anyOrder`: a live check visits VDOMs in the order the device lists them, a fixture may hold another order.
  const evidence = (list: Evidence[]) => {
    const kept = opts.dropEvidence ? list.filter((e) => !opts.dropEvidence!.test(e.text)) : list;
    return opts.anyOrder ? [...kept].sort((a, b) => `${a.source}\n${a.text}`.localeCompare(`${b.source}\n${b.text}`)) : kept;
  };
  const rule = opts.anyOrder ? verdict.rule.split('; ').sort().join('; ') : verdict.rule;
  return {
    handler: verdict.handler,
    rule,
    evidence: evidence(verdict.evidence),
    vdoms: Object.fromEntries(
      verdict.vdoms.map((d) => [
        d.name,
        { handler: d.handler, rule: d.rule, evidence: evidence(d.evidence), policies: Object.fromEntries(d.policies.map((p) => [p.id, `${p.handler} ${p.rule}`])) },
      ]),
    ),
    sip: {
      messages: sip.messages,
      requests: sip.requests,
      responses: sip.responses,
      retransmissions: sip.retransmissions,
      calls: sip.calls.map((c) => ({ callId: c.callId, from: c.from, to: c.to, state: c.state, finalStatus: c.finalStatus, messages: c.messages, media: c.media })),
      registrations: sip.registrations,
      otherTransactions: sip.otherTransactions.map((t) => ({ method: t.method, count: t.count })),
      problems: sip.problems.map((p) => ({ kind: p.kind, callId: p.callId, evidence: p.evidence })),
      lines: { total: sip.lines.total, unknown: sip.lines.unknown },
    },
  };
}
