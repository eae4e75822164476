import { terminalMarkup } from '../../../src/adapters/console/reporter';

describe('terminal markup of the shared mrkdwn renderings', () => {
  const text = ['*SIP handler: SIP ALG* (R1) on FGT-A', '*Evidence*', '```', 'Contact: *', '*not bold in code*', '```', 'a * b * c'].join('\n');
  test('plain in a pipe: bold markers dropped, code and lone asterisks kept', () => {
    expect(terminalMarkup(text, false)).toBe(['SIP handler: SIP ALG (R1) on FGT-A', 'Evidence', '```', 'Contact: *', '*not bold in code*', '```', 'a * b * c'].join('\n'));
  });
  test('ANSI bold on a terminal', () => {
    expect(terminalMarkup('*Evidence*', true)).toBe('\x1b[1mEvidence\x1b[22m');
  });
});
