/**
 * Realistic FortiGate session transcripts in the shapes engineers paste (issue 11 §1), and the transformations
 * between them. `clean()` is the reference session: a FortiGate 60F on 7.4.3 in kernel-helper-based mode, the `sip`
 * session helper on udp/5060 and one SIP policy (12), with a capture holding a REGISTER 401→200 and a completed call
 * (test/fixtures/sip/register-401.log and basic-call.log). Each transform gives what a terminal would have shown.
 *
 * Regenerate the fixtures: `npx ts-node --transpile-only test/fortios/support/buildTranscripts.ts`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const HOST = 'FGT60F-BR1';
const P = `${HOST} # `;
const SIP_DIR = path.join(__dirname, '..', '..', 'fixtures', 'sip');

/** The capture's debug lines, as the console printed them. */
export function captureLines(): string[] {
  const read = (f: string) => readFileSync(path.join(SIP_DIR, f), 'utf8').split(/\r?\n/).filter((l) => l !== '');
  return [...read('register-401.log'), ...read('basic-call.log')];
}

const STATUS = `Version: FortiGate-60F v7.4.3,build2573,240201 (GA.F)
Security Level: 2
Firmware Signature: certified
Virus-DB: 92.01523(2024-03-10 08:12)
IPS-DB: 27.00721(2024-03-09 01:44)
Serial-Number: FGT60FTK2209XXXX
BIOS version: 05000006
System Part-Number: P24281-06
Log hard disk: Not available
Hostname: FGT60F-BR1
Private Encryption: Disable
Operation Mode: NAT
Current virtual domain: root
Max number of virtual domains: 10
Virtual domains status: 1 in NAT mode, 0 in TP mode
Virtual domain configuration: disable
FIPS-CC mode: disable
Current HA mode: standalone
Branch point: 2573
Release Version Information: GA
System time: Thu May  2 10:10:31 2024
Last reboot reason: warm reboot`;

export const SETTINGS_FULL = `config system settings
    set comments ''
    set vdom-type traffic
    set opmode nat
    set ngfw-mode profile-based
    set http-external-dest fortiweb
    set firewall-session-dirty check-all
    set manageip ''
    set gateway 0.0.0.0
    set ip 0.0.0.0 0.0.0.0
    set device ''
    set bfd disable
    set allow-subnet-overlap disable
    set deny-tcp-with-icmp disable
    set ecmp-max-paths 255
    set discovered-device-timeout 28
    set email-portal-check-dns disable
    set default-voip-alg-mode kernel-helper-based
    set gui-icap disable
    set gui-implicit-policy enable
    set gui-voip-profile enable
    set gui-ap-profile enable
    set ike-session-resume disable
    set ike-port 500
    set block-land-attack disable
    set default-app-port-as-service enable
    set sip-expectation disable
    set sip-nat-trace enable
    set h323-direct-model disable
    set status enable
    set sip-tcp-port 5060
    set sip-udp-port 5060
    set sip-ssl-port 5061
    set sccp-port 2000
    set multicast-forward enable
    set asymroute disable
    set strict-src-check disable
    set v4-ecmp-mode source-ip-based
    set compliance-check enable
    set auxiliary-session disable
    set central-nat disable
    set inspection-mode flow
    set location-id 0.0.0.0
end`;

const HELPER_ENTRIES: Array<[string, number, number]> = [
  ['pptp', 6, 1723], ['h323', 6, 1720], ['ras', 17, 1719], ['tns', 6, 1521], ['tftp', 17, 69], ['rtsp', 6, 554], ['rtsp', 6, 7070],
  ['rtsp', 6, 8554], ['ftp', 6, 21], ['mms', 6, 1863], ['pmap', 6, 111], ['pmap', 17, 111], ['sip', 17, 5060], ['dns-udp', 17, 53],
  ['rsh', 6, 514], ['rsh', 6, 512], ['dcerpc', 6, 135], ['dcerpc', 17, 135], ['mgcp', 17, 2427], ['mgcp', 17, 2727],
];

export function helperEntry(id: number, mark = ''): string[] {
  const [name, protocol, port] = HELPER_ENTRIES[id - 1];
  return [`    edit ${id}`, `        set name ${name}${mark}`, `        set protocol ${protocol}`, `        set port ${port}`, '    next'];
}

