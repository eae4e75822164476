import { MAX_COMMAND_LENGTH, formatOptions, parseCheckCommand, usageText } from '../../src/check/options';
import type { CheckOptions } from '../../src/check/types';
import { loadAppConfig } from '../../src/config/env';
import type { CheckLimits } from '../../src/config/types';

/** The production defaults. */
const limits: CheckLimits = loadAppConfig({}).limits;

function usageError(text: string): string {
  const parsed = parseCheckCommand(text, limits);
  if (parsed.kind !== 'error') throw new Error(`expected a usage error for ${JSON.stringify(text)}, got ${JSON.stringify(parsed)}`);
  expect(parsed.error.kind).toBe('usage');
  return parsed.error.message;
}

describe('parseCheckCommand: accepted commands', () => {
  it.each(['', '   ', 'help', 'HELP', ' help ', 'help fw01'])('%j is help', (text) => {
    expect(parseCheckCommand(text, limits)).toEqual({ kind: 'help' });
  });

  it.each<[string, string, CheckOptions]>([
    ['fw01', 'fw01', { seconds: 20, level: -1 }],
    ['  fw01  ', 'fw01', { seconds: 20, level: -1 }],
    ['fw01 seconds=60', 'fw01', { seconds: 60, level: -1 }],
    ['fw01 seconds=1', 'fw01', { seconds: 1, level: -1 }],
    ['fw01 seconds=300', 'fw01', { seconds: 300, level: -1 }],
    ['fw01 level=0', 'fw01', { seconds: 20, level: 0 }],
    ['fw01 level=4095', 'fw01', { seconds: 20, level: 4095 }],
    ['fw01 level=-1', 'fw01', { seconds: 20, level: -1 }],
    ['fw-branch.2 vdom=root', 'fw-branch.2', { seconds: 20, level: -1, vdom: 'root' }],
    ['FW_01 vdom=voice-vd_2', 'FW_01', { seconds: 20, level: -1, vdom: 'voice-vd_2' }],
    ['fw01 peer=203.0.113.10', 'fw01', { seconds: 20, level: -1, peer: '203.0.113.10' }],
    ['fw01 peer=0.0.0.0', 'fw01', { seconds: 20, level: -1, peer: '0.0.0.0' }],
    ['fw01 peer=255.255.255.255', 'fw01', { seconds: 20, level: -1, peer: '255.255.255.255' }],
    ['fw01 port=5062', 'fw01', { seconds: 20, level: -1, port: 5062 }],
    ['fw01 port=65535', 'fw01', { seconds: 20, level: -1, port: 65535 }],
    ['fw01   port=5060 seconds=45  level=255 vdom=root peer=198.51.100.7', 'fw01', { seconds: 45, level: 255, vdom: 'root', peer: '198.51.100.7', port: 5060 }],
    // `config`: configuration and counters only, no debug (issue 23); the scope options still apply.
    ['fw01 config', 'fw01', { seconds: 20, level: -1, configOnly: true }],
    ['fw01 CONFIG', 'fw01', { seconds: 20, level: -1, configOnly: true }],
    ['fw01 vdom=voice config port=5062', 'fw01', { seconds: 20, level: -1, vdom: 'voice', port: 5062, configOnly: true }],
  ])('%j', (text, firewall, options) => {
    expect(parseCheckCommand(text, limits)).toEqual({ kind: 'check', firewall, options });
  });

  it('takes its defaults and bounds from the limits', () => {
    const tight = { ...limits, defaultSeconds: 10, maxSeconds: 30, defaultLevel: 16 };
    expect(parseCheckCommand('fw01', tight)).toEqual({ kind: 'check', firewall: 'fw01', options: { seconds: 10, level: 16 } });
    expect(parseCheckCommand('fw01 seconds=30', tight)).toMatchObject({ kind: 'check' });
    const refused = parseCheckCommand('fw01 seconds=31', tight);
    expect(refused.kind === 'error' && refused.error.message).toMatch(/expected a whole number from 1 to 30/);
  });
});

