import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { parseTranscript } from '../../src/fortios/transcript';
import { renderVerdictText } from '../../src/report/verdictText';

const render = (file: string) => renderVerdictText(analyseTranscript(parseTranscript(readFileSync(join(__dirname, '..', 'fixtures', 'verdict', file), 'utf8'))));

describe('renderVerdictText', () => {
  it('puts the verdict first, then explanation, table (rules differ), evidence, notes, remediation', () => {
    const text = render('r1-alg-74.txt');
    const lines = text.split('\n');
    expect(lines[0]).toBe('*SIP handler: SIP ALG* (R1, R3) on FGT-A, FortiGate-VM64 v7.4.5,build2702,240806 (GA.M)');
    expect(lines[1]).toMatch(/^SIP is handled by the SIP ALG/);
    const order = ['policy  name', '*Evidence*', '*Remediation*'].map((s) => text.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toMatch(/1\s+LAN-to-WAN\s+SIP ALG\s+R3/);
    // One code block per option, each under its own title; clearing sessions last, as its own step.
    expect(text).toMatch(/\*Option 1: SIP → SIP session helper \(this firewall\)\*\n(?:• .*\n)+```\nconfig system settings\n {4}set default-voip-alg-mode kernel-helper-based\nend\n[\s\S]*?```\n\n\*Option 2: SIP → no SIP handler/);
    expect(text).toMatch(/\*Separate step: Clear the SIP sessions on port 5060 \(this firewall\)[^\n]*\*\nWarning: Drops every call in progress[^\n]*\n```\ndiagnose sys session filter clear\ndiagnose sys session filter dport 5060\ndiagnose sys session clear\n```$/);
    expect(text).not.toContain('# Delete');
  });

  it('omits the table when one policy decides, and shows notes (R4 disagreement)', () => {
    const text = render('r4-helper-deleted.txt');
    expect(text).not.toContain('policy  name');
    expect(text).toContain('*Notes*\n• Sources disagree');
  });

  it('renders one section per VDOM', () => {
    const text = render('multi-vdom.txt');
    expect(text.split('\n')[0]).toMatch(/^\*SIP handler: mixed\*/);
    expect(text).toContain('*VDOM root: SIP ALG* (R1)');
    expect(text).toContain('*VDOM voice: SIP session helper* (R5)');
  });

  it('names missing commands when the verdict is unknown, without remediation', () => {
    const text = render('missing-commands.txt');
    expect(text.split('\n')[0]).toMatch(/^\*SIP handler: unknown\* on FGT-A/);
    expect(text).toContain('Missing: `show full-configuration system settings`');
    expect(text).not.toContain('*Remediation*');
  });
});
