import { COMMANDS } from '../../src/fortios/cli';
import type { CommandResult } from '../../src/fortios/types';
import { decide, readFacts } from '../../src/verdict/index';

/** Small hand-written outputs in the FortiOS `show` shape, for cases the transcripts do not cover. */
const r = (command: string, output: string, context: string | null = null): CommandResult => ({ command, context, output });

const status74 = r(COMMANDS.systemStatus, 'Version: FortiGate-60F v7.4.4,build2662,240514 (GA.F)\nHostname: FGT-T\nVirtual domain configuration: disable\n');
const settings = (lines: string[] = []) => r(COMMANDS.systemSettings, ['config system settings', ...lines.map((l) => `    ${l}`), 'end'].join('\n'));
const helpers = (sip: boolean) =>
  r(
    COMMANDS.sessionHelper,
    ['config system session-helper', '    edit 12', '        set name pmap', '        set protocol 17', '        set port 111', '    next', ...(sip ? ['    edit 13', '        set name sip', '        set protocol 17', '        set port 5060', '    next'] : []), 'end'].join('\n'),
  );
const policy = (id: number, lines: string[]) => [`    edit ${id}`, ...lines.map((l) => `        ${l}`), '    next'];
const policies = (...ps: string[][]) => r(COMMANDS.firewallPolicy, ['config firewall policy', ...ps.flat(), 'end'].join('\n'));
const profiles = (body: string) => r(COMMANDS.voipProfile, `config voip profile\n${body}\nend`);

function verdictOf(outputs: CommandResult[]) {
  return decide(readFacts(outputs));
}

describe('decide: policy selection', () => {
  it('skips deny, disabled and non-SIP policies; none when no policy carries SIP', () => {
    const v = verdictOf([
      status74,
      settings(),
      helpers(true),
      policies(
        policy(1, ['set service "ALL"']), // action defaults to deny
        policy(2, ['set action accept', 'set status disable', 'set service "ALL"']),
        policy(3, ['set action accept', 'set service "HTTPS" "DNS"']),
      ),
      profiles(''),
    ]);
    expect(v.handler).toBe('none');
    expect(v.rule).toBe('no SIP policy');
    expect(v.vdoms[0].policies).toEqual([]);
  });

  it('ALL_UDP carries SIP; `utm-status disable` ignores a leftover voip-profile', () => {
    const v = verdictOf([status74, settings(['set default-voip-alg-mode kernel-helper-based']), helpers(true), policies(policy(4, ['set action accept', 'set service "ALL_UDP"', 'set utm-status disable', 'set voip-profile "default"'])), profiles('')]);
    expect(v.vdoms[0].policies.map((p) => [p.id, p.handler, p.rule])).toEqual([[4, 'session-helper', 'R5']]);
  });

  it('judges unresolved custom services by name and says so', () => {
    const v = verdictOf([status74, settings(), helpers(true), policies(policy(5, ['set action accept', 'set service "VoIP-Trunk"']), policy(6, ['set action accept', 'set service "Backup-Jobs"'])), profiles('')]);
    expect(v.vdoms[0].policies.map((p) => p.id)).toEqual([5]);
    expect(v.vdoms[0].notes.join('\n')).toContain('judged by name: "VoIP-Trunk" as SIP (5060); "Backup-Jobs" as not SIP');
  });
});

describe('decide: qualifiers and unknowns', () => {
  it('unknown version: R1 stays sip-alg but notes the 7.0/7.2 flow qualifier', () => {
    const v = verdictOf([
      settings(),
      helpers(true),
      policies(policy(1, ['set action accept', 'set service "SIP"', 'set utm-status enable', 'set voip-profile "default"'])),
      profiles('    edit "default"\n    next'), // plain show: `config sip` omitted = SIP enabled
    ]);
    expect(v.handler).toBe('sip-alg');
    expect(v.vdoms[0].notes.join('\n')).toContain('FortiOS version unknown');
  });

  it('a VoIP profile missing from the output makes the verdict unknown, naming the command', () => {
    const v = verdictOf([status74, settings(), helpers(true), policies(policy(1, ['set action accept', 'set service "SIP"', 'set voip-profile "custom"'])), profiles('    edit "default"\n    next')]);
    expect(v.handler).toBe('unknown');
    expect(v.vdoms[0].missing).toEqual([COMMANDS.voipProfile]);
    expect(v.vdoms[0].notes.join('\n')).toContain('"custom"');
  });

  it('R5 without the helper table is unknown (the helper entry decides)', () => {
    const v = verdictOf([status74, settings(['set default-voip-alg-mode kernel-helper-based']), policies(policy(1, ['set action accept', 'set service "ALL"'])), profiles('')]);
    expect(v.handler).toBe('unknown');
    expect(v.explanation).toContain(COMMANDS.sessionHelper);
  });

  it('R3 without the helper table is still sip-alg, with a note', () => {
    const v = verdictOf([status74, settings(), policies(policy(1, ['set action accept', 'set service "ALL"'])), profiles('')]);
    expect([v.handler, v.rule]).toEqual(['sip-alg', 'R3']);
    expect(v.vdoms[0].notes.join('\n')).toContain('was not read');
  });

  it('R3 on 7.0 with a flow policy gives flow SIP inspection', () => {
    const v = verdictOf([r(COMMANDS.systemStatus, 'Version: FortiGate-100F v7.0.12,build0523,230613 (GA.M)\n'), settings(), helpers(true), policies(policy(1, ['set action accept', 'set service "ALL"'])), profiles('')]);
    expect(v.vdoms[0].policies[0]).toEqual(expect.objectContaining({ handler: 'flow-sip-ips', rule: 'R3' }));
  });

  it('ALG counters that do not move and a single reading are not evidence', () => {
    const stats = r(COMMANDS.sipProxyStats, 'sip stats\n\nvdom name: root\n---------------------------\nactive-sessions: 0\ncalls-attempted: 57\n');
    const v = verdictOf([status74, settings(['set default-voip-alg-mode kernel-helper-based']), helpers(true), policies(policy(1, ['set action accept', 'set service "ALL"'])), profiles(''), stats]);
    expect(v.handler).toBe('session-helper'); // cumulative counters since boot do not contradict the helper
  });

  it('a CLI error output counts as missing', () => {
    const failed: CommandResult = { command: COMMANDS.systemSettings, context: null, output: "command parse error before 'full-configuration'\nCommand fail. Return code -61", error: { kind: 'parse-error', text: "command parse error before 'full-configuration'" } };
    const v = verdictOf([status74, failed, helpers(true), policies(policy(1, ['set action accept', 'set service "ALL"'])), profiles('')]);
    expect(v.handler).toBe('unknown');
    expect(v.vdoms[0].missing).toEqual([COMMANDS.systemSettings]);
  });
});
