import { mrkdwnToPlain } from '../../src/report/plainText';

describe('plain text for terminals and files, from the shared mrkdwn renderings', () => {
  const text = ['*SIP handler: SIP ALG* (R1) on FGT-A', '*Evidence*', '• from `diagnose sys sip status`:', '```', 'Contact: *', '*not bold in code*', '`kept in code`', '```', 'a * b * c', 'Missing: `show system settings`, `get system status`'].join('\n');

  test('in a pipe: bold markers and inline backticks dropped, code blocks indented and verbatim', () => {
    expect(mrkdwnToPlain(text)).toBe(
      ['SIP handler: SIP ALG (R1) on FGT-A', 'Evidence', '• from diagnose sys sip status:', '    Contact: *', '    *not bold in code*', '    `kept in code`', 'a * b * c', 'Missing: show system settings, get system status'].join('\n'),
    );
  });

  test('on a terminal, bold becomes ANSI bold', () => {
    expect(mrkdwnToPlain('*Evidence*', { bold: true })).toBe('\x1b[1mEvidence\x1b[22m');
    expect(mrkdwnToPlain('• *Notes*', { bold: true })).toBe('• \x1b[1mNotes\x1b[22m');
  });

  test('a star inside a code span is not bold', () => {
    expect(mrkdwnToPlain('`*x*` and *y*')).toBe('*x* and y');
  });

  test('blank lines inside a block stay blank (no trailing spaces)', () => {
    expect(mrkdwnToPlain('```\nconfig system settings\n\nend\n```')).toBe('    config system settings\n\n    end');
  });
});
