import { COMMANDS, DEFAULTS } from '../fortios/cli';
import { parseConfig, settingOf, settingValues, type ConfigNode, type ConfigTable } from '../fortios/configParser';
import {
  parseDebugFlow,
  parseInterfaceVdoms,
  parseSessionList,
  parseSipHelperStatus,
  parseSipProxyCalls,
  parseSipProxyStats,
  parseSystemStatus,
  parseVdList,
  type DebugFlowEvidence,
  type SessionList,
  type SipHelperStatus,
  type SipProxyCalls,
  type SipProxyStats,
  type SystemStatus,
  type VdListEntry,
} from '../fortios/parsers';
import { normaliseCommand } from '../fortios/transcript';
import type { CommandResult } from '../fortigate/types';
import type { SessionHelperEntry } from './types';

/**
 * Facts the verdict reads, extracted from command results (pure). Per VDOM: settings, policies, VoIP
 * profiles, custom services and runtime evidence; global: the session-helper table (DOMAIN.md "Multi-VDOM").
 */

export interface PortRange {
  /** 6 TCP, 17 UDP. */
  proto: number;
  low: number;
  high: number;
}

export interface SystemSettingsFacts {
  defaultVoipAlgMode: string;
  /** False when plain `show` omitted the line (factory default). */
  defaultVoipAlgModeShown: boolean;
  sipTcpPorts: number[];
  sipUdpPorts: number[];
  sipSslPorts: number[];
  /** `profile-based` (default) or `policy-based` (NGFW policy mode, R6). */
  ngfwMode: string;
  /** The command the settings came from. */
  source: string;
}

export interface PolicyFacts {
  id: number;
  name?: string;
  action: string;
  status: string;
  services: string[];
  voipProfile?: string;
  ipsVoipFilter?: string;
  /** `flow` (default on 6.2+) or `proxy`. */
  inspectionMode: string;
  utmStatus?: string;
}

export interface VoipProfileFacts {
  name: string;
  /** 7.0/7.2: `flow` / `proxy`; 7.4+: `voipd` / `ips`. Absent when not printed. */
  featureSet?: string;
  /** `config sip` / `set status`; absent from plain `show` means enable. */
  sipStatus: 'enable' | 'disable';
}

export interface RuntimeEvidence {
  /** Every `diagnose sys sip-proxy stats` reading, in order, with its raw output for quoting. */
  proxyStats: Array<{ stats: SipProxyStats; output: string }>;
  proxyCalls?: SipProxyCalls;
  helperStatus?: SipHelperStatus;
  sessions?: SessionList;
  /** The port of `diagnose sys session filter dport N`, when the transcript set one. */
  filterPort?: number;
  flow: DebugFlowEvidence;
  /** Non-empty lines printed after `diagnose debug enable` (the capture). */
  captureLines: number;
}

export interface VdomFacts {
  name: string;
  settings?: SystemSettingsFacts;
  policies?: PolicyFacts[];
  voipProfiles?: Record<string, VoipProfileFacts>;
  /** Custom services, when `show firewall service custom` was in the transcript. */
  customServices?: Record<string, PortRange[]>;
  evidence: RuntimeEvidence;
}

export interface Facts {
  status?: SystemStatus;
  /** `show system session-helper` (global); undefined when not read. */
  sessionHelpers?: SessionHelperEntry[];
  vdList?: VdListEntry[];
  /** The CLI error `diagnose sys vd list` got (a restricted admin profile), when it got one. */
  vdListError?: string;
  /** VDOM names from the `set vdom` lines of `show system interface` (global), when read. */
  interfaceVdoms?: string[];
  multiVdom: boolean;
  vdoms: VdomFacts[];
  /** Lines of `show` outputs that were not config syntax. */
  garbageLines: number;
}

/** The VDOM a result belongs to: its context, or `root` at the top level of a single-VDOM unit. */
const SINGLE_VDOM = 'root';

function emptyEvidence(): RuntimeEvidence {
  return { proxyStats: [], flow: { helperRuns: [], expectationHits: [] }, captureLines: 0 };
}

function ports(values: string[]): number[] {
  return values.map(Number).filter((n) => Number.isInteger(n) && n > 0 && n < 65536);
}

