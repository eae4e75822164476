/**
 * Issue 22 §1-§2: a configuration backup says its release in its header (`#config-version=...`); the rules that
 * depend on the release read it from there when `get system status` is not in the input, the JSON says where the
 * version came from, and a note shared by several policies is said once for the set.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyseText } from '../../src/check/analyse';
import { analysisJson } from '../../src/cli';
import { COMMANDS } from '../../src/fortios/cli';
import { parseBackupHeader } from '../../src/fortios/parsers';
import { policiesText } from '../../src/verdict/decide';

const DIR = path.join(__dirname, '..', 'fixtures', 'backups');
const read = (name: string) => readFileSync(path.join(DIR, name), 'utf8');
const BACKUP_62 = 'backup-fgvmk6-6.2.0.conf';
const BACKUP_70 = 'backup-fg100f-7.0.12.conf';

const policyRows = (text: string) => analyseText(text)!.verdict.vdoms[0].policies.map((p) => `${p.id}:${p.handler}:${p.rule}`);

describe('the backup header', () => {
  it('is read as FortiOS writes it (CRLF): model, release, build, build date, opmode, VDOM mode, user', () => {
    const text = read(BACKUP_62);
    expect(text).toContain('\r\n'); // the fixture keeps the real line ends
    expect(parseBackupHeader(text)).toEqual({
      line: '#config-version=FGVMK6-6.2.0-FW-build0866-190328:opmode=0:vdom=0:user=admin',
      model: 'FGVMK6',
      versionMajor: 6,
      versionMinor: 2,
      versionPatch: 0,
      build: 866,
      buildDate: '190328',
      operationMode: 'NAT',
      vdomsEnabled: false,
      user: 'admin',
      globalVdom: true,
    });
  });

  it('a multi-VDOM 7.4 header, and text that is not a header', () => {
    expect(parseBackupHeader('#config-version=FGT60F-7.4.3-FW-build2573-240201:opmode=0:vdom=1:user=admin\n#buildno=2573\n')).toMatchObject({ model: 'FGT60F', versionMajor: 7, versionMinor: 4, versionPatch: 3, build: 2573, vdomsEnabled: true });
    expect(parseBackupHeader('config system global\n    set hostname "x"\nend\n')).toBeUndefined();
    expect(parseBackupHeader('#config-version=not a version\n')).toBeUndefined();
  });

  it('6.2.0: R3 gives the SIP ALG on all five policies, with the version from the header and no "version unknown" note', () => {
    const a = analyseText(read(BACKUP_62))!;
    expect(policyRows(read(BACKUP_62))).toEqual(['1:sip-alg:R3', '2:sip-alg:R3', '3:sip-alg:R3', '4:sip-alg:R3', '5:sip-alg:R3']);
    expect(a.config).toMatchObject({ hostname: 'FGVM-LAB', versionSource: 'backup header', model: 'FGVMK6', version: 'FGVMK6 v6.2.0,build0866 (backup header)' });
    expect(a.verdict.vdoms[0].notes.join('\n')).not.toMatch(/version unknown/);
  });

  it('`sip-check analyze --json` says where the version came from', () => {
    const json = analysisJson(analyseText(read(BACKUP_70))!) as { config: Record<string, unknown> };
    expect(json.config).toMatchObject({ version: 'FG100F v7.0.12,build0523 (backup header)', versionSource: 'backup header', model: 'FG100F' });
    const none = analysisJson(analyseText('FGT # show system session-helper\nconfig system session-helper\nend\n')!) as { config: Record<string, unknown> };
    expect(none.config.versionSource).toBe('unknown');
  });

  it('7.0.12: the same flow-mode policies get flow-based SIP inspection, and the remediation asks for proxy inspection', () => {
    const a = analyseText(read(BACKUP_70))!;
    expect(a.verdict.handler).toBe('flow-sip-ips');
    expect(policyRows(read(BACKUP_70))).toEqual(['1:flow-sip-ips:R3', '2:flow-sip-ips:R3', '3:flow-sip-ips:R3', '4:flow-sip-ips:R3', '5:flow-sip-ips:R3']);
    expect(a.verdict.explanation).toContain('on FortiOS 7.0 the ALG needs `set inspection-mode proxy`');
    expect(a.config.versionSource).toBe('backup header');
    expect(a.verdict.remediation.find((o) => o.leadsTo === 'sip-alg')?.commands.map((c) => c.trim())).toContain('set inspection-mode proxy');
  });

  it('`get system status` wins over the header, and the disagreement is said', () => {
    const status = ['FGVM-LAB # get system status', 'Version: FortiGate-VM64-KVM v7.2.8,build1639,240313 (GA.M)', 'Hostname: FGVM-LAB', 'Virtual domain configuration: disable', ''].join('\n');
    // The backup first (a file given before the transcript), then the status as typed.
    const a = analyseText(read(BACKUP_62) + status)!;
    expect(a.config.versionSource).toBe('get system status');
    expect(a.config.model).toBe('FortiGate-VM64-KVM');
    expect(a.verdict.handler).toBe('flow-sip-ips'); // 7.2: flow-mode policies
    expect(a.verdict.vdoms[0].notes.join('\n')).toContain('The backup header says 6.2.0');
  });
});

describe('notes said once', () => {
  it('without any version, one note names every flow-mode policy as a set', () => {
    const headless = read(BACKUP_62).split('\r\n').filter((l) => !l.startsWith('#')).join('\r\n');
    const a = analyseText(`FGVM-LAB # show\r\n${headless}`)!;
    expect(a.config.versionSource).toBe('unknown');
    const notes = a.verdict.vdoms[0].notes.filter((n) => /version unknown/.test(n));
    expect(notes).toEqual([
      `FortiOS version unknown (no \`${COMMANDS.systemStatus}\` output and no backup header \`#config-version=\` in the input): on 7.0/7.2 the flow-mode policies 1-5 would get flow-based SIP inspection instead of the SIP ALG (KB 217022).`,
    ]);
  });

  it('policy sets are compacted into ranges', () => {
    expect(policiesText([7])).toBe('policy 7');
    expect(policiesText([5, 4, 3, 2, 1])).toBe('policies 1-5');
    expect(policiesText([1, 3, 7, 8, 9, 3])).toBe('policies 1, 3, 7-9');
  });
});
