import { analyseText } from '../../src/check/analyse';
import { COMMANDS } from '../../src/fortios/cli';
import { canonicalCommand, cleanTerminalLine, parseTranscript, renderCliRecord, TranscriptReader, type TypedLine } from '../../src/fortios/transcript';

describe('cleanTerminalLine: what the terminal showed', () => {
  it.each([
    ['a logger stamp', '[2024-05-02 10:10:02] FGT # get system status', 'FGT # get system status'],
    ['a short logger stamp', '[10:10:02.123] set port 5060', 'set port 5060'],
    ['a Tera Term stamp', '[Mon Mar 11 09:15:02.123 2024] FGT # end', 'FGT # end'],
    ['ANSI colours and erase-line', '\x1b[0m\x1b[1mFGT # \x1b[0mshow firewall policy\x1b[K', 'FGT # show firewall policy'],
    ['an OSC title', '\x1b]0;FGT60F\x07FGT # end', 'FGT # end'],
    ['the pager marker and its CR redraw', ' --More-- \r          \r        set service "SIP"', '        set service "SIP"'],
    ['the pager marker erased by backspaces', '--More--\b\b\b\b\b\b\b\b        \b\b\b\b\b\b\b\bend', 'end'],
    ['a typo fixed by backspace', 'FGT # shox\bw system settings', 'FGT # show system settings'],
    ['a CR overwrite', 'progress 10%\rprogress 100%', 'progress 100%'],
    ['CRs at the end and trailing blanks', 'next   \r\r', 'next'],
    ['NUL padding', 'edit 12\x00\x00', 'edit 12'],
    ['a line editor\'s cursor-left and erase-to-end', 'FGT # show firewall polciy\x1b[3D\x1b[Kicy', 'FGT # show firewall policy'],
    ['cursor-right over kept text', 'abcdef\rxy\x1b[2Cz', 'xycdzf'],
  ])('%s', (_name, raw, shown) => {
    expect(cleanTerminalLine(raw)).toBe(shown);
  });

  it('hostile cursor moves cannot make a line grow', () => {
    const raw = '\x1b[9999C'.repeat(50_000) + 'x';
    const shown = cleanTerminalLine(raw);
    expect(shown.length).toBeLessThanOrEqual(raw.length);
    expect(shown.endsWith('x')).toBe(true);
  });

  it('leaves a FortiOS console timestamp (no brackets) alone', () => {
    const line = '2024-05-02 10:11:12 sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060';
    expect(cleanTerminalLine(line)).toBe(line);
  });
});

describe('canonicalCommand: FortiOS abbreviations', () => {
  it.each([
    ['diag debug en', COMMANDS.debugEnable],
    ['di de dis', COMMANDS.debugDisable],
    ['diag  debug reset', COMMANDS.debugReset],
    ['sh full sys settings', COMMANDS.systemSettings],
    ['sh firewall pol 12', 'show firewall policy 12'],
    ['diag sys sip-proxy stats', COMMANDS.sipProxyStats],
    ['diag deb app sip -1', COMMANDS.debugSip(-1)],
    ['show system settings | grep -i VOIP', 'show system settings | grep -i VOIP'],
  ])('%s → %s', (typed, canonical) => {
    expect(canonicalCommand(typed)).toBe(canonical);
  });

  it('leaves an ambiguous word as typed (`diag debug re` may be reset or report)', () => {
    expect(canonicalCommand('diag debug re')).toBe('diagnose debug re');
  });
});

