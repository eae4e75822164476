/**
 * A capture pasted from a real terminal: debug output lands on the idle prompt's line (or after a bare prompt),
 * and `diagnose debug disable` is typed blind while it scrolls (docs/ssh.md "FortiOS CLI facts"). The debug lines must stay
 * the capture's output, not become a "command" (found by the raw-bytes parity test, test/check/rawParity.test.ts).
 */
import { parseTranscript } from '../../src/fortios/transcript';

const LINE1 = '2026-11-25 17:31:02 sip port 26 locate session for 10.10.10.21:5060 -> 203.0.113.50:5060';
const LINE2 = '2026-11-25 17:31:02 sip sess 0x979df38 found for 10.10.10.21:5060 -> 203.0.113.50:5060';

describe('parseTranscript on a pasted debug capture', () => {
  test.each([
    ['on the prompt line, disable on its own line', `FGT-A # diagnose debug enable\nFGT-A # ${LINE1}\n${LINE2}\ndiagnose debug disable\nFGT-A # diagnose debug reset\nFGT-A # `],
    ['after a bare prompt', `FGT-A # diagnose debug enable\nFGT-A #\n${LINE1}\n${LINE2}\nFGT-A # diagnose debug disable\nFGT-A # diagnose debug reset\nFGT-A # `],
    ['disable typed blind after a debug line', `FGT-A # diagnose debug enable\nFGT-A # ${LINE1}\n${LINE2}diagnose debug disable\nFGT-A # diagnose debug reset\nFGT-A # `],
  ])('%s', (_name, text) => {
    const results = parseTranscript(text);
    expect(results.map((r) => r.command)).toEqual(['diagnose debug enable', 'diagnose debug disable', 'diagnose debug reset']);
    expect(results[0].output).toBe(`${LINE1}\n${LINE2}`);
  });

  test('a command typed at a prompt while debug runs is a command, not debug output', () => {
    const results = parseTranscript(`FGT-A # diagnose debug enable\nFGT-A # ${LINE1}\nFGT-A # diagnose sys sip-proxy stats\nsip stats\nFGT-A # `);
    expect(results.map((r) => r.command)).toEqual(['diagnose debug enable', 'diagnose sys sip-proxy stats']);
    expect(results[0].output).toBe(LINE1);
  });
});
