/**
 * Regenerates test/fixtures/transcripts: `npx ts-node --transpile-only test/fortios/support/buildTranscripts.ts`.
 * Seeded: the same files every time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../../src/simulator/debugStream';
import * as T from './transcripts';

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'transcripts');
const P = `${T.HOST} # `;

function replaceCommand(text: string, command: string, replacement: string[]): string {
  const ls = text.split('\n');
  const at = ls.indexOf(P + command);
  let end = at + 1;
  while (end < ls.length && !ls[end].startsWith(P)) end++;
  ls.splice(at, end - at, ...replacement);
  return ls.join('\n');
}

const files: Record<string, string> = {};
const clean = T.clean();
files['clean-kernel-helper.txt'] = clean;
files['prompt-joined-debug.txt'] = T.promptJoinedDebug(clean, seededRandom(11));
files['blind-disable-own-line.txt'] = T.blindDisableOwnLine(clean);
files['blind-disable-glued.txt'] = T.blindDisableGlued(clean);

// `| grep`: -i on the settings, -f on the helper table and the policies (whole entries, the match marked `<---`).
let grep = T.grepSettings(clean, 'VOIP', 'i');
grep = replaceCommand(grep, 'show system session-helper', [`${P}show system session-helper | grep -f sip`, 'config system session-helper', ...T.helperEntry(13, ' <---'), 'end']);
grep = replaceCommand(grep, 'show firewall policy', [
  `${P}show firewall policy | grep -f SIP`,
  'config firewall policy',
  ...T.POLICY_12.split('\n').map((l) => (l.includes('set service "SIP"') ? `${l} <---` : l)),
  'end',
]);
files['grep-filtered.txt'] = grep;
files['grep-hides-mode.txt'] = T.grepSettings(clean, 'sip-');

// Plain `show`: defaults are not printed. A 7.4 unit left in the default proxy-based mode.
const plainSettings = T.SETTINGS_FULL.split('\n').filter((l) => !/default-voip-alg-mode|set (?:comments|vdom-type|opmode|ngfw-mode|http-external|firewall-session|manageip|gateway|ip |device|bfd|allow-subnet|deny-tcp|ecmp|discovered|email-portal|gui-|ike-|block-land|default-app|sip-|h323|status|sccp|multicast|asymroute|strict-src|v4-ecmp|compliance|auxiliary|central-nat|inspection-mode|location-id)/.test(l));
let plain = replaceCommand(clean, T.SETTINGS_COMMAND, [`${P}show system settings`, ...plainSettings.slice(0, 1), '    set gui-voip-profile enable', '    set sip-expectation enable', ...plainSettings.slice(1)]);
plain = replaceCommand(plain, 'show full-configuration voip profile', [`${P}show voip profile`, 'config voip profile', '    edit "default"', '        set comment "Default VoIP profile."', '    next', 'end']);
plain = replaceCommand(plain, 'diagnose sys sip status', [`${P}diagnose sys sip-proxy stats`, ...PROXY_STATS(40, 118)]);
plain = plain.replace(`${P}diagnose sys sip status\n`, `${P}diagnose sys sip-proxy stats\n${PROXY_STATS(42, 121).join('\n')}\n`).replace(/\ndialogs: max=131072[\s\S]*?count4: 0\n/, '\n');
files['plain-show-defaults.txt'] = plain;

// Subsets: one policy, one profile, one helper entry; the session list shows a SIP session on a policy not printed.
let subsets = replaceCommand(clean, T.SETTINGS_COMMAND, [`${P}show system settings`, 'config system settings', '    set default-voip-alg-mode kernel-helper-based', '    set gui-voip-profile enable', 'end']);
subsets = replaceCommand(subsets, 'show system session-helper', [`${P}show system session-helper 13`, 'config system session-helper', ...T.helperEntry(13), 'end']);
subsets = replaceCommand(subsets, 'show firewall policy', [`${P}show firewall policy 12`, 'config firewall policy', T.POLICY_12, 'end']);
subsets = replaceCommand(subsets, 'show full-configuration voip profile', [
  `${P}show voip profile default`,
  'config voip profile',
  '    edit "default"',
  '        set comment "Default VoIP profile."',
  '    next',
  'end',
  `${P}diagnose sys session filter dport 5060`,
  `${P}diagnose sys session list`,
  ...SESSION(12, 'sip', '192.168.1.10:5060->198.51.100.7:5060(203.0.113.2:5060)'),
  ...SESSION(7, 'noop', '10.20.0.15:5060->198.51.100.7:5060(203.0.113.2:62011)'),
  'total session 2',
  `${P}diagnose sys session filter clear`,
]);
files['subsets.txt'] = subsets;

files['putty-log.txt'] = T.loggerNoise(T.promptJoinedDebug(clean, seededRandom(21)), seededRandom(22), { preamble: 'putty' });
files['securecrt-timestamps.txt'] = T.loggerNoise(T.blindDisableOwnLine(clean), seededRandom(31), { stamps: true, preamble: 'securecrt' });
files['mobaxterm-log.txt'] = T.loggerNoise(T.grepSettings(T.blindDisableGlued(T.promptJoinedDebug(clean, seededRandom(41)))), seededRandom(42), { preamble: 'mobaxterm' });
files['debug-only.log'] = T.captureLines().join('\n') + '\n';

// A configuration backup of the same unit (multi-VDOM layout: global blocks under `config global`, the VDOM's under
// `config vdom` / `edit root`), given beside debug-only.log.
const block = (name: string) => {
  const at = clean.indexOf(`\nconfig ${name}\n`) + 1;
  return clean.slice(at, clean.indexOf('\nend\n', at) + 4);
};
files['config-backup.conf'] = [
  '#config-version=FGT60F-7.4.3-FW-build2573-240201:opmode=0:vdom=1:user=admin',
  '#conf_file_ver=8123456789012345',
  '#buildno=2573',
  '#global_vdom=1',
  'config vdom',
  'edit root',
  'next',
  'end',
  'config global',
  'config system global',
  '    set admintimeout 30',
  '    set hostname "FGT60F-BR1"',
  '    set timezone 26',
  'end',
  block('system session-helper'),
  'end',
  'config vdom',
  'edit root',
  'config system settings',
  '    set default-voip-alg-mode kernel-helper-based',
  '    set gui-voip-profile enable',
  'end',
  block('firewall policy'),
  'end',
  '',
].join('\n');

function PROXY_STATS(options: number, registers: number): string[] {
  const row = (name: string, req: number, resp: number) => `${name.padStart(8)} ${String(req).padStart(8)} ${String(resp).padStart(7)}       0       0       0       0       0       0`;
  return [
    'sip stats',
    '',
    'vdom name: root',
    '---------------------------',
    'active-sessions: 1',
    'calls-attempted: 0',
    'calls-established: 0',
    'calls-failed: 0',
    '',
    'calls-active: 0',
    'registers-active: 1',
    '',
    '         |   received    |    blocked    | unknown form  | long headers',
    'req-type |   req    resp |   req    resp |   req    resp |   req    resp',
    row('UNKNOWN', 0, 0),
    row('ACK', 0, 0),
    row('BYE', 0, 0),
    row('INVITE', 0, 0),
    row('OPTIONS', options, options),
    row('REGISTER', registers, registers - 2),
  ];
}

function SESSION(policy: number, helper: string, nat: string): string[] {
  return [
    `session info: proto=17 proto_state=01 duration=${40 + policy} expire=137 timeout=0 flags=00000000 socktype=0 sockport=0 av_idx=0 use=3`,
    'origin-shaper=',
    'reply-shaper=',
    'per_ip_shaper=',
    `class_id=0 ha_id=0 policy_dir=0 tunnel=/ helper=${helper} vlan_cos=0/255`,
    'state=may_dirty',
    'statistic(bytes/packets/allow_err): org=10431/19/1 reply=6866/12/1 tuples=2',
    'orgin->sink: org pre->post, reply pre->post dev=7->5/5->7 gwy=198.51.100.1/192.168.1.10',
    `hook=post dir=org act=snat ${nat}`,
    `misc=0 policy_id=${policy} pol_uuid_idx=15${policy} auth_info=0 chk_client_info=0 vd=0`,
    'serial=0001a3f1 tos=ff/ff app_list=0 app=0 url_cat=0',
  ];
}

for (const [name, text] of Object.entries(files)) writeFileSync(path.join(DIR, name), text);
console.log(`wrote ${Object.keys(files).length} files to ${DIR}`);