describe('TranscriptReader', () => {
  it('a banner line that looks like `WORD # text` is not the first prompt', () => {
    const results = parseTranscript('login as: admin\nWARNING # authorised access only\nFGT-A # get system status\nHostname: FGT-A\nFGT-A # ');
    expect(results).toEqual([{ command: COMMANDS.systemStatus, context: null, output: 'Hostname: FGT-A' }]);
  });

  it('streams the debug part to onDebugLine and keeps only command outputs', () => {
    const debug: string[] = [];
    const reader = new TranscriptReader({ onDebugLine: (l) => debug.push(l) });
    const lines = ['FGT # diag debug en', 'FGT # 2024-05-02 10:11:12 sip port 26 locate session for a -> b', 'more debug', 'FGT # ', 'still debug', 'di de dis', 'FGT # get system status', 'Hostname: FGT'];
    for (const l of lines) reader.pushLine(l);
    expect(reader.end()).toEqual([
      { command: COMMANDS.debugEnable, context: null, output: '' },
      { command: COMMANDS.debugDisable, context: null, output: '' },
      { command: COMMANDS.systemStatus, context: null, output: 'Hostname: FGT' },
    ]);
    expect(debug).toEqual(['2024-05-02 10:11:12 sip port 26 locate session for a -> b', 'more debug', 'still debug']);
    expect(reader.stats).toEqual(expect.objectContaining({ debugLines: 3, blindCommands: 1 }));
  });

  it('SIP debug lines that land in another command output go to the debug stream', () => {
    const debug: string[] = [];
    const reader = new TranscriptReader({ onDebugLine: (l) => debug.push(l) });
    for (const l of ['FGT # diagnose debug enable', 'FGT # diagnose sys sip status', 'dialogs: max=131072, used=1', '2024-05-02 10:11:12 sip port 26 a -> b', 'mappings: used=2']) reader.pushLine(l);
    expect(reader.end()[1]).toEqual({ command: COMMANDS.sipHelperStatus, context: null, output: 'dialogs: max=131072, used=1\nmappings: used=2' });
    expect(debug).toEqual(['2024-05-02 10:11:12 sip port 26 a -> b']);
  });

  it('bounds what it keeps of command outputs and counts the rest', () => {
    const reader = new TranscriptReader({ maxOutputChars: 100 });
    reader.pushLine('FGT # diagnose sys session list');
    for (let k = 0; k < 50; k++) reader.pushLine(`session info: proto=17 proto_state=01 duration=${k}`);
    const [r] = reader.end();
    expect(r.output.length).toBeLessThanOrEqual(100);
    expect(reader.stats.skippedLines).toBeGreaterThan(40);
  });
});

describe('the record of a live check (renderCliRecord)', () => {
  const record: TypedLine[][] = [
    [
      { prompt: '_fw-01 # ', command: 'get system status', output: 'Version: FortiGate-60F v7.2.8,build1639,240313 (GA.M)\nHostname: _fw-01' },
      { prompt: '_fw-01 # ', command: 'config vdom', output: '' },
      { prompt: '_fw-01 (vdom) # ', command: 'edit root', output: 'current vf=root:0' },
      { prompt: '_fw-01 (root) # ', command: 'diagnose debug enable', output: '' },
      { prompt: '_fw-01 (root) # ', command: 'diagnose debug disable', unread: 'typed blind' },
    ],
    [
      { prompt: '_fw-01 # ', command: 'diagnose debug disable', output: '' },
      { prompt: '_fw-01 # ', command: 'diagnose debug reset', output: '' },
      { prompt: '_fw-01 # ', command: 'exit', unread: 'logout' },
    ],
  ];

  it('shows each line after the prompt the unit printed, marks what was not read, and names the new connection', () => {
    expect(renderCliRecord(record, 'fw01')).toBe(
      [
        '[sip-check: CLI of fw01: every line typed, in order]',
        '_fw-01 # get system status',
        'Version: FortiGate-60F v7.2.8,build1639,240313 (GA.M)',
        'Hostname: _fw-01',
        '_fw-01 # config vdom',
        '_fw-01 (vdom) # edit root',
        'current vf=root:0',
        '_fw-01 (root) # diagnose debug enable',
        '_fw-01 (root) # diagnose debug disable  [sip-check: output not read: typed blind]',
        '[sip-check: new SSH connection]',
        '_fw-01 # diagnose debug disable',
        '_fw-01 # diagnose debug reset',
        '_fw-01 # exit  [sip-check: output not read: logout]',
        '',
      ].join('\n'),
    );
  });

  it('reads back as a transcript: every command in order, in its context, marks not taken for commands or output', () => {
    const parsed = parseTranscript(renderCliRecord(record, 'fw01'));
    expect(parsed.map((r) => [r.command, r.context, r.output])).toEqual(record.flat().map((l) => [l.command, contextOf(l.prompt), l.output ?? '']));
  });
});

function contextOf(prompt: string): string | null {
  const m = / \((\w+)\) # $/.exec(prompt);
  return m && m[1] !== 'vdom' ? m[1] : null;
}

describe('prompts of any valid FortiOS hostname in a pasted transcript', () => {
  it.each(['_fw', '-fw-', '2024', 'Fw_Edge-01', '_' + 'A1-b'.repeat(8) + 'z_'])('%s', (host) => {
    const text = `${host} # get system status\r\nVersion: FortiGate-60F v7.2.8\r\nHostname: ${host}\r\n${host} # show system session-helper\r\nconfig system session-helper\r\nend\r\n${host} # `;
    expect(parseTranscript(text).map((r) => [r.command, r.output])).toEqual([
      [COMMANDS.systemStatus, `Version: FortiGate-60F v7.2.8\nHostname: ${host}`],
      [COMMANDS.sessionHelper, 'config system session-helper\nend'],
    ]);
  });
});

