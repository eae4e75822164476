import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyseText, analyseTranscript, type Analysis } from '../../src/check/analyse';
import { COMMANDS } from '../../src/fortios/cli';
import { parseTranscript } from '../../src/fortios/transcript';
import { seededRandom } from '../../src/simulator/debugStream';
import * as T from '../fortios/support/transcripts';

/**
 * What engineers really paste (issue 11 §1): one realistic fixture per shape (test/fixtures/transcripts, built by
 * test/fortios/support/buildTranscripts.ts), each read by the streaming path `sip-check analyze` takes, with the
 * verdict and the SIP summary asserted. The capture in every one holds a REGISTER 401→200 and a completed call.
 */
const DIR = join(__dirname, '..', 'fixtures', 'transcripts');
const read = (file: string) => readFileSync(join(DIR, file), 'utf8');

function analyse(file: string): Analysis {
  const a = analyseText(read(file));
  if (!a) throw new Error(`${file}: nothing recognised`);
  return a;
}

function policies(a: Analysis): string[] {
  return a.verdict.vdoms.flatMap((v) => v.policies.map((p) => `${p.id}:${p.handler}:${p.rule}`));
}

/** The SIP summary every fixture's capture gives, whatever the terminal did to it. */
function expectCapture(a: Analysis): void {
  expect(a.sip.messages).toBe(11);
  expect(a.sip.requests).toEqual({ REGISTER: 2, INVITE: 1, ACK: 1, BYE: 1 });
  expect(a.sip.responses).toEqual({ '100': 1, '180': 1, '200': 3, '401': 1 });
  expect(a.sip.calls).toEqual([expect.objectContaining({ callId: 'basic1@192.168.1.10', from: '1001@pbx.example.com', to: '2002@pbx.example.com', state: 'completed', finalStatus: 200 })]);
  expect(a.sip.registrations).toEqual([expect.objectContaining({ outcome: '401→200', challenges: 1 })]);
  // Every debug line reached the reader, and nothing else did (no prompt, echo or output line read as SIP).
  expect(a.sip.lines).toEqual({ total: 44, unknown: 0 });
}

const HELPER = { handler: 'session-helper', rule: 'R5', policies: ['12:session-helper:R5'] };

