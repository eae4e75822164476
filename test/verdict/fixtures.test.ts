import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { parseTranscript } from '../../src/fortios/transcript';
import type { OverallHandler, PolicyHandler } from '../../src/verdict/types';

/**
 * One realistic transcript per rule and evidence case (test/fixtures/verdict). Each row: the overall handler,
 * the rule, and per VDOM the handler of each SIP-carrying policy as `id:handler:rule`.
 */
const DIR = join(__dirname, '..', 'fixtures', 'verdict');

interface Row {
  file: string;
  handler: OverallHandler;
  rule: string;
  vdoms: Record<string, { handler: OverallHandler; policies: string[] }>;
}

const p = (id: number, handler: PolicyHandler, rule: string) => `${id}:${handler}:${rule}`;

const ROWS: Row[] = [
  { file: 'r1-alg-74.txt', handler: 'sip-alg', rule: 'R1, R3', vdoms: { root: { handler: 'sip-alg', policies: [p(1, 'sip-alg', 'R3'), p(2, 'sip-alg', 'R1')] } } },
  { file: 'r1-alg-ips-74.txt', handler: 'sip-alg+ips', rule: 'R1', vdoms: { root: { handler: 'sip-alg+ips', policies: [p(2, 'sip-alg+ips', 'R1')] } } },
  { file: 'r1-72-flow.txt', handler: 'flow-sip-ips', rule: 'R1', vdoms: { root: { handler: 'flow-sip-ips', policies: [p(4, 'flow-sip-ips', 'R1')] } } },
  { file: 'r1-72-proxy.txt', handler: 'sip-alg', rule: 'R1', vdoms: { root: { handler: 'sip-alg', policies: [p(4, 'sip-alg', 'R1')] } } },
  { file: 'r1-feature-set-flow.txt', handler: 'flow-sip-ips', rule: 'R1', vdoms: { root: { handler: 'flow-sip-ips', policies: [p(7, 'flow-sip-ips', 'R1')] } } },
  { file: 'r2-helper.txt', handler: 'session-helper', rule: 'R2', vdoms: { root: { handler: 'session-helper', policies: [p(3, 'session-helper', 'R2')] } } },
  { file: 'r2-no-helper.txt', handler: 'none', rule: 'R2', vdoms: { root: { handler: 'none', policies: [p(3, 'none', 'R2')] } } },
  { file: 'r3-default-show.txt', handler: 'sip-alg', rule: 'R3', vdoms: { root: { handler: 'sip-alg', policies: [p(1, 'sip-alg', 'R3')] } } },
  { file: 'r4-helper-deleted.txt', handler: 'sip-alg', rule: 'R4', vdoms: { root: { handler: 'sip-alg', policies: [p(1, 'sip-alg', 'R4')] } } },
  { file: 'r5-helper.txt', handler: 'session-helper', rule: 'R5', vdoms: { root: { handler: 'session-helper', policies: [p(1, 'session-helper', 'R5')] } } },
  { file: 'r5-helper-deleted.txt', handler: 'none', rule: 'R5', vdoms: { root: { handler: 'none', policies: [p(1, 'none', 'R5')] } } },
  { file: 'r5-other-port.txt', handler: 'none', rule: 'R5', vdoms: { root: { handler: 'none', policies: [p(1, 'none', 'R5')] } } },
  { file: 'r6-ngfw-policy.txt', handler: 'sip-alg', rule: 'R6', vdoms: { root: { handler: 'sip-alg', policies: [p(1, 'sip-alg', 'R6')] } } },
  { file: 'r7-nondefault-port.txt', handler: 'none', rule: 'R7', vdoms: { root: { handler: 'none', policies: [p(5, 'none', 'R7')] } } },
  { file: 'r8-leftover-sessions.txt', handler: 'mismatch', rule: 'R8', vdoms: { root: { handler: 'mismatch', policies: [p(1, 'sip-alg', 'R3')] } } },
  { file: 'mismatch-alg-counters.txt', handler: 'mismatch', rule: 'R8', vdoms: { root: { handler: 'mismatch', policies: [p(1, 'session-helper', 'R5')] } } },
  { file: 'mixed-policies.txt', handler: 'mixed', rule: 'R1, R2', vdoms: { root: { handler: 'mixed', policies: [p(1, 'sip-alg', 'R1'), p(3, 'session-helper', 'R2')] } } },
  {
    file: 'multi-vdom.txt',
    handler: 'mixed',
    rule: 'root: R1; voice: R5',
    vdoms: {
      root: { handler: 'sip-alg', policies: [p(1, 'sip-alg', 'R1')] },
      voice: { handler: 'session-helper', policies: [p(10, 'session-helper', 'R5'), p(11, 'session-helper', 'R5')] },
    },
  },
  { file: 'missing-commands.txt', handler: 'unknown', rule: 'unknown', vdoms: { root: { handler: 'unknown', policies: [] } } },
];