describe('parseCheckCommand: refused with usage', () => {
  // Injection attempts: none of these may reach a CLI line.
  it.each<[string, RegExp]>([
    ['fw01; execute reboot', /The character ; is not allowed/],
    ['fw01\nexecute factoryreset', /control character \(position 5\)/],
    ['fw01\rend', /control character/],
    ['fw01 vdom=root\nend', /control character/],
    ['fw01\tseconds=5', /control character/],
    ['fw01\u0000', /control character/],
    ['fw01\u001b[2J', /control character/],
    ['fw01\u007f', /control character/],
    ['fw01 vdom="root"', /The character " is not allowed/],
    ["fw01 vdom='root'", /The character ' is not allowed/],
    ['fw01 vdom=`id`', /The character ` is not allowed/],
    ['fw01 peer=1.2.3.4;', /The character ; is not allowed/],
    ['fw01 port=5060 port=5061', /The option port= is given twice/],
    ['fw01 seconds=5 seconds=5', /The option seconds= is given twice/],
    ['fw01 level=-1 && x', /The character & is not allowed/],
    ['fw01 level=-1 || x', /The character \| is not allowed/],
    ['fw01 vdom=$(reboot)', /The character \$ is not allowed/],
    ['fw01 > /tmp/x', /The character > is not allowed/],
    ['<mailto:fw01@example.com|fw01@example.com>', /The character < is not allowed/],
    ['fw01 vdom=root\\', /The character \\ is not allowed/],
    ['fw01 seconds=999999999999', /seconds=`999999999999` is out of range: expected a whole number from 1 to 300/],
    ['fw01 seconds=301', /seconds=`301` is out of range/],
    ['fw01 seconds=0', /seconds=`0` is out of range/],
    ['fw01 seconds=-5', /seconds=`-5` is out of range/],
    ['fw01 seconds=020', /seconds=`020` has a leading zero: expected a whole number from 1 to 300, written without one/],
    ['fw01 seconds=1e2', /seconds=`1e2` is not a number/],
    ['fw01 seconds=', /seconds=`` is not a number/],
    ['fw01 seconds=20.5', /seconds=`20.5` is not a number/],
    ['fw01 level=abc', /level=`abc` is not a number: expected a whole number from -1 to 4095\./],
    ['fw01 level=4096', /level=`4096` is out of range: expected a whole number from -1 to 4095/],
    ['fw01 level=-2', /level=`-2`/],
    ['fw01 level=0x1f', /level=`0x1f` is not a number/],
    ['fw01 level=-0', /level=`-0`/],
    ['fw01 port=0', /port=`0` is out of range/],
    ['fw01 port=65536', /port=`65536` is out of range/],
    ['fw01 port=sip', /port=`sip` is not a number/],
    ['fw01 peer=1.2.3', /peer=`1.2.3` is not an IPv4 address/],
    ['fw01 peer=1.2.3.256', /peer=`1.2.3.256` is not an IPv4 address/],
    ['fw01 peer=01.2.3.4', /peer=`01.2.3.4`/],
    ['fw01 peer=1.2.3.4.5', /peer=`1.2.3.4.5`/],
    ['fw01 peer=sip.example.com', /peer=`sip.example.com`/],
    ['fw01 peer=1.2.3.4/24', /peer=`1.2.3.4\/24`/],
    ['fw01 vdom=root.vd', /vdom=`root.vd` is not a VDOM name/],
    [`fw01 vdom=${'v'.repeat(32)}`, /is not a VDOM name/],
    ['fw01 vdom=', /vdom=`` is not a VDOM name/],
    ['fw01 execute', /Unexpected word `execute`; options are written key=value/],
    ['fw01 fw02', /Unexpected word `fw02`/],
    ['fw01 =5', /Unexpected word `=5`/],
    ['fw01 Seconds=5', /Unknown option `Seconds`/],
    ['fw01 timeout=5', /Unknown option `timeout`; options are seconds=, level=, vdom=, peer=, port=/],
    ['fw01 --seconds=5', /Unknown option `--seconds`/],
    ['../../etc/passwd', /`..\/..\/etc\/passwd` is not a firewall name/],
    ['-fw01', /`-fw01` is not a firewall name/],
    ['.fw01', /is not a firewall name/],
    [`f${'w'.repeat(63)}`, /is not a firewall name/],
    ['*fw01*', /`\*fw01\*` is not a firewall name/],
    ['fw\uff101', /non-ASCII character \(position 3\)/],
    ['fw01\u200b', /non-ASCII character \(position 5\)/],
    ['fw01 seconds=\u200b5', /non-ASCII character/],
    ['\u2018fw01\u2019', /non-ASCII character \(position 1\)/],
    ['fw01\u00a0seconds=5', /non-ASCII character/],
    ['fw01 p\u0435er=1.2.3.4', /non-ASCII character/],
    ['fw01 config seconds=30', /`config` runs no SIP capture: seconds= does not apply beside it/],
    ['fw01 level=4 config peer=10.0.0.1', /`config` runs no SIP capture: level=, peer= do not apply beside it/],
    ['fw01 config config', /The word config is given twice/],
    ['fw01 configure', /Unexpected word `configure`.*or `config` for a check without debug/],
  ])('%j', (text, message) => {
    const result = usageError(text);
    expect(result).toMatch(message);
    expect(result).toContain('Usage: /sip-check FIREWALL [seconds=1-300] [level=-1..4095] [vdom=NAME] [peer=IPv4] [port=1-65535]');
  });

  it('refuses input over 512 characters before looking at it', () => {
    const long = `fw01 ${'seconds=5 '.repeat(60)}`;
    expect(long.length).toBeGreaterThan(MAX_COMMAND_LENGTH);
    expect(usageError(long)).toMatch(/too long \(\d+ characters; at most 512\)/);
    expect(usageError('x'.repeat(100_000))).toMatch(/too long \(100000 characters/);
  });

  it('never echoes control characters or long tokens back', () => {
    const escape = usageError('fw01\u001b]0;pwned\u0007');
    expect(escape.replace(/\n/g, ' ')).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(escape).not.toContain('pwned');
    const message = usageError(`fw01 ${'a'.repeat(200)}`);
    expect(message).toContain(`\`${'a'.repeat(40)}...\``);
    expect(message).not.toContain('a'.repeat(41));
  });

  it('keeps the problem in the error detail for adapters', () => {
    const parsed = parseCheckCommand('fw01 port=0', limits);
    expect(parsed.kind === 'error' && parsed.error.detail.problem).toBe('port=`0` is out of range: expected a whole number from 1 to 65535.');
  });
});

describe('formatOptions', () => {
  it.each<[string, CheckOptions, string]>([
    ['fw01', { seconds: 20, level: -1 }, 'fw01 seconds=20 level=-1'],
    ['fw-branch.2', { seconds: 300, level: 4095, vdom: 'voice_vd', peer: '203.0.113.10', port: 5062 }, 'fw-branch.2 seconds=300 level=4095 vdom=voice_vd peer=203.0.113.10 port=5062'],
    ['FW_01', { seconds: 1, level: 0, port: 1 }, 'FW_01 seconds=1 level=0 port=1'],
    ['fw01', { seconds: 20, level: -1, vdom: 'root', port: 5062, configOnly: true }, 'fw01 config vdom=root port=5062'],
  ])('%s %j is canonical and re-parses to the same options', (firewall, options, text) => {
    expect(formatOptions(firewall, options)).toBe(text);
    expect(parseCheckCommand(text, limits)).toEqual({ kind: 'check', firewall, options });
  });

  it('round-trips whatever the parser accepts', () => {
    for (const text of ['fw01', 'fw01 port=5060 peer=10.0.0.1 vdom=root level=3 seconds=9', 'a vdom=x', 'fw01 port=5060 config']) {
      const parsed = parseCheckCommand(text, limits);
      if (parsed.kind !== 'check') throw new Error(text);
      expect(parseCheckCommand(formatOptions(parsed.firewall, parsed.options), limits)).toEqual(parsed);
    }
  });
});

describe('usageText', () => {
  it('shows the options with their bounds and defaults, and examples', () => {
    const text = usageText({ ...limits, maxSeconds: 120, defaultSeconds: 15 });
    expect(text).toContain('Usage: /sip-check FIREWALL [seconds=1-120] [level=-1..4095] [vdom=NAME] [peer=IPv4] [port=1-65535]');
    expect(text).toContain('seconds=N   capture window, 1-120 seconds (default 15)');
    expect(text).toContain('level=N     SIP debug level, -1..4095 (default -1');
    expect(text).toMatch(/port=N\s+SIP port, 1-65535/);
    expect(text).toContain('/sip-check fw01 seconds=60');
    expect(text).toContain('/sip-check fw01 config');
    expect(text).toMatch(/config\s+configuration and counters only: no `diagnose debug` command at all/);
    expect(usageText(limits, 'sip-check')).toContain('Usage: sip-check FIREWALL');
  });

  it('has examples that parse', () => {
    const examples = usageText(limits)
      .split('\n')
      .filter((line) => line.startsWith('  /sip-check '))
      .map((line) => line.slice('  /sip-check '.length));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) expect(parseCheckCommand(example, limits).kind).toBe('check');
  });
});