const HELPERS = ['config system session-helper', ...HELPER_ENTRIES.flatMap((_, k) => helperEntry(k + 1)), 'end'].join('\n');

export const POLICY_3 = `    edit 3
        set name "LAN-to-WAN"
        set uuid 0f6c2a5e-7a1b-51ee-8a3f-4a0c11d2e003
        set srcintf "internal"
        set dstintf "wan1"
        set action accept
        set srcaddr "LAN-10.10.10.0"
        set dstaddr "all"
        set schedule "always"
        set service "HTTP" "HTTPS" "DNS"
        set utm-status enable
        set ssl-ssh-profile "certificate-inspection"
        set av-profile "default"
        set nat enable
    next`;

export const POLICY_12 = `    edit 12
        set name "Phones-to-ITSP"
        set uuid 0f6c2a5e-7a1b-51ee-8a3f-4a0c11d2e012
        set srcintf "voice"
        set dstintf "wan1"
        set action accept
        set srcaddr "VOICE-192.168.1.0"
        set dstaddr "ITSP-198.51.100.0"
        set schedule "always"
        set service "SIP"
        set logtraffic all
        set nat enable
    next`;

const POLICIES = ['config firewall policy', POLICY_3, POLICY_12, 'end'].join('\n');

const VOIP = `config voip profile
    edit "default"
        set feature-set voipd
        set comment "Default VoIP profile."
        config sip
            set status enable
            set rtp enable
            set nat-port-range 5117-65533
            set open-register-pinhole enable
            set open-contact-pinhole enable
            set strict-register enable
            set register-rate 0
            set invite-rate 0
            set max-dialogs 0
            set max-line-length 998
            set block-long-lines enable
            set block-unknown enable
            set nat-trace enable
            set hosted-nat-traversal disable
        end
    next
end`;

const SIP_STATUS = `dialogs: max=131072, used=1
mappings: used=2
dialog hash by ID: size=8192, used=1, depth=1
dialog hash by RTP: size=8192, used=1, depth=1
mapping hash: size=8192, used=2, depth=1
count0: 0
count1: 0
count2: 0
count3: 0
count4: 0`;

export const SETTINGS_COMMAND = 'show full-configuration system settings';

/** The reference session, LF line ends, nothing a terminal added. */
export function clean(): string {
  return [
    `${P}get system status`,
    STATUS,
    `${P}${SETTINGS_COMMAND}`,
    SETTINGS_FULL,
    `${P}show system session-helper`,
    HELPERS,
    `${P}show firewall policy`,
    POLICIES,
    `${P}show full-configuration voip profile`,
    VOIP,
    `${P}diagnose sys sip status`,
    SIP_STATUS,
    `${P}diagnose debug disable`,
    `${P}diagnose debug reset`,
    `${P}diagnose debug console timestamp enable`,
    `${P}diagnose debug application sip -1`,
    `${P}diagnose debug enable`,
    ...captureLines(),
    `${P}diagnose debug disable`,
    `${P}diagnose debug reset`,
    `${P}diagnose sys sip status`,
    SIP_STATUS,
    `${P}exit`,
    '',
  ].join('\n');
}

// ------------------------------------------------------------------ transformations

type Random = () => number;

function lines(text: string): string[] {
  return text.split('\n');
}

function debugRange(ls: string[]): { enable: number; disable: number } {
  const enable = ls.indexOf(`${P}diagnose debug enable`);
  const disable = ls.indexOf(`${P}diagnose debug disable`, enable);
  return { enable, disable };
}

/**
 * The debug stream starts on the idle prompt's line after `diagnose debug enable`; where the user pressed Enter
 * while it scrolled, a bare prompt appears and the next debug line continues on it.
 */
export function promptJoinedDebug(text: string, random: Random = () => 0.5): string {
  const ls = lines(text);
  const { enable, disable } = debugRange(ls);
  ls[enable + 1] = P + ls[enable + 1];
  for (let k = enable + 2; k < disable; k++) if (random() < 0.15 && !ls[k].startsWith(P)) ls[k] = P + ls[k];
  return ls.join('\n');
}