function analyseFile(file: string) {
  return analyseTranscript(parseTranscript(readFileSync(join(DIR, file), 'utf8')));
}

describe('verdict over realistic transcripts', () => {
  it('covers every fixture file', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()).toEqual(ROWS.map((r) => r.file).sort());
  });

  it.each(ROWS)('$file → $handler ($rule)', (row) => {
    const { verdict } = analyseFile(row.file);
    expect(verdict.handler).toBe(row.handler);
    expect(verdict.rule).toBe(row.rule);
    const vdoms: Row['vdoms'] = {};
    for (const v of verdict.vdoms) vdoms[v.name] = { handler: v.handler, policies: v.policies.map((x) => p(x.id, x.handler, x.rule)) };
    expect(vdoms).toEqual(row.vdoms);
    expect(verdict.explanation.length).toBeGreaterThan(20);
  });
});

describe('verdict details from the fixtures', () => {
  it('R4 states the KB disagreement and lets the ALG counters settle it', () => {
    const { verdict } = analyseFile('r4-helper-deleted.txt');
    const notes = verdict.vdoms[0].notes.join('\n');
    expect(notes).toContain('KB 211669 point 3');
    expect(notes).toContain('KB 306398');
    expect(notes).toContain('confirms');
    expect(verdict.evidence.some((e) => e.source.startsWith('diagnose sys sip-proxy stats') && e.text.includes('REGISTER'))).toBe(true);
  });

  it('R8 leftover sessions: mismatch quoting the helper session and suggesting the clear-sessions commands first', () => {
    const { verdict } = analyseFile('r8-leftover-sessions.txt');
    expect(verdict.explanation).toContain('KB 384586');
    const session = verdict.evidence.find((e) => e.source === 'diagnose sys session list');
    expect(session?.text).toContain('helper=sip');
    expect(session?.text).toContain('duration=1843');
    expect(verdict.clearSessions.map((c) => c.commands)).toEqual([['diagnose sys session filter clear', 'diagnose sys session filter dport 5060', 'diagnose sys session clear']]);
    expect(verdict.clearSessions[0].sideEffects.join(' ')).toContain('Drops every call in progress');
    // No option clears sessions: that is its own step.
    expect(verdict.remediation.flatMap((o) => o.commands).filter((l) => l.startsWith('diagnose'))).toEqual([]);
  });

  it('clearing sessions on a port the configuration does not name as SIP says every session there drops', () => {
    expect(analyseFile('r8-leftover-sessions.txt').verdict.clearSessions[0].sideEffects.join(' ')).not.toContain('is not a SIP port');
    // The same unit, checked with port=443 (the session-list filter is the check's `port=`).
    const text = readFileSync(join(DIR, 'r8-leftover-sessions.txt'), 'utf8').replace('FGT-A # diagnose sys session filter dport 5060', 'FGT-A # diagnose sys session filter dport 443');
    const { verdict } = analyseTranscript(parseTranscript(text));
    expect(verdict.clearSessions[0].commands).toContain('diagnose sys session filter dport 443');
    expect(verdict.clearSessions[0].sideEffects.join(' ')).toContain('Port 443 (the check\'s `port=`) is not a SIP port in this configuration');
  });

  it('config-says-helper mismatch quotes the rising ALG counters', () => {
    const { verdict } = analyseFile('mismatch-alg-counters.txt');
    const stats = verdict.evidence.find((e) => e.source.startsWith('diagnose sys sip-proxy stats'));
    expect(stats?.text).toMatch(/INVITE\s+13\s+33/);
    expect(stats?.text).toContain('calls-attempted +1');
    expect(verdict.explanation).toContain('SIP session helper');
    expect(verdict.explanation).toContain('SIP ALG at work');
  });

  it('R5 evidence: helper counters, helper=sip session and the debug flow line', () => {
    const { verdict } = analyseFile('r5-helper.txt');
    const texts = verdict.evidence.map((e) => `${e.source}: ${e.text}`).join('\n');
    expect(texts).toContain('diagnose sys sip status: dialogs: max=131072, used=1');
    expect(texts).toContain('msg="run helper-sip(dir=original)"');
    expect(texts).toContain('Find an EXP session');
    expect(verdict.explanation).toContain('The runtime evidence agrees');
  });

  it('mixed policies: split by handler, and remediation offers three separate options', () => {
    const { verdict } = analyseFile('mixed-policies.txt');
    expect(verdict.vdoms[0].split).toEqual({ 'sip-alg': [1], 'session-helper': [3] });
    expect(verdict.remediation.map((o) => [o.leadsTo, o.scope])).toEqual([['session-helper', 'vdom'], ['sip-alg', 'vdom'], ['none', 'vdom-and-global']]);
    const text = (leadsTo: string) => verdict.remediation.find((o) => o.leadsTo === leadsTo)?.commands.join('\n');
    // profile "no-sip" is re-enabled by name for the helper policy, policy 1 loses its profile
    expect(text('sip-alg')).toContain('edit "no-sip"\n        config sip\n            set status enable\n        end');
    expect(text('session-helper')).toContain('    edit 1\n        unset voip-profile\n    next');
    // Only the option that leads nowhere deletes the helper entry, and says it is global.
    expect(text('session-helper')).not.toContain('delete');
    expect(text('none')).toContain('config system session-helper\n    delete 13\nend');
    expect(verdict.remediation.find((o) => o.leadsTo === 'none')?.sideEffects.join(' ')).toContain('the table is global');
  });

  it('multi-VDOM: per-VDOM answers, remediation wrapped in config vdom / config global', () => {
    const a = analyseFile('multi-vdom.txt');
    expect(a.status.vdomMode).toBe('multiple');
    const voice = a.verdict.vdoms.find((v) => v.name === 'voice');
    const voiceText = (leadsTo: string) => voice?.remediation.find((o) => o.leadsTo === leadsTo)?.commands.join('\n');
    expect(voiceText('sip-alg')).toBe('config vdom\nedit voice\nconfig system settings\n    set default-voip-alg-mode proxy-based\nend\nend');
    expect(voiceText('none')).toBe('config global\nconfig system session-helper\n    delete 13\nend\nend');
    expect(voice?.remediation.find((o) => o.leadsTo === 'none')?.title).toContain('global session-helper table (all VDOMs)');
    expect(voice?.remediation.find((o) => o.leadsTo === 'none')?.sideEffects.join(' ')).toContain('affects every VDOM');
    expect(a.verdict.evidence.some((e) => e.source === 'voice: diagnose sys sip status' && e.text.includes('used=3'))).toBe(true);
  });

  it('R7: the port under test and the ALG ports are named, remediation adds the port', () => {
    const { verdict } = analyseFile('r7-nondefault-port.txt');
    expect(verdict.vdoms[0].policies[0].reason).toContain('udp/5080');
    expect(verdict.remediation.find((o) => o.leadsTo === 'sip-alg')?.commands.join('\n')).toContain('set sip-udp-port 5060 5080');
  });

  it('missing commands → unknown naming the command, no remediation', () => {
    const { verdict } = analyseFile('missing-commands.txt');
    expect(verdict.vdoms[0].missing).toEqual(['show full-configuration system settings']);
    expect(verdict.explanation).toContain('`show full-configuration system settings`');
    expect(verdict.remediation).toEqual([]);
    expect(verdict.clearSessions).toEqual([]);
  });

  it('R1 on 7.2 flow: names the proxy-inspection qualifier and suggests it', () => {
    const { verdict } = analyseFile('r1-72-flow.txt');
    expect(verdict.vdoms[0].policies[0].reason).toContain('set inspection-mode proxy');
    expect(verdict.remediation.find((o) => o.leadsTo === 'sip-alg')?.commands.join('\n')).toContain('    edit 4\n        set inspection-mode proxy\n    next');
  });

  it('the capture of the R1 transcript is summarised (weak evidence)', () => {
    const a = analyseFile('r1-alg-74.txt');
    expect(a.sip.messages).toBe(2);
    expect(a.verdict.evidence.some((e) => e.text.includes('weak evidence'))).toBe(true);
    expect(a.config).toEqual(expect.objectContaining({ defaultVoipAlgMode: 'proxy-based', sipHelpers: [{ id: 13, protocol: 17, port: 5060 }], hostname: 'FGT-A' }));
  });
});