function readSettings(table: ConfigTable, source: string): SystemSettingsFacts {
  const mode = settingOf(table, 'default-voip-alg-mode');
  const tcp = ports(settingValues(table, 'sip-tcp-port'));
  const udp = ports(settingValues(table, 'sip-udp-port'));
  const ssl = ports(settingValues(table, 'sip-ssl-port'));
  return {
    defaultVoipAlgMode: mode ?? DEFAULTS.defaultVoipAlgMode,
    defaultVoipAlgModeShown: mode !== undefined,
    sipTcpPorts: tcp.length ? tcp : [DEFAULTS.sipTcpPort],
    sipUdpPorts: udp.length ? udp : [DEFAULTS.sipUdpPort],
    sipSslPorts: ssl.length ? ssl : [DEFAULTS.sipSslPort],
    ngfwMode: settingOf(table, 'ngfw-mode') ?? 'profile-based',
    source,
  };
}

function readHelpers(table: ConfigTable): SessionHelperEntry[] {
  const helpers: SessionHelperEntry[] = [];
  for (const e of table.entries) {
    const id = Number(e.key);
    const protocol = Number(settingOf(e.node, 'protocol'));
    const port = Number(settingOf(e.node, 'port'));
    const name = settingOf(e.node, 'name') ?? '';
    if (Number.isInteger(id) && Number.isInteger(protocol) && Number.isInteger(port)) helpers.push({ id, name, protocol, port });
  }
  return helpers;
}

function readPolicies(table: ConfigTable): PolicyFacts[] {
  const policies: PolicyFacts[] = [];
  for (const e of table.entries) {
    const id = Number(e.key);
    if (!Number.isInteger(id)) continue;
    const n = e.node;
    const policy: PolicyFacts = {
      id,
      action: settingOf(n, 'action') ?? 'deny', // FortiOS default action is deny; plain show prints `set action accept`
      status: settingOf(n, 'status') ?? 'enable',
      services: settingValues(n, 'service'),
      inspectionMode: settingOf(n, 'inspection-mode') ?? 'flow',
    };
    const name = settingOf(n, 'name');
    if (name) policy.name = name;
    const voip = settingOf(n, 'voip-profile');
    if (voip) policy.voipProfile = voip;
    const ipsVoip = settingOf(n, 'ips-voip-filter');
    if (ipsVoip) policy.ipsVoipFilter = ipsVoip;
    const utm = settingOf(n, 'utm-status');
    if (utm) policy.utmStatus = utm;
    policies.push(policy);
  }
  return policies;
}

function readProfiles(table: ConfigTable): Record<string, VoipProfileFacts> {
  const profiles: Record<string, VoipProfileFacts> = {};
  for (const e of table.entries) {
    const sip = e.node.tables['sip'];
    // A `config sip` block absent from plain `show` holds only defaults: SIP inspection enabled.
    const status = settingOf(sip, 'status') === 'disable' ? 'disable' : 'enable';
    const profile: VoipProfileFacts = { name: e.key, sipStatus: status };
    const featureSet = settingOf(e.node, 'feature-set');
    if (featureSet) profile.featureSet = featureSet;
    profiles[e.key] = profile;
  }
  return profiles;
}

/** `5060`, `5060-5061`, `5060-5061:1024-65535` (dst[:src]) → ranges. */
function readPortRanges(values: string[], proto: number): PortRange[] {
  const out: PortRange[] = [];
  for (const v of values) {
    const dst = v.split(':')[0];
    const [lo, hi] = dst.split('-').map(Number);
    if (Number.isInteger(lo) && lo > 0) out.push({ proto, low: lo, high: Number.isInteger(hi) && hi >= lo ? hi : lo });
  }
  return out;
}

function readServices(table: ConfigTable): Record<string, PortRange[]> {
  const services: Record<string, PortRange[]> = {};
  for (const e of table.entries) {
    services[e.key] = [
      ...readPortRanges(settingValues(e.node, 'tcp-portrange'), 6),
      ...readPortRanges(settingValues(e.node, 'udp-portrange'), 17),
    ];
  }
  return services;
}

function isShow(command: string): boolean {
  return /^show\b/i.test(command);
}

