/**
 * Issue 22 §5: evidence a reader can check. A counter row is quoted with its table header; the ALG's non-zero
 * counters are cited when it handles SIP; a registration interval longer than the UDP idle timer that applies to
 * port 5060 is said with both numbers and where the timer comes from.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyseText } from '../../src/check/analyse';
import { COMMANDS } from '../../src/fortios/cli';
import type { CommandResult } from '../../src/fortios/types';
import { decide, readFacts } from '../../src/verdict/index';

const SCENARIOS = path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios');
const r = (command: string, output: string, context: string | null = null): CommandResult => ({ command, context, output });

/** The published shape of `diagnose sys sip-proxy stats` (KB 190757), one VDOM, CRLF and trailing blanks as read. */
const STATS = [
  'sip stats',
  '',
  'vdom name: root',
  '---------------------------',
  '    active-sessions: 2',
  '    calls-attempted: 41',
  '    calls-established: 29',
  '    calls-failed: 12',
  '    calls-active: 0',
  '    registers-active: 2',
  '',
  '            |    received    |    blocked     |  unknown form  |  long headers',
  '   req-type |   req    resp  |   req    resp  |   req    resp  |   req    resp',
  '    UNKNOWN        0       0        0       0        0       0        0       0',
  '        ACK       39       0        0       0        0       0        0       0',
  '        BYE       29      29        0       0        0       0        0       0',
  '     INVITE       53     131        0       0        0       0        0       0',
  '   REGISTER      188     188        0       0        0       0        0       0   ',
].join('\r\n');

const status = r(COMMANDS.systemStatus, 'Version: FortiGate-60F v7.4.4,build2662,240514 (GA.F)\nHostname: FGT-T\nVirtual domain configuration: disable\n');
const settings = r(COMMANDS.systemSettings, 'config system settings\n    set default-voip-alg-mode proxy-based\nend');
const helpers = r(COMMANDS.sessionHelper, 'config system session-helper\n    edit 13\n        set name sip\n        set protocol 17\n        set port 5060\n    next\nend');
const policies = r(COMMANDS.firewallPolicy, 'config firewall policy\n    edit 2\n        set action accept\n        set service "SIP"\n    next\nend');
const helperStatus = r(COMMANDS.sipHelperStatus, 'dialogs: max=131072, used=0\nmappings: used=0\n');
const register3600 = [{ aor: '1001@voip.example.net', expires: 3600 }];

describe('counters quoted so a reader can check them', () => {
  it('a table row comes with the table header; the ALG counters come before the helper table\'s used=0', () => {
    const v = decide(readFacts([status, settings, helpers, policies, r(COMMANDS.sipProxyStats, STATS), helperStatus]));
    expect(v.handler).toBe('sip-alg');
    const texts = v.evidence.map((e) => `${e.source}: ${e.text}`);
    const alg = texts.findIndex((t) => t.startsWith(`${COMMANDS.sipProxyStats}:`));
    const helper = texts.findIndex((t) => t.startsWith(`${COMMANDS.sipHelperStatus}:`));
    expect(alg).toBeGreaterThanOrEqual(0);
    expect(alg).toBeLessThan(helper);
    const lines = v.evidence[alg].text.split('\n');
    const ack = lines.findIndex((l) => /^\s+ACK\s+39\s/.test(l));
    expect(ack).toBeGreaterThan(1);
    expect(lines[ack - 1]).toBe('   req-type |   req    resp  |   req    resp  |   req    resp  |   req    resp');
    expect(lines[ack - 2]).toBe('            |    received    |    blocked     |  unknown form  |  long headers');
    expect(lines).toContain('calls-attempted: 41');
    expect(lines.join('\n')).toContain('the ALG has handled SIP on this unit');
    // Zero rows are not quoted.
    expect(lines.some((l) => l.includes('UNKNOWN'))).toBe(false);
  });

  it('two readings: the rows that rose are quoted under the same header (the demo unit)', () => {
    const a = analyseText(readFileSync(path.join(SCENARIOS, 'fw-demo.txt'), 'utf8'))!;
    const rose = a.verdict.evidence.find((e) => e.source === `${COMMANDS.sipProxyStats} (after vs before)`)!;
    const lines = rose.text.split('\n');
    const ack = lines.findIndex((l) => /^\s+ACK\s+41\s/.test(l));
    expect(lines[ack - 1]).toMatch(/^\s+req-type \|\s+req\s+resp/);
  });
});

describe('registration interval against the UDP idle timer', () => {
  const decideWith = (extra: CommandResult[], registrations = register3600) =>
    decide(readFacts([status, settings, helpers, policies, ...extra]), { messages: 4, lines: 20, registrations }).vdoms[0].notes.filter((n) => n.startsWith('Registration interval'));

  it('the demo unit: Expires 3600 against the default 180 s, read from `show system global`', () => {
    const a = analyseText(readFileSync(path.join(SCENARIOS, 'fw-demo.txt'), 'utf8'))!;
    const note = a.verdict.vdoms[0].notes.find((n) => n.startsWith('Registration interval'));
    expect(note).toContain('1001@voip.example.net registers with `Expires: 3600`');
    expect(note).toContain('expire after 180 s (`udp-idle-timer` 180 (the default: `config system global` does not set it)');
    expect(note).toContain('inbound calls can fail');
  });

  it('`set udp-idle-timer` in config system global is the number said', () => {
    const [note] = decideWith([r(COMMANDS.systemGlobal, 'config system global\r\n    set hostname "FGT-T"\r\n    set udp-idle-timer 120 \r\nend\r\n')]);
    expect(note).toContain('expire after 120 s (`set udp-idle-timer 120` in `config system global`; KB 191228)');
  });

  it('a session-ttl port entry for udp/5060 wins over the global timer; a registration inside it is fine', () => {
    const ttl = r(COMMANDS.sessionTtl, ['config system session-ttl', '    config port', '        edit 1', '            set protocol 17', '            set start-port 5060', '            set end-port 5060', '            set timeout 600', '        next', '    end', 'end'].join('\n'));
    const global = r(COMMANDS.systemGlobal, 'config system global\n    set hostname "FGT-T"\nend');
    const [note] = decideWith([global, ttl]);
    expect(note).toContain('expire after 600 s (`config system session-ttl` port entry 1 (protocol 17, ports 5060-5060, `set timeout 600`)');
    expect(decideWith([global, ttl], [{ aor: '1001@voip.example.net', expires: 300 }])).toEqual([]);
  });

  it('a custom service\'s `udp-idle-timer` wins over both (KB 191228 point 4)', () => {
    const services = r(COMMANDS.serviceCustom, ['config firewall service custom', '    edit "SIP"', '        set category "VoIP, Messaging & Other Applications"', '        set udp-portrange 5060', '        set udp-idle-timer 900', '    next', 'end'].join('\n'));
    const global = r(COMMANDS.systemGlobal, 'config system global\n    set udp-idle-timer 60\nend');
    const [note] = decideWith([global, services]);
    expect(note).toContain('expire after 900 s (`set udp-idle-timer 900` in custom service "SIP"');
  });

  it('without `show system global` the default is said to be assumed', () => {
    const [note] = decideWith([]);
    expect(note).toContain(`\`udp-idle-timer\` 180, the default, assumed (\`${COMMANDS.systemGlobal}\` was not read)`);
  });
});