/** `diagnose debug disable` typed blind: echoed on a line of its own (no prompt), the prompt after it. */
export function blindDisableOwnLine(text: string): string {
  const ls = lines(text);
  const { disable } = debugRange(ls);
  ls.splice(disable, 1, 'diagnose debug disable', P.trimEnd());
  return ls.join('\n');
}

/** `diag debug disable` typed blind: its echo glued to the end of the debug line being printed. */
export function blindDisableGlued(text: string, typed = 'diag debug disable'): string {
  const ls = lines(text);
  const { disable } = debugRange(ls);
  ls[disable - 1] += typed;
  ls.splice(disable, 1, P.trimEnd());
  return ls.join('\n');
}

/** `show full-configuration system settings | grep voip`: only the matching lines. */
export function grepSettings(text: string, pattern = 'voip', flags = ''): string {
  const ls = lines(text);
  const at = ls.indexOf(`${P}${SETTINGS_COMMAND}`);
  const end = ls.indexOf('end', at);
  const re = new RegExp(pattern, flags.includes('i') ? 'i' : '');
  const kept = ls.slice(at + 2, end).filter((l) => re.test(l));
  ls.splice(at, end - at + 1, `${P}${SETTINGS_COMMAND} | grep ${flags ? `-${flags} ` : ''}${pattern}`, ...kept);
  return ls.join('\n');
}

const ANSI_BITS = ['\x1b[0m', '\x1b[K', '\x1b[1m', '\x1b[?25h', '\x1b[32m', '\x1b]0;FGT60F-BR1\x07'];

/** A `login as:` / banner preamble as PuTTY, SecureCRT or MobaXterm log it. */
export function preamble(kind: 'putty' | 'securecrt' | 'mobaxterm'): string[] {
  const common = ['login as: admin', "admin@192.0.2.1's password:", '', 'WARNING # Authorised access only. All activity is logged.', ''];
  if (kind === 'putty') return ['=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2024.05.02 10:10:22 =~=~=~=~=~=~=~=~=~=~=~=', ...common];
  if (kind === 'securecrt') return ['Session Start: 2024-05-02 10:10:22', ...common];
  return ['\x1b[0m\x1b[1m    \u2022 MobaXterm Personal Edition v23.6 \u2022\x1b[0m', '    (SSH client, X server and network tools)', '', '  \u27a4 SSH session to admin@192.0.2.1', ...common];
}

/**
 * Terminal-logger noise, per line at random: ANSI escapes, `--More--` and its redraw (`\r` + blanks + `\r`, or
 * backspaces) before output lines, a typo fixed by backspace in commands, CRLF or LF, and a logger timestamp prefix
 * (one format for the whole log, when `stamps`).
 */
export function loggerNoise(text: string, random: Random, opts: { stamps?: boolean; preamble?: 'putty' | 'securecrt' | 'mobaxterm' } = {}): string {
  const ls = lines(text);
  const out: string[] = opts.preamble ? [...preamble(opts.preamble)] : [];
  let inOutput = false;
  const last = ls.length - 1;
  ls.forEach((line, k) => {
    if (k === last && line === '') return;
    let l = line;
    const prompt = l.startsWith(P);
    if (prompt && random() < 0.3) {
      // A typo fixed with backspace: the terminal shows the fixed command.
      const cut = P.length + Math.floor(random() * (l.length - P.length));
      l = l.slice(0, cut) + 'x\b' + l.slice(cut);
    }
    if (prompt && random() < 0.4) l = ANSI_BITS[Math.floor(random() * ANSI_BITS.length)] + l;
    if (!prompt && inOutput && (l.startsWith(' ') || l.startsWith('config') || l === 'end') && random() < 0.1) {
      l = (random() < 0.5 ? ' --More-- \r          \r' : '--More--\b\b\b\b\b\b\b\b        \b\b\b\b\b\b\b\b') + l;
    }
    if (random() < 0.05) l += ANSI_BITS[1];
    if (random() < 0.1) l += '   ';
    inOutput = prompt ? /show/.test(l) : inOutput;
    out.push(l);
  });
  const secs = (k: number) => String(2 + Math.floor(k / 20)).padStart(2, '0');
  const body = out.map((l, k) => (opts.stamps ? `[2024-05-02 10:10:${secs(k)}] ${l}` : l));
  return body.map((l) => l + (random() < 0.5 ? '\r\n' : '\n')).join('');
}
