/**
 * Which VDOMs a verdict speaks for (issue 11 §2), offline from realistic transcripts: the multi-VDOM fixture as
 * captured, and the same unit seen by a restricted admin profile whose `diagnose sys vd list` is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { main } from '../../src/cli';
import { recordingIo } from '../support/cliIo';
import { parseInterfaceVdoms, parseSystemStatus } from '../../src/fortios/parsers';
import { parseTranscript } from '../../src/fortios/transcript';
import { renderVerdictText } from '../../src/report/verdictText';

const DIR = join(__dirname, '..', 'fixtures', 'verdict');
const MULTI = readFileSync(join(DIR, 'multi-vdom.txt'), 'utf8');

/** The vd list block of the fixture, as the refused command prints it instead. */
function refusedList(text: string): string {
  return text.replace(/(FGT-B \(global\) # diagnose sys vd list\n)[\s\S]*?(?=FGT-B \(global\) # end)/, '$1Command fail. Return code -37\n');
}

const INTERFACES = `FGT-B (global) # show system interface
config system interface
    edit "port1"
        set vdom "root"
        set ip 192.0.2.10 255.255.255.0
        set allowaccess ping https ssh
        set type physical
        set snmp-index 1
    next
    edit "port2"
        set vdom "voice"
        set ip 10.30.0.1 255.255.255.0
        set type physical
        set snmp-index 2
    next
    edit "port3"
        set vdom "guest"
        set type physical
        set snmp-index 3
    next
    edit "ha-mgmt"
        set vdom "vsys_hamgmt"
        set type physical
    next
end
`;

const analyse = (text: string) => analyseTranscript(parseTranscript(text));

describe('parsers', () => {
  it('reads the VDOM count from get system status', () => {
    expect(parseSystemStatus('Virtual domains status: 3 in NAT mode, 1 in TP mode\n').vdomCount).toBe(4);
    expect(parseSystemStatus('Virtual domains status: 1 in NAT mode, 0 in TP mode\n').vdomCount).toBe(1);
    expect(parseSystemStatus('Virtual domain configuration: multiple\n').vdomCount).toBeUndefined();
  });

  it('reads VDOM names from the set vdom lines of show system interface, without internal VDOMs', () => {
    expect(parseInterfaceVdoms(INTERFACES.split('\n').slice(1).join('\n'))).toEqual(['root', 'voice', 'guest']);
  });
});

describe('verdict coverage', () => {
  it('the VDOM list was read and every VDOM checked: not partial', () => {
    expect(analyse(MULTI).verdict.partial).toBeUndefined();
  });

  it('the list refused, no other source: 2 of 3 checked, one VDOM unnamed, shown in the text', () => {
    const a = analyse(refusedList(MULTI));
    expect(a.verdict.partial).toMatchObject({ source: 'none', total: 3, checked: ['root', 'voice'], notChecked: [], unnamed: 1, listProblem: 'Command fail. Return code -37' });
    const text = renderVerdictText(a);
    expect(text.split('\n')[0]).toContain('[partial: 2 of 3 VDOMs checked]');
    expect(text.split('\n')[1]).toMatch(/^Partial answer: 2 of 3 VDOMs checked \(root, voice\); the handler speaks for those VDOMs only/);
  });

  it('the list refused, the interfaces name a third VDOM: it is named as not checked, with the vdom= hint', () => {
    const text = refusedList(MULTI).replace('FGT-B (global) # end\n', `${INTERFACES}FGT-B (global) # end\n`);
    const partial = analyse(text).verdict.partial!;
    expect(partial).toMatchObject({ source: 'interfaces', total: 3, notChecked: ['guest'], unnamed: 0 });
    expect(partial.explanation).toContain('Not checked: guest. Check one with `vdom=NAME`, e.g. `vdom=guest`.');
  });

  it('the list refused and the count matches the names found: whole unit, not partial', () => {
    const text = refusedList(MULTI).replace('FGT-B (global) # end\n', `${INTERFACES.replace(/ {4}edit "port3"[\s\S]*?next\n/, '')}FGT-B (global) # end\n`).replace('3 in NAT mode', '2 in NAT mode');
    expect(analyse(text).verdict.partial).toBeUndefined();
  });

  it('a multi-VDOM transcript with neither list nor count cannot confirm it saw every VDOM', () => {
    const text = refusedList(MULTI).replace(/^Virtual domains status:.*\n/m, '');
    const partial = analyse(text).verdict.partial!;
    expect(partial.total).toBeUndefined();
    expect(partial.explanation).toMatch(/^Partial answer: 2 VDOMs \(how many the unit has is unknown/);
  });

  it('a single-VDOM unit is never partial', () => {
    expect(analyse(readFileSync(join(DIR, 'r1-alg-74.txt'), 'utf8')).verdict.partial).toBeUndefined();
  });
});

describe('sip-check analyze --json', () => {
  const io = (files: Record<string, string>) => recordingIo({ files });

  it('shows verdict.partial: null for a whole unit, the coverage when VDOMs were left out', async () => {
    const whole = io({ 'a.txt': MULTI });
    expect(await main(['analyze', 'a.txt', '--json'], whole)).toBe(0);
    expect(JSON.parse(whole.out).verdict.partial).toBeNull();
    const part = io({ 'b.txt': refusedList(MULTI) });
    expect(await main(['analyze', 'b.txt', '--json'], part)).toBe(0);
    expect(JSON.parse(part.out).verdict.partial).toMatchObject({ total: 3, checked: ['root', 'voice'], unnamed: 1 });
  });
});
