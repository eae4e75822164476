import type { PortRange, PolicyFacts, VdomFacts } from './facts';

/**
 * Which ports a policy's services carry (R7). Predefined services are FortiOS factory objects; custom
 * services are resolved from `show firewall service custom` when present, else guessed by name (and said so).
 */

const TCP = 6;
const UDP = 17;
const ANY: PortRange[] = [
  { proto: TCP, low: 1, high: 65535 },
  { proto: UDP, low: 1, high: 65535 },
];

/** FortiOS predefined services relevant here; `SIP` is UDP 5060 only (factory `firewall service custom`). */
const PREDEFINED: Record<string, PortRange[]> = {
  ALL: ANY,
  ALL_TCP: [ANY[0]],
  ALL_UDP: [ANY[1]],
  SIP: [{ proto: UDP, low: 5060, high: 5060 }],
};

/** Predefined services that never carry SIP (so they are not "unresolved"). */
const NOT_SIP = new Set([
  'HTTP', 'HTTPS', 'DNS', 'PING', 'ALL_ICMP', 'ALL_ICMP6', 'SSH', 'TELNET', 'FTP', 'SMTP', 'SMTPS', 'POP3', 'POP3S',
  'IMAP', 'IMAPS', 'NTP', 'SNMP', 'SYSLOG', 'LDAP', 'RDP', 'SAMBA', 'SMB', 'KERBEROS', 'DHCP', 'TRACEROUTE',
  'Web Access', 'Email Access', 'Windows AD', 'Exchange Server', 'AOL', 'BGP', 'GRE', 'ESP', 'AH', 'IKE',
]);

/** Names that suggest SIP when a custom service cannot be resolved. */
export const SIP_NAME = /sip|voip|voice|pbx|trunk|phone|telephon/i;

export interface PolicyPorts {
  /** Null: any port (service ALL or equivalent). */
  ranges: PortRange[] | null;
  /** Custom services resolved by name only: quoted in notes. */
  guessed: string[];
}

export function policyPorts(policy: PolicyFacts, vdom: VdomFacts): PolicyPorts {
  const ranges: PortRange[] = [];
  const guessed: string[] = [];
  // A policy without a service line cannot be saved; treat it as unknown → by name nothing, so not SIP.
  for (const name of policy.services) {
    if (name === 'ALL') return { ranges: null, guessed: [] };
    const custom = vdom.customServices?.[name];
    if (custom) ranges.push(...custom);
    else if (PREDEFINED[name]) ranges.push(...PREDEFINED[name]);
    else if (NOT_SIP.has(name)) continue;
    else {
      guessed.push(name);
      if (SIP_NAME.test(name)) ranges.push({ proto: UDP, low: 5060, high: 5060 }, { proto: TCP, low: 5060, high: 5061 });
    }
  }
  if (ranges.some((r) => r.low <= 1 && r.high >= 65535)) {
    const protos = new Set(ranges.filter((r) => r.low <= 1 && r.high >= 65535).map((r) => r.proto));
    if (protos.has(TCP) && protos.has(UDP)) return { ranges: null, guessed };
  }
  return { ranges, guessed };
}

export function covers(ranges: PortRange[] | null, proto: number, port: number): boolean {
  if (ranges === null) return true;
  return ranges.some((r) => r.proto === proto && r.low <= port && port <= r.high);
}

/** A policy can carry SIP if any of its ranges touches the SIP ports the ALG or a helper watches, or the port under test. */
export function carriesSip(p: PolicyPorts, sipPorts: Array<{ proto: number; port: number }>): boolean {
  if (p.ranges === null) return true;
  return sipPorts.some((s) => covers(p.ranges, s.proto, s.port));
}

export const PROTO = { TCP, UDP } as const;
