import { join } from 'node:path';
import { COMMANDS } from '../../src/fortios/cli';
import { loadScenario, parseScenario, responseKey, ScenarioError } from '../../src/simulator/scenario';

const DEMO = join(__dirname, '../../src/simulator/scenarios/fw-demo.txt');

describe('parseScenario', () => {
  it('reads the demo scenario: host, version, single VDOM, recorded commands', () => {
    const s = loadScenario(DEMO);
    expect(s.hostname).toBe('FGT-DEMO');
    expect(s.version).toBe('v7.4.3');
    expect(s.vdomMode).toBe('disable');
    expect(s.adminProfile).toBe('#');
    expect(s.pagerLines).toBe(22);
    expect(s.debugLoop).toBe(true);
    for (const command of [
      COMMANDS.systemStatus,
      COMMANDS.systemSettings,
      COMMANDS.sessionHelper,
      COMMANDS.firewallPolicy,
      COMMANDS.voipProfile,
      COMMANDS.sipHelperStatus,
      COMMANDS.sessionFilterDport(5060),
      COMMANDS.sessionList,
    ]) {
      expect(s.responses.has(responseKey(null, command))).toBe(true);
    }
    expect(s.responses.get(responseKey(null, COMMANDS.sipProxyStats))).toHaveLength(2);
    // `diagnose debug enable` is not a recorded answer: its output is the debug stream.
    expect(s.responses.has(responseKey(null, COMMANDS.debugEnable))).toBe(false);
    expect(s.debugStream.length).toBeGreaterThan(40);
  });

  it('holds the facts the verdict needs in the demo config', () => {
    const s = loadScenario(DEMO);
    const one = (c: string) => (s.responses.get(responseKey(null, c)) ?? [])[0];
    expect(one(COMMANDS.systemSettings)).toMatch(/^ {4}set default-voip-alg-mode proxy-based$/m);
    expect(one(COMMANDS.systemSettings)).toMatch(/^ {4}set sip-udp-port 5060$/m);
    expect(one(COMMANDS.sessionHelper)).toMatch(/edit 13\n {8}set name sip\n {8}set protocol 17\n {8}set port 5060\n {4}next/);
    expect(one(COMMANDS.firewallPolicy)).toMatch(/set voip-profile "default"/);
    expect(one(COMMANDS.voipProfile)).toMatch(/config sip\n {12}set status enable/);
    expect(one(COMMANDS.sessionList)).toMatch(/state=log may_dirty redir local/);
    expect(one(COMMANDS.sessionList)).toMatch(/total session 2$/);
  });

  it('records a debug stream whose hex is the exact SIP message, with its declared length and text column', () => {
    const s = loadScenario(DEMO);
    const reads = s.debugStream.filter((l) => / sip port \d+ read \[/.test(l));
    expect(reads.length).toBeGreaterThanOrEqual(17);
    const startLines: string[] = [];
    for (const line of reads) {
      const m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d sip port \d+ read \[\(0,(\d+)\)\(([0-9a-f]+)\)\((.*)\)\]$/.exec(line);
      expect(m).not.toBeNull();
      const [, len, hex, text] = m as RegExpExecArray;
      const bytes = Buffer.from(hex, 'hex');
      expect(bytes.length).toBe(Number(len));
      const printable = [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      expect(text).toBe(printable);
      const message = bytes.toString('latin1');
      const [head, body] = message.split('\r\n\r\n');
      const contentLength = Number(/\r\nContent-Length: (\d+)/.exec(head)?.[1]);
      expect(Buffer.byteLength(body, 'latin1')).toBe(contentLength);
      startLines.push(head.split('\r\n')[0]);
    }
    const summary = startLines.map((l) => (l.startsWith('SIP/2.0') ? l.split(' ')[1] : l.split(' ')[0]));
    expect(summary).toEqual([
      'REGISTER', '401', 'REGISTER', '200',
      'INVITE', '100', '180', '200', 'ACK', 'BYE', '200',
      'OPTIONS', '200',
      'INVITE', '100', '486', 'ACK',
      'OPTIONS', '200',
    ]);
  });

  it('takes hostname, VDOM mode, VDOMs and privilege from the transcript when there is no front matter', () => {
    const s = parseScenario(
      [
        'FGT-B $ get system status',
        'Version: FortiGate-100F v7.2.8,build1639,240313 (GA.M)',
        'Virtual domain configuration: multiple',
        'FGT-B $ config vdom',
        'FGT-B (vdom) $ edit dmz',
        'current vf=dmz:1',
        'FGT-B (dmz) $ show firewall policy',
        'config firewall policy',
        'end',
        'FGT-B (dmz) $ end',
        'FGT-B $ config global',
        'FGT-B (global) $ show system session-helper',
        'config system session-helper',
        'end',
        'FGT-B (global) $',
      ].join('\n'),
      'inline',
    );
    expect(s.hostname).toBe('FGT-B');
    expect(s.vdomMode).toBe('multiple');
    expect(s.vdoms).toEqual(['dmz']);
    expect(s.adminProfile).toBe('$');
    expect(s.version).toBe('FortiGate-100F v7.2.8,build1639,240313 (GA.M)');
    expect(s.responses.get(responseKey('dmz', 'show firewall policy'))).toEqual(['config firewall policy\nend']);
    expect(s.responses.get(responseKey('global', 'show system session-helper'))).toEqual(['config system session-helper\nend']);
  });

  it('reads front matter and validates it with errors naming the file and the key', () => {
    const body = 'FGT-C # get system status\nHostname: FGT-C\nFGT-C # ';
    const s = parseScenario(`---\nvdomMode: multiple\nvdoms: [root, voice]\npagerLines: 0\npostLoginBanner: "Authorised use only"\n---\n${body}`, 'c.txt');
    expect(s.vdomMode).toBe('multiple');
    expect(s.vdoms).toEqual(['root', 'voice']);
    expect(s.pagerLines).toBe(0);
    expect(s.postLoginBanner).toBe('Authorised use only');

    expect(() => parseScenario(`---\npagerLine: 10\n---\n${body}`, 'typo.txt')).toThrow(/typo\.txt: unknown front matter key `pagerLine`/);
    expect(() => parseScenario(`---\npagerLines: -1\n---\n${body}`, 'p.txt')).toThrow(/p\.txt: `pagerLines` must be an integer >= 0/);
    expect(() => parseScenario(`---\nvdomMode: split\n---\n${body}`, 'v.txt')).toThrow(/v\.txt: `vdomMode` must be/);
    expect(() => parseScenario(`---\nadminProfile: rw\n---\n${body}`, 'a.txt')).toThrow(/a\.txt: `adminProfile`/);
    expect(() => parseScenario(`---\ndebugLoop: maybe\n---\n${body}`, 'd.txt')).toThrow(/d\.txt: `debugLoop` must be true or false/);
    expect(() => parseScenario(`---\nhostname: [a\n---\n${body}`, 'y.txt')).toThrow(ScenarioError);
    expect(() => parseScenario(`---\nhostname: x\n${body}`, 'open.txt')).toThrow(/open\.txt: .*no closing/);
    expect(() => parseScenario('just text', 'empty.txt')).toThrow(/empty\.txt: no commands found/);
    expect(() => loadScenario('/nonexistent/scenario.txt')).toThrow(/\/nonexistent\/scenario\.txt: cannot read scenario/);
  });
});
