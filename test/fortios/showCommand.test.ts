import { filterKeeps, filterKeepsSetting, parseShowCommand, reframe, showsWholeBlocks, stripMatchMarks } from '../../src/fortios/showCommand';

describe('parseShowCommand', () => {
  it('reads the block, the entries asked for and the filter', () => {
    expect(parseShowCommand('show firewall policy 12')).toEqual({ full: false, path: 'firewall policy', keys: ['12'] });
    expect(parseShowCommand('show voip profile "my profile"')).toEqual({ full: false, path: 'voip profile', keys: ['my profile'] });
    expect(parseShowCommand('show full-configuration system settings | grep -i voip')).toEqual({
      full: true,
      path: 'system settings',
      keys: [],
      filter: { pattern: 'voip', ignoreCase: true, invert: false, block: false, text: '| grep -i voip' },
    });
    expect(parseShowCommand('show firewall policy | grep -f "SIP"')?.filter).toEqual(expect.objectContaining({ pattern: 'SIP', block: true }));
    expect(parseShowCommand('get system status')).toBeNull();
  });

  it('an unknown pipe is a filter that may have hidden anything', () => {
    const show = parseShowCommand('show system settings | tail -5')!;
    expect(filterKeepsSetting(show.filter!, 'default-voip-alg-mode')).toBe(false);
  });
});

describe('filters', () => {
  const filter = (cmd: string) => parseShowCommand(cmd)!.filter!;

  it('a setting is visible only when the filter keeps its line whatever the value', () => {
    expect(filterKeepsSetting(filter('show system settings | grep voip'), 'default-voip-alg-mode')).toBe(true);
    expect(filterKeepsSetting(filter('show system settings | grep VOIP'), 'default-voip-alg-mode')).toBe(false);
    expect(filterKeepsSetting(filter('show system settings | grep -i VOIP'), 'default-voip-alg-mode')).toBe(true);
    expect(filterKeepsSetting(filter('show system settings | grep kernel'), 'default-voip-alg-mode')).toBe(false);
    expect(filterKeepsSetting(filter('show system settings | grep -v gui'), 'sip-udp-port')).toBe(true);
    expect(filterKeeps(filter('show system settings | grep sip-[tu]'), '    set sip-udp-port 5060')).toBe(true);
  });

  it('a pattern that could backtrack without end is matched literally (the transcript is untrusted)', () => {
    expect(filterKeeps(filter('show system settings | grep (a+)+$'), '    set default-voip-alg-mode aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')).toBe(false);
    expect(filterKeeps(filter('show system settings | grep .*.*.*.*.*.*x'), '    set default-voip-alg-mode proxy-based')).toBe(false);
    expect(filterKeeps(filter('show system settings | grep sip-.*port'), '    set sip-udp-port 5060')).toBe(true);
  });

  it('grep -f output: marks stripped, whole entries told from matched lines only', () => {
    const whole = 'config firewall policy\n    edit 12\n        set action accept\n        set service "SIP" <---\n    next\nend';
    const only = 'config system settings\n    set default-voip-alg-mode proxy-based <---\nend';
    expect(showsWholeBlocks(whole)).toBe(true);
    expect(showsWholeBlocks(only)).toBe(false);
    expect(stripMatchMarks(whole)).not.toContain('<---');
  });

  it('plain grep lines are put back in their block (and entry) for the config parser', () => {
    expect(reframe(parseShowCommand('show system settings | grep voip')!, '    set default-voip-alg-mode proxy-based')).toBe('config system settings\n    set default-voip-alg-mode proxy-based\nend');
    expect(reframe(parseShowCommand('show firewall policy 12 | grep voip')!, '        set voip-profile "default"')).toBe('config firewall policy\n    edit 12\n        set voip-profile "default"\n    next\nend');
  });
});