/** Extracts per-VDOM facts from results; later readings of the same block replace earlier ones. */
export function readFacts(outputs: readonly CommandResult[]): Facts {
  const facts: Facts = { multiVdom: false, vdoms: [], garbageLines: 0 };
  const byName = new Map<string, VdomFacts>();
  const vdom = (context: string | null): VdomFacts => {
    const name = context && context !== 'global' ? context : SINGLE_VDOM;
    let v = byName.get(name);
    if (!v) {
      v = { name, evidence: emptyEvidence() };
      byName.set(name, v);
      facts.vdoms.push(v);
    }
    return v;
  };
  const proxyCallsCommand = normaliseCommand(COMMANDS.sipProxyCalls);

  for (const r of outputs) {
    const command = normaliseCommand(r.command).toLowerCase();
    if (r.context && r.context !== 'global') facts.multiVdom = true;
    if (r.error) {
      if (command === COMMANDS.vdList) facts.vdListError = r.error.text;
      continue;
    }
    // Debug flow lines may land in any output (asynchronous debug printing).
    const flow = parseDebugFlow(r.output);
    if (flow.helperRuns.length || flow.expectationHits.length) {
      const ev = vdom(r.context).evidence;
      ev.flow.helperRuns.push(...flow.helperRuns);
      ev.flow.expectationHits.push(...flow.expectationHits);
    }

    if (command === COMMANDS.systemStatus) {
      facts.status = parseSystemStatus(r.output);
      continue;
    }
    if (isShow(command)) {
      readShow(r, command, facts, vdom);
      continue;
    }
    if (command === COMMANDS.sipProxyStats) {
      const stats = parseSipProxyStats(r.output);
      // Sections name their VDOM (`vdom name: root`); an unnamed section belongs to the context.
      for (const name of Object.keys(stats.vdoms)) {
        const target = name ? vdom(name) : vdom(r.context);
        target.evidence.proxyStats.push({ stats: { vdoms: { [target.name]: stats.vdoms[name] } }, output: r.output });
      }
      continue;
    }
    if (command === proxyCallsCommand) {
      vdom(r.context).evidence.proxyCalls = parseSipProxyCalls(r.output);
      continue;
    }
    if (command === COMMANDS.sipHelperStatus) {
      vdom(r.context).evidence.helperStatus = parseSipHelperStatus(r.output);
      continue;
    }
    if (command === COMMANDS.sessionList) {
      vdom(r.context).evidence.sessions = parseSessionList(r.output);
      continue;
    }
    const dport = /^diagnose sys session filter dport (\d{1,5})$/.exec(command);
    if (dport) {
      vdom(r.context).evidence.filterPort = Number(dport[1]);
      continue;
    }
    if (command === COMMANDS.vdList) {
      facts.vdList = parseVdList(r.output);
      continue;
    }
    if (command === COMMANDS.debugEnable) {
      vdom(r.context).evidence.captureLines += r.output.split('\n').filter((l) => l.trim() !== '').length;
    }
  }
  if (facts.status?.vdomMode && facts.status.vdomMode !== 'disable') facts.multiVdom = true;
  // VDOMs that only carried evidence from the global context are kept; a single-VDOM unit has `root` only.
  return facts;
}

function readShow(r: CommandResult, command: string, facts: Facts, vdom: (c: string | null) => VdomFacts): void {
  const parsed = parseConfig(r.output);
  facts.garbageLines += parsed.garbageLines;
  const root: ConfigNode = parsed.root;
  const settings = root.tables['system settings'];
  if (settings) vdom(r.context).settings = readSettings(settings, r.command);
  const helpers = root.tables['system session-helper'];
  if (helpers) facts.sessionHelpers = readHelpers(helpers);
  const policies = root.tables['firewall policy'];
  if (policies) vdom(r.context).policies = readPolicies(policies);
  else if (/^show (full-configuration )?firewall policy$/.test(command) && r.output.trim() === '') vdom(r.context).policies = []; // no policy at all
  const profiles = root.tables['voip profile'];
  if (profiles) vdom(r.context).voipProfiles = readProfiles(profiles);
  if (root.tables['system interface']) facts.interfaceVdoms = parseInterfaceVdoms(r.output);
  const services = root.tables['firewall service custom'];
  if (services) vdom(r.context).customServices = readServices(services);
}