describe('transcript shapes (issue 11 §1)', () => {
  it('every fixture is covered here', () => {
    expect(readdirSync(DIR).sort()).toEqual(
      [
        'blind-disable-glued.txt',
        'blind-disable-own-line.txt',
        'clean-kernel-helper.txt',
        'config-backup.conf',
        'debug-only.log',
        'grep-filtered.txt',
        'grep-hides-mode.txt',
        'mobaxterm-log.txt',
        'plain-show-defaults.txt',
        'prompt-joined-debug.txt',
        'putty-log.txt',
        'securecrt-timestamps.txt',
        'subsets.txt',
      ].sort(),
    );
  });

  it('the clean reference session: session helper by R5, the capture summarised', () => {
    const a = analyse('clean-kernel-helper.txt');
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual(HELPER);
    expect(a.status).toEqual({ hostname: 'FGT60F-BR1', version: 'FortiGate-60F v7.4.3,build2573,240201 (GA.F)', vdomMode: 'disable' });
    expectCapture(a);
  });

  it('debug output that starts on the prompt line, and continues after bare prompts', () => {
    const text = read('prompt-joined-debug.txt');
    expect(text).toMatch(/^FGT60F-BR1 # 2024-05-02 \d\d:\d\d:\d\d sip port 26 locate session/m);
    const a = analyse('prompt-joined-debug.txt');
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual(HELPER);
    expectCapture(a);
  });

  it.each(['blind-disable-own-line.txt', 'blind-disable-glued.txt'])('%s: the blind-typed `diagnose debug disable` ends the debug stream and is no SIP line', (file) => {
    const a = analyse(file);
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual(HELPER);
    expectCapture(a);
    // The output after it (the second `diagnose sys sip status`) is still read as a command's output.
    const outputs = parseTranscript(read(file));
    expect(outputs.filter((r) => r.command === COMMANDS.sipHelperStatus).map((r) => r.output.split('\n')[0])).toEqual(['dialogs: max=131072, used=1', 'dialogs: max=131072, used=1']);
    expect(outputs.some((r) => r.command === COMMANDS.debugDisable)).toBe(true);
  });

  it('`| grep -i`, `grep -f`: shown lines are evidence for what they show; unseen ports are assumed with a note, unseen policies named as unseen', () => {
    const a = analyse('grep-filtered.txt');
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual(HELPER);
    const v = a.verdict.vdoms[0];
    expect(v.evidence).toContainEqual({ source: 'show full-configuration system settings | grep -i VOIP', text: 'set default-voip-alg-mode kernel-helper-based' });
    expect(v.notes.join('\n')).toContain('does not show `sip-tcp-port`, `sip-udp-port`, `sip-ssl-port`: taken as the defaults');
    expect(v.explanation).toContain('Only policy 12 was seen (`show firewall policy | grep -f SIP`); other policies were not seen');
    expectCapture(a);
  });

  it('a grep that hides `default-voip-alg-mode` leaves it unknown, not default: the verdict is unknown and names the command', () => {
    const a = analyse('grep-hides-mode.txt');
    expect(a.verdict.handler).toBe('unknown');
    expect(a.verdict.vdoms[0].missing).toEqual([COMMANDS.systemSettings]);
    expect(a.verdict.vdoms[0].notes).toContain('`show full-configuration system settings | grep sip-` does not show `default-voip-alg-mode` (the filter hides it): it is unknown, not the default.');
    expect(a.verdict.explanation).toContain('Runtime evidence points to the SIP session helper');
    expectCapture(a);
  });

  it('plain `show` (defaults not printed): the absent mode is the default proxy-based, and the evidence says so', () => {
    const a = analyse('plain-show-defaults.txt');
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual({ handler: 'sip-alg', rule: 'R3', policies: ['12:sip-alg:R3'] });
    expect(a.verdict.evidence).toContainEqual({ source: 'show system settings', text: 'default-voip-alg-mode not set: default proxy-based' });
    expect(a.config.defaultVoipAlgMode).toBe('proxy-based');
    expect(a.verdict.explanation).toContain('The runtime evidence agrees'); // the ALG counters rose
    expectCapture(a);
  });

  it('subsets (one policy, one profile, one helper entry): judged on what is there, the unseen policy named from the session list', () => {
    const a = analyse('subsets.txt');
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual(HELPER);
    expect(a.verdict.explanation).toContain('Only policy 12 was seen (`show firewall policy 12`); other policies were not seen and are not judged, among them policy 7, which carries SIP sessions');
    expectCapture(a);
  });

  it.each(['putty-log.txt', 'securecrt-timestamps.txt', 'mobaxterm-log.txt'])('%s: terminal-logger noise (preamble, ANSI, redraws, backspaces, --More--, stamps, CRLF/LF) changes nothing', (file) => {
    const text = read(file);
    expect(text).toMatch(/login as: admin/);
    expect(text).toMatch(/\r\n/);
    expect(text).toMatch(/[^\r]\n/);
    const a = analyse(file);
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual(HELPER);
    expectCapture(a);
  });

  it('a debug log alone: the full SIP summary, the verdict unknown naming the commands to add', () => {
    const a = analyse('debug-only.log');
    expect(a.verdict.handler).toBe('unknown');
    expect(a.verdict.vdoms[0].missing).toEqual([COMMANDS.firewallPolicy, COMMANDS.systemSettings, COMMANDS.sessionHelper, COMMANDS.voipProfile]);
    expect(a.verdict.explanation).toContain('`show firewall policy`');
    expectCapture(a);
  });

  it('the batch path (parseTranscript → analyseTranscript) agrees with the streaming one on every fixture (and the verdict fixtures)', () => {
    const verdictDir = join(__dirname, '..', 'fixtures', 'verdict');
    const all = [...readdirSync(DIR).map((f) => join(DIR, f)), ...readdirSync(verdictDir).map((f) => join(verdictDir, f))];
    for (const file of all) {
      const text = readFileSync(file, 'utf8');
      const streamed = analyseText(text)!;
      const batch = analyseTranscript(parseTranscript(text));
      expect({ file, verdict: batch.verdict, sip: batch.sip }).toEqual({ file, verdict: streamed.verdict, sip: streamed.sip });
    }
  });
});

describe('property: what a terminal does to a transcript does not change its analysis', () => {
  const project = (a: Analysis | null) => ({
    handler: a?.verdict.handler,
    rule: a?.verdict.rule,
    policies: a ? policies(a) : [],
    missing: a?.verdict.vdoms.map((v) => v.missing),
    sip: a?.sip,
  });

  it('any mix of prompt-joined debug, blind-typed disable, grep-filtered settings and logger noise gives the clean analysis (200 seeds)', () => {
    const clean = T.clean();
    const expected = project(analyseText(clean));
    expect(expected.handler).toBe('session-helper');
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed);
      let text = clean;
      const applied: string[] = [];
      if (random() < 0.5) {
        text = T.promptJoinedDebug(text, random);
        applied.push('prompt-joined');
      }
      const blind = random();
      if (blind < 0.33) {
        text = T.blindDisableOwnLine(text);
        applied.push('blind own line');
      } else if (blind < 0.66) {
        text = T.blindDisableGlued(text, random() < 0.5 ? 'diag debug disable' : 'diagnose debug disable');
        applied.push('blind glued');
      }
      if (random() < 0.5) {
        text = T.grepSettings(text, random() < 0.5 ? 'voip' : 'VOIP', random() < 0.5 ? 'i' : '');
        applied.push('grep');
      }
      if (random() < 0.8) {
        const preamble = (['putty', 'securecrt', 'mobaxterm'] as const)[Math.floor(random() * 3)];
        text = T.loggerNoise(text, random, { stamps: random() < 0.5, preamble });
        applied.push(`noise ${preamble}`);
      }
      const got = project(analyseText(text));
      // VOIP without -i matches nothing: then the mode is unknown, which is the honest answer, not a failure.
      if (parseTranscript(text).some((r) => r.command.endsWith('| grep VOIP'))) {
        expect({ seed, applied, handler: got.handler, missing: got.missing }).toEqual({ seed, applied, handler: 'unknown', missing: [[COMMANDS.systemSettings]] });
        expect(got.sip).toEqual(expected.sip);
        continue;
      }
      expect({ seed, applied, ...got }).toEqual({ seed, applied, ...expected });
    }
  });
});

describe('a configuration backup beside a debug log', () => {
  it('reads the backup as plain `show` output (VDOM blocks included) and the log as the capture, one timeline', () => {
    const backup = read('config-backup.conf');
    const a = analyseText(backup + '\n' + read('debug-only.log'))!;
    expect({ handler: a.verdict.handler, rule: a.verdict.rule, policies: policies(a) }).toEqual({ handler: 'session-helper', rule: 'R5', policies: ['12:session-helper:R5'] });
    expectCapture(a);
  });
});
