import { parseConfig, settingOf, settingValues, tokenizeConfigLine } from '../../src/fortios/configParser';

describe('tokenizeConfigLine', () => {
  it('splits words, keeps quoted values with spaces and escaped quotes', () => {
    expect(tokenizeConfigLine('set comments "VoIP \\"trunk\\" to carrier"')).toEqual(['set', 'comments', 'VoIP "trunk" to carrier']);
    expect(tokenizeConfigLine('set service "SIP" "HTTP"  "Web Access"')).toEqual(['set', 'service', 'SIP', 'HTTP', 'Web Access']);
    expect(tokenizeConfigLine("set comments ''")).toEqual(['set', 'comments', '']);
  });

  it('tolerates an unterminated quote', () => {
    expect(tokenizeConfigLine('set name "half')).toEqual(['set', 'name', 'half']);
  });
});

describe('parseConfig', () => {
  const policyShow = [
    'config firewall policy',
    '    edit 1',
    '        set name "LAN to WAN"',
    '        set srcintf "port2"',
    '        set action accept',
    '        set service "SIP" "HTTP"',
    '        set voip-profile "default"',
    '    next',
    '    edit 7',
    '        set name "PBX"',
    '        set status disable',
    '        set comments "say \\"hi\\""',
    '    next',
    'end',
  ].join('\n');

  it('reads tables, entries in order, multi-value sets', () => {
    const { root, garbageLines } = parseConfig(policyShow);
    expect(garbageLines).toBe(0);
    const table = root.tables['firewall policy'];
    expect(table.entries.map((e) => e.key)).toEqual(['1', '7']);
    expect(settingValues(table.entries[0].node, 'service')).toEqual(['SIP', 'HTTP']);
    expect(settingOf(table.entries[0].node, 'name')).toBe('LAN to WAN');
    expect(settingOf(table.entries[1].node, 'comments')).toBe('say "hi"');
  });

  it('reads nested config inside edit, quoted edit names, single-object blocks', () => {
    const text = [
      'config voip profile',
      '    edit "no sip here"',
      '        set feature-set voipd',
      '        config sip',
      '            set status disable',
      '        end',
      '        config sccp',
      '            set status enable',
      '        end',
      '    next',
      'end',
      'config system settings',
      '    set default-voip-alg-mode kernel-helper-based',
      '    set sip-udp-port 5060 5080',
      'end',
    ].join('\n');
    const { root } = parseConfig(text);
    const profile = root.tables['voip profile'].entries[0];
    expect(profile.key).toBe('no sip here');
    expect(settingOf(profile.node.tables['sip'], 'status')).toBe('disable');
    expect(settingOf(profile.node.tables['sccp'], 'status')).toBe('enable');
    expect(settingOf(root.tables['system settings'], 'default-voip-alg-mode')).toBe('kernel-helper-based');
    expect(settingValues(root.tables['system settings'], 'sip-udp-port')).toEqual(['5060', '5080']);
  });

  it('ignores prompts, echoes, pager residue and CRLF, counting garbage lines', () => {
    const pasted =
      'FGT-A # show firewall policy\r\n' +
      'config firewall policy  \r\n' +
      '    edit 1\r\n' +
      '--More-- \r         \r        set action accept\r\n' +
      '    next\r\n' +
      'end\r\n' +
      'FGT-A # ';
    const { root, garbageLines } = parseConfig(pasted);
    expect(settingOf(root.tables['firewall policy'].entries[0].node, 'action')).toBe('accept');
    expect(garbageLines).toBe(2); // the two prompt lines
  });

  it('recovers from missing next/end', () => {
    const text = [
      'config firewall policy',
      '    edit 1',
      '        set action accept',
      '    edit 2', // missing next
      '        set action deny',
      // missing end
      'config system settings',
      '    set ngfw-mode policy-based',
      'end',
    ].join('\n');
    const { root } = parseConfig(text);
    expect(root.tables['firewall policy'].entries.map((e) => [e.key, settingOf(e.node, 'action')])).toEqual([
      ['1', 'accept'],
      ['2', 'deny'],
    ]);
    expect(settingOf(root.tables['system settings'], 'ngfw-mode')).toBe('policy-based');
  });

  it('handles `unset`, `append`, and a full-config `config vdom` / `edit root` wrapper at one indent', () => {
    const text = [
      'config vdom',
      'edit root',
      'config firewall policy',
      '    edit 3',
      '        set service "SIP"',
      '        append service "HTTPS"',
      '        set voip-profile "default"',
      '        unset voip-profile',
      '    next',
      'end',
      'end',
    ].join('\n');
    const { root } = parseConfig(text);
    const policy = root.tables['vdom'].entries[0].node.tables['firewall policy'].entries[0].node;
    expect(settingValues(policy, 'service')).toEqual(['SIP', 'HTTPS']);
    expect(policy.settings['voip-profile']).toBeUndefined();
  });

  it('merges a block shown twice', () => {
    const once = 'config firewall policy\n    edit 1\n        set action accept\n    next\nend\n';
    const twice = once + once.replace('edit 1', 'edit 2');
    expect(parseConfig(twice).root.tables['firewall policy'].entries.map((e) => e.key)).toEqual(['1', '2']);
  });

  it('stays bounded on hostile input (deep nesting, huge lines)', () => {
    const deep = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i * 4)}config level${i}`).join('\n');
    const parsed = parseConfig(deep);
    expect(parsed.garbageLines).toBeGreaterThan(100); // beyond the depth bound
    const huge = 'config firewall policy\n    edit 1\n        set service ' + '"x" '.repeat(200_000) + '\n    next\nend';
    const { root } = parseConfig(huge);
    expect(settingValues(root.tables['firewall policy'].entries[0].node, 'service').length).toBeLessThanOrEqual(4096);
  });
});
