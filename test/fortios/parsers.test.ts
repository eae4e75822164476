import {
  parseDebugFlow,
  parseSessionList,
  parseSipHelperStatus,
  parseSipProxyCalls,
  parseSipProxyStats,
  parseSystemStatus,
  parseVdList,
  sessionHandler,
  sipProxyStatsDelta,
} from '../../src/fortios/parsers';

describe('parseSystemStatus', () => {
  it('reads version, hostname and VDOM mode', () => {
    const out = [
      'Version: FortiGate-VM64 v7.4.3,build2573,240201 (GA.F)',
      'Security Level: 2',
      'Serial-Number: FGVM04TM24000123',
      'Hostname: FGT-1',
      'Operation Mode: NAT',
      'Current virtual domain: root',
      'Max number of virtual domains: 10',
      'Virtual domain configuration: multiple',
      'FIPS-CC mode: disable',
    ].join('\n');
    expect(parseSystemStatus(out)).toEqual({
      version: 'FortiGate-VM64 v7.4.3,build2573,240201 (GA.F)',
      versionMajor: 7,
      versionMinor: 4,
      versionPatch: 3,
      build: 2573,
      hostname: 'FGT-1',
      operationMode: 'NAT',
      currentVdom: 'root',
      vdomMode: 'multiple',
    });
  });

  it('reads 5.x shapes and ignores unknown modes', () => {
    const s = parseSystemStatus('Version: FortiGate-60D v5.6.14,build1727,210201 (GA)\nVirtual domain configuration: enable\nCurrent Operation Mode: Transparent\n');
    expect([s.versionMajor, s.versionMinor, s.vdomMode, s.operationMode]).toEqual([5, 6, 'enable', 'Transparent']);
    expect(parseSystemStatus('Virtual domain configuration: weird').vdomMode).toBeUndefined();
  });
});

describe('parseVdList', () => {
  it('lists VDOMs with sip flags, skipping internal ones', () => {
    const out = [
      'list virtual firewall info:',
      'name=vsys_ha/vsys_ha index=3 enabled fib_ver=14 use=70 rt_num=2 asym_rt=0 sip_helper=0, sip_nat_trace=1, mc_fwd=0',
      'name=vsys_fgfm/vsys_fgfm index=2 enabled fib_ver=1 use=3 rt_num=0 asym_rt=0 sip_helper=0, sip_nat_trace=1, mc_fwd=0',
      'name=voice/voice index=1 enabled fib_ver=22 use=104 rt_num=4 asym_rt=0 sip_helper=1, sip_nat_trace=0, mc_fwd=0',
      'name=root/root index=0 enabled fib_ver=51 use=212',
      'rt_num=6 asym_rt=0 sip_helper=0, sip_nat_trace=1, mc_fwd=0',
      'total=4',
    ].join('\n');
    expect(parseVdList(out)).toEqual([
      { name: 'voice', index: 1, sipHelper: 1, sipNatTrace: 0 },
      { name: 'root', index: 0, sipHelper: 0, sipNatTrace: 1 },
    ]);
  });
});

describe('sip-proxy stats', () => {
  const stats = (register: number, options: number) =>
    [
      'sip stats',
      '',
      'vdom name: root',
      '---------------------------',
      'active-sessions: 1',
      'calls-attempted: 57',
      'calls-established: 27',
      '',
      '         | received | blocked | unknown form | long headers',
      'req-type | req resp| req resp| req resp| req resp',
      'UNKNOWN 0 47227 0 47227 0 47227 0 0',
      `REGISTER ${register} 81543 25 0 25 0 0 0`,
      `OPTIONS ${options} 0 0 0 0 0 0 0`,
    ].join('\n');

  it('reads scalar counters and table rows per VDOM', () => {
    const s = parseSipProxyStats(stats(100678, 0));
    expect(s.vdoms.root['calls-attempted']).toBe(57);
    expect(s.vdoms.root['REGISTER#0']).toBe(100678);
    expect(s.vdoms.root['UNKNOWN#1']).toBe(47227);
  });

  it('computes the rising counters between readings', () => {
    const delta = sipProxyStatsDelta(parseSipProxyStats(stats(100, 5)), parseSipProxyStats(stats(103, 5)));
    expect(delta).toEqual({ root: { 'REGISTER#0': 3 } });
    expect(sipProxyStatsDelta(parseSipProxyStats(stats(1, 1)), parseSipProxyStats(stats(1, 1)))).toEqual({});
  });

  it('reads calls list: header only means no call', () => {
    expect(parseSipProxyCalls('sip calls\n').callLines).toEqual([]);
    expect(parseSipProxyCalls('sip calls\nvdom 0 (root) VoIP profile "default"\n  call 0x9d2c0a8 call-id=abc@10.0.0.1 txn 0 cseq 1 INVITE\n').callLines).toEqual([
      'call 0x9d2c0a8 call-id=abc@10.0.0.1 txn 0 cseq 1 INVITE',
    ]);
  });
});

