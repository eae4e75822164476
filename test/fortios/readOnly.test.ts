/**
 * The read-only allow-list: every command the product's plans can produce is on it, and the changes a
 * regression could send (the remediation the bot prints, session clears, `execute`, config blocks) are not.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { captureStartCommands, GLOBAL_READS, SINGLE_VDOM_GLOBAL_READS, vdomReads } from '../../src/check/plan';
import { COMMANDS, DEBUG_CLEANUP } from '../../src/fortios/cli';
import { READ_ONLY_ALLOW_LIST, readOnlyViolation, readOnlyViolations } from '../../src/fortios/readOnly';
import { parseTranscript } from '../../src/fortios/transcript';
import { testLimits } from '../support/harness';

const CTX = { vdoms: ['root', 'dmz-voice'] };

describe('read-only allow-list', () => {
  test('every entry says where it comes from', () => {
    for (const a of READ_ONLY_ALLOW_LIST) {
      expect(a.source.length).toBeGreaterThan(10);
      expect(a.what.length).toBeGreaterThan(5);
    }
  });

  test('accepts every command of the check plans, the cleanup and the driver', () => {
    const plan = [
      COMMANDS.systemStatus, COMMANDS.configVdom, COMMANDS.configGlobal, COMMANDS.end, COMMANDS.exit, COMMANDS.editVdom('root'),
      ...GLOBAL_READS, ...SINGLE_VDOM_GLOBAL_READS, ...vdomReads(5060), ...vdomReads(5080), ...DEBUG_CLEANUP,
      ...captureStartCommands({ seconds: 30, level: -1 }, testLimits({ debugIm: true })),
      ...captureStartCommands({ seconds: 120, level: 255 }, testLimits()),
      COMMANDS.sipProxyStats,
    ];
    expect(readOnlyViolations(plan, CTX)).toEqual([]);
  });

  test('accepts the reads other parts of the product add (VDOM fallback, debug info, timestamps off)', () => {
    for (const line of ['diagnose debug info', 'diagnose debug console timestamp disable', 'show system interface', 'diagnose sys vd list', 'get system performance status', 'show full-configuration voip profile', 'edit dmz-voice']) {
      expect([line, readOnlyViolation(line, CTX)]).toEqual([line, null]);
    }
  });

  test.each([
    'diagnose sys session clear',
    'execute reboot',
    'execute factoryreset',
    'exec reboot',
    'diag sys session clear',
    'config system console',
    'set output standard',
    'config system settings',
    'set default-voip-alg-mode kernel-helper-based',
    'unset voip-profile',
    'delete 13',
    'purge',
    'diagnose sys kill 11 1',
    'diagnose sys session filter dport 5060 clear',
    'diagnose debug application sip -1 ; execute reboot',
    'edit new-vdom',
    'next',
    'abort',
  ])('refuses %s', (line) => {
    expect(readOnlyViolation(line, CTX)).not.toBeNull();
  });

  test('debug is enabled only when armed with a non-zero duration; putting back an unlimited duration afterwards is fine', () => {
    const armed = ['diagnose debug duration 2', 'diagnose debug application sip -1', 'diagnose debug enable', 'diagnose debug disable', 'diagnose debug reset', 'diagnose debug duration 0'];
    expect(readOnlyViolations(armed, CTX)).toEqual([]);
    expect(readOnlyViolations(['diagnose debug duration 0', 'diagnose debug enable'], CTX).map((v) => v.why)).toEqual([expect.stringMatching(/duration 0/)]);
    expect(readOnlyViolations(['diagnose debug application sip -1', 'diagnose debug enable'], CTX).map((v) => v.why)).toEqual([expect.stringMatching(/before any/)]);
    // Across checks on one device: the next capture arms the timer again before enabling.
    expect(readOnlyViolations([...armed, 'diagnose debug enable'], CTX).length).toBe(1);
  });

  test('refuses a line carrying a control character', () => {
    expect(readOnlyViolation('show system status\x03', CTX)).toMatch(/control/);
  });

  test('every change line of a real remediation snippet is refused (the bot prints it, never runs it)', () => {
    // A multi-VDOM mismatch and a helper verdict: remediations that clear SIP sessions and switch handlers.
    const fixtures = path.join(__dirname, '..', 'fixtures', 'verdict');
    const snippet = ['mismatch-alg-counters.txt', 'multi-vdom.txt', 'r5-helper.txt']
      .map((f) => analyseTranscript(parseTranscript(readFileSync(path.join(fixtures, f), 'utf8'))).verdict)
      .flatMap((v) => [...v.remediation, ...v.clearSessions].map((o) => o.commands.join('\n')))
      .join('\n');
    const lines = snippet.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines).toContain('diagnose sys session clear');
    const refused = readOnlyViolations(lines, CTX).map((v) => v.line);
    // Only navigation and the session filter pass; every line that changes something is refused.
    const passed = lines.filter((l) => !refused.includes(l));
    for (const l of passed) expect(l).toMatch(/^(?:config (?:vdom|global)|edit (?:root|dmz-voice)|end|diagnose sys session filter .*)$/);
    expect(refused).toEqual(expect.arrayContaining(['diagnose sys session clear']));
    expect(refused.some((l) => l.startsWith('set '))).toBe(true);
  });
});