describe('session-helper subsets', () => {
  it('a subset without the `sip` entry does not prove it deleted: unknown, naming the table', () => {
    const text = [
      'FGT # get system status',
      'Version: FortiGate-60F v7.4.3,build2573,240201 (GA.F)',
      'FGT # show system settings',
      'config system settings',
      '    set default-voip-alg-mode kernel-helper-based',
      'end',
      'FGT # show system session-helper 12',
      'config system session-helper',
      '    edit 12',
      '        set name pmap',
      '        set protocol 17',
      '        set port 111',
      '    next',
      'end',
      'FGT # show firewall policy',
      'config firewall policy',
      '    edit 12',
      '        set action accept',
      '        set service "SIP"',
      '    next',
      'end',
      'FGT # ',
    ].join('\n');
    const a = analyseText(text)!;
    expect(a.verdict.handler).toBe('unknown');
    expect(a.verdict.vdoms[0].missing).toEqual([COMMANDS.sessionHelper]);
    expect(a.verdict.vdoms[0].notes.join('\n')).toContain('`show system session-helper 12` shows only some session-helper entries');
  });
});

describe('policy subsets that carry no SIP', () => {
  const head = ['FGT # get system status', 'Version: FortiGate-60F v7.4.3,build2573,240201 (GA.F)', 'FGT # show system settings', 'config system settings', '    set default-voip-alg-mode kernel-helper-based', 'end'];

  it('a plain grep of the policies (lines without their policy) reads no policy: unknown, not "none"', () => {
    const a = analyseText([...head, 'FGT # show firewall policy | grep voip-profile', '        set voip-profile "default"', 'FGT # '].join('\n'))!;
    expect(a.verdict.handler).toBe('unknown');
    expect(a.verdict.vdoms[0].missing).toContain(COMMANDS.firewallPolicy);
    expect(a.verdict.vdoms[0].notes.join('\n')).toContain('shows matching lines without the policy they belong to');
  });

  it('one policy that carries no SIP says nothing about the others: unknown, not "none"', () => {
    const a = analyseText([...head, 'FGT # show firewall policy 3', 'config firewall policy', '    edit 3', '        set action accept', '        set service "HTTPS"', '    next', 'end', 'FGT # '].join('\n'))!;
    expect(a.verdict.handler).toBe('unknown');
    expect(a.verdict.explanation).toContain('Only policy 3 was seen (`show firewall policy 3`)');
  });
});

describe('`get system settings`', () => {
  it('reads the `key : value` listing like the full configuration', () => {
    const text = [
      'FGT # get system status',
      'Version: FortiGate-60F v7.4.3,build2573,240201 (GA.F)',
      'FGT # get system settings',
      'comments            :',
      'vdom-type           : traffic',
      'opmode              : nat',
      'ngfw-mode           : profile-based',
      'default-voip-alg-mode: kernel-helper-based',
      'gui-voip-profile    : enable',
      'sip-tcp-port        : 5060',
      'sip-udp-port        : 5060 5062',
      'sip-ssl-port        : 5061',
      'FGT # show system session-helper',
      'config system session-helper',
      '    edit 13',
      '        set name sip',
      '        set protocol 17',
      '        set port 5060',
      '    next',
      'end',
      'FGT # show firewall policy',
      'config firewall policy',
      '    edit 12',
      '        set action accept',
      '        set service "SIP"',
      '    next',
      'end',
      'FGT # ',
    ].join('\n');
    const a = analyseText(text)!;
    expect(a.verdict.handler).toBe('session-helper');
    expect(a.verdict.rule).toBe('R5');
    expect(a.config.defaultVoipAlgMode).toBe('kernel-helper-based');
  });
});

describe('`get system settings | grep`', () => {
  it('a filter that keeps the mode line proves the mode; one that hides it leaves it unknown', () => {
    const base = ['FGT # show firewall policy', 'config firewall policy', '    edit 12', '        set action accept', '        set service "SIP"', '    next', 'end'];
    const shown = analyseText([...base, 'FGT # get system settings | grep voip', 'default-voip-alg-mode: proxy-based', 'gui-voip-profile    : enable', 'FGT # '].join('\n'))!;
    expect(shown.verdict.handler).toBe('sip-alg');
    expect(shown.verdict.evidence).toContainEqual({ source: 'get system settings | grep voip', text: 'default-voip-alg-mode: proxy-based' });
    const hidden = analyseText([...base, 'FGT # get system settings | grep sip-udp', 'sip-udp-port        : 5060', 'FGT # '].join('\n'))!;
    expect(hidden.verdict.handler).toBe('unknown');
    expect(hidden.verdict.vdoms[0].notes.join('\n')).toContain('does not show `default-voip-alg-mode`');
  });
});