describe('parseSipHelperStatus', () => {
  it('reads dialogs and mappings (KB 190757 shape)', () => {
    const s = parseSipHelperStatus('dialogs: max=131072, used=2\nmappings: used=4\ndialog hash by ID: size=8192, used=2, depth=1\ncount0: 0\n');
    expect([s.dialogsMax, s.dialogsUsed, s.mappingsUsed]).toEqual([131072, 2, 4]);
    expect(s.lines).toEqual(['dialogs: max=131072, used=2', 'mappings: used=4']);
  });
});

describe('parseSessionList', () => {
  const block = (helper: string, state: string, policy: number) =>
    [
      'session info: proto=17 proto_state=01 duration=1843 expire=137 timeout=0 flags=00000000 socktype=0 sockport=0 av_idx=0 use=3',
      'origin-shaper=',
      `class_id=0 ha_id=0 policy_dir=0 tunnel=/ helper=${helper} vlan_cos=0/255`,
      `state=${state}`,
      'statistic(bytes/packets/allow_err): org=18431/29/1 reply=9866/22/1 tuples=2',
      'hook=post dir=org act=snat 10.10.10.21:5060->203.0.113.50:5060(198.51.100.7:5060)',
      'hook=pre dir=reply act=dnat 203.0.113.50:5060->198.51.100.7:5060(10.10.10.21:5060)',
      `misc=0 policy_id=${policy} pol_uuid_idx=151 auth_info=0 chk_client_info=0 vd=0`,
    ].join('\n');

  it('splits session blocks and reads proto, helper, flags, policy and ports', () => {
    const list = parseSessionList([block('sip', 'may_dirty', 3), block('noop', 'redir local may_dirty', 4), block('noop', 'may_dirty ndr', 5), 'total session 3'].join('\n'));
    expect(list.total).toBe(3);
    expect(list.sessions.map((s) => [s.proto, s.helper, s.policyId, s.srcPort, s.dstPort, s.duration])).toEqual([
      [17, 'sip', 3, 5060, 5060, 1843],
      [17, 'noop', 4, 5060, 5060, 1843],
      [17, 'noop', 5, 5060, 5060, 1843],
    ]);
    expect(list.sessions.map(sessionHandler)).toEqual(['session-helper', 'sip-alg', 'flow-sip-ips']);
  });

  it('reads an empty list', () => {
    expect(parseSessionList('total session 0')).toEqual({ sessions: [], total: 0 });
  });
});

describe('parseDebugFlow', () => {
  it('finds helper runs and expectation hits', () => {
    const out = [
      'id=20085 trace_id=1 func=__ip_session_run_tuple line=2657 msg="run helper-sip(dir=original)"',
      'id=20085 trace_id=2 func=resolve_ip_tuple_fast line=5986 msg="Find an EXP session, id-0000b2c9, reply direction"',
      'id=20085 trace_id=2 func=print_pkt_detail line=5895 msg="vd-root:0 received a packet"',
    ].join('\n');
    const f = parseDebugFlow(out);
    expect(f.helperRuns).toHaveLength(1);
    expect(f.expectationHits[0]).toContain('Find an EXP session');
  });
});

describe('hostile or broken output', () => {
  it('stays bounded on huge and malformed input', () => {
    const junk = 'session info: proto=17 ' + 'x'.repeat(1_000_000) + '\n';
    const list = parseSessionList(junk.repeat(3) + 'session info: proto=6\n'.repeat(5000));
    expect(list.sessions.length).toBeLessThanOrEqual(2000);
    const stats = parseSipProxyStats(('INVITE ' + '1 '.repeat(100_000) + '\n') + 'calls-attempted: 99999999999999999999\n');
    expect(stats.vdoms['']?.['INVITE#0']).toBeUndefined(); // a row with absurdly many columns is ignored
    expect(parseSystemStatus('Version: ' + 'v'.repeat(500_000)).versionMajor).toBeUndefined();
    expect(parseVdList('name=' + 'a'.repeat(100_000))).toEqual([]);
  });
});
