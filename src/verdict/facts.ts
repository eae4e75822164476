import { COMMANDS, DEFAULTS } from '../fortios/cli';
import { parseConfig, parseGetTable, settingOf, settingValues, type ConfigNode, type ConfigTable } from '../fortios/configParser';
import {
  parseBackupHeader,
  parseDebugFlow,
  parseInterfaceVdoms,
  parseSessionList,
  parseSipHelperStatus,
  parseSipProxyCalls,
  parseSipProxyStats,
  parseSystemStatus,
  parseVdList,
  type BackupHeader,
  type DebugFlowEvidence,
  type SessionList,
  type SipHelperStatus,
  type SipProxyCalls,
  type SipProxyStats,
  type SystemStatus,
  type VdListEntry,
} from '../fortios/parsers';
import { filterKeeps, filterKeepsSetting, parseShowCommand, reframe, showsWholeBlocks, stripMatchMarks, type ShowCommand } from '../fortios/showCommand';
import { normaliseCommand } from '../fortios/transcript';
import type { CommandResult } from '../fortios/types';
import { policiesText } from './policyIds';
import type { Evidence, SessionHelperEntry } from './types';

/**
 * Facts the verdict reads, extracted from command results (pure). Per VDOM: settings, policies, VoIP
 * profiles, custom services and runtime evidence; global: the session-helper table (docs/domain.md "Multi-VDOM").
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

/** `config system session-ttl` (per VDOM; KB 191228): the default TTL and the per-port entries. */
export interface SessionTtlFacts {
  /** `set default N` (3600 s when not printed: TCP and SCTP sessions without a port entry). */
  defaultTtl?: number;
  ports: Array<{ id: string; protocol: number; low: number; high: number; timeout: number }>;
  source: string;
}

/** The session timers a custom service sets (`config firewall service custom`; KB 191228 points 3 and 4). */
export interface ServiceTimers {
  sessionTtl?: number;
  udpIdleTimer?: number;
}

/** `config system global` (global scope): what the checks read from it. */
export interface SystemGlobalFacts {
  hostname?: string;
  /** `set udp-idle-timer N`; undefined when not printed (plain `show` omits the default, 180 s). */
  udpIdleTimer?: number;
  /** Whether the output could have shown a non-default `udp-idle-timer` (a filter may have hidden it). */
  udpIdleTimerKnown: boolean;
  source: string;
}

export interface VdomFacts {
  name: string;
  settings?: SystemSettingsFacts;
  policies?: PolicyFacts[];
  voipProfiles?: Record<string, VoipProfileFacts>;
  /** Custom services, when `show firewall service custom` was in the transcript. */
  customServices?: Record<string, PortRange[]>;
  /** Session timers of the custom services that set one (`session-ttl`, `udp-idle-timer`). */
  serviceTimers?: Record<string, ServiceTimers>;
  /** `config system session-ttl`, when read. */
  sessionTtl?: SessionTtlFacts;
  evidence: RuntimeEvidence;
  /**
   * Set when only some policies were printed (`show firewall policy 12`, a `| grep` filter): the commands that
   * printed them. The verdict covers the policies seen and says the others were not.
   */
  policiesSubset?: string[];
  /** What the transcript's config outputs say beyond the facts: defaults read as defaults, filtered settings. */
  configEvidence?: Evidence[];
  /** Why a fact is unknown or assumed (filtered output, a subset). */
  readNotes?: string[];
}

export interface Facts {
  status?: SystemStatus;
  /** The header of a configuration backup in the input (`#config-version=...`): model and version. */
  backup?: BackupHeader;
  /** `config system global`, when read (`show system global`, a backup). */
  systemGlobal?: SystemGlobalFacts;
  /** `show system session-helper` (global); undefined when not read. */
  sessionHelpers?: SessionHelperEntry[];
  /** Set when only some helper entries were printed (`show system session-helper 13`, a filter): the `sip` entry may be elsewhere. */
  sessionHelpersSubset?: string;
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

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function readServiceTimers(table: ConfigTable): Record<string, ServiceTimers> {
  const timers: Record<string, ServiceTimers> = {};
  for (const e of table.entries) {
    const t: ServiceTimers = {};
    const ttl = positive(settingOf(e.node, 'session-ttl'));
    const udp = positive(settingOf(e.node, 'udp-idle-timer'));
    if (ttl !== undefined) t.sessionTtl = ttl;
    if (udp !== undefined) t.udpIdleTimer = udp;
    if (ttl !== undefined || udp !== undefined) timers[e.key] = t;
  }
  return timers;
}

/** `config system session-ttl`: `set default N` and `config port` entries (`protocol`, `start-port`, `end-port`, `timeout`). */
function readSessionTtl(table: ConfigTable, source: string): SessionTtlFacts {
  const facts: SessionTtlFacts = { ports: [], source };
  const def = positive(settingOf(table, 'default'));
  if (def !== undefined) facts.defaultTtl = def;
  for (const e of table.tables['port']?.entries ?? []) {
    const protocol = Number(settingOf(e.node, 'protocol') ?? '0');
    const low = Number(settingOf(e.node, 'start-port') ?? '0');
    const high = Number(settingOf(e.node, 'end-port') ?? String(low));
    // `timeout never` exists on some releases: no idle expiry at all.
    const raw = settingOf(e.node, 'timeout') ?? '300';
    const timeout = raw === 'never' ? Number.POSITIVE_INFINITY : Number(raw);
    if (Number.isInteger(protocol) && Number.isInteger(low) && Number.isInteger(high) && (Number.isInteger(timeout) || timeout === Number.POSITIVE_INFINITY)) {
      facts.ports.push({ id: e.key, protocol, low, high: Math.max(low, high), timeout });
    }
  }
  return facts;
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
    if (/^get system settings(?: ?\|.*)?$/.test(command)) {
      // Prints every setting with its value: read like `show full-configuration system settings`, filter included.
      const table = parseGetTable(r.output);
      const show = parseShowCommand(r.command.replace(/^get\b/, 'show full-configuration'));
      if (Object.keys(table.settings).length) mergeSettings(vdom(r.context), table, r, show);
      else if (show?.filter) note(vdom(r.context), `\`${r.command}\` printed no setting (the filter matched nothing): \`default-voip-alg-mode\` is unknown, not the default.`);
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
  // Without `get system status`, the backup header's release stands in for it (numbers only: `status.version` stays
  // the status line's text), so every reader of `facts.status` (the rules, the remediation) uses the same release.
  const b = facts.backup;
  if (b && facts.status?.versionMajor === undefined) {
    facts.status = { ...facts.status, versionMajor: b.versionMajor, versionMinor: b.versionMinor, versionPatch: b.versionPatch, build: b.build };
  }
  // VDOMs that only carried evidence from the global context are kept; a single-VDOM unit has `root` only.
  return facts;
}

function note(v: VdomFacts, text: string): void {
  const notes = (v.readNotes ??= []);
  if (!notes.includes(text)) notes.push(text);
}

const SETTING_PORTS: Array<[key: string, fact: 'sipTcpPorts' | 'sipUdpPorts' | 'sipSslPorts', def: number]> = [
  ['sip-tcp-port', 'sipTcpPorts', DEFAULTS.sipTcpPort],
  ['sip-udp-port', 'sipUdpPorts', DEFAULTS.sipUdpPort],
  ['sip-ssl-port', 'sipSslPorts', DEFAULTS.sipSslPort],
];

/**
 * `config system settings` from one `show`. Absent settings are the documented defaults when the output could have
 * shown them (plain `show` omits defaults); behind a `| grep` that would have hidden them they are unknown: an
 * unknown `default-voip-alg-mode` leaves the settings unread, unknown ports keep what an earlier reading said or
 * the defaults, with a note. Shown lines of a filtered or plain output are quoted as evidence.
 */
function mergeSettings(v: VdomFacts, table: ConfigTable, r: CommandResult, show: ShowCommand | null): void {
  const filter = show?.filter;
  const visible = (key: string) => !filter || filterKeepsSetting(filter, key);
  const fresh = readSettings(table, r.command);
  const prev = v.settings;
  const mode = settingOf(table, 'default-voip-alg-mode');
  const evidence = (v.configEvidence ??= []);
  // Quoted as printed: `set KEY VALUE` by `show`, `KEY: VALUE` by `get`.
  const quote = (key: string, values: string) => (r.command.startsWith('get ') ? `${key}: ${values}` : `set ${key} ${values}`);
  if (!filter) {
    v.settings = fresh;
    if (mode === undefined) evidence.push({ source: r.command, text: `default-voip-alg-mode not set: default ${DEFAULTS.defaultVoipAlgMode}` });
    return;
  }
  const next: SystemSettingsFacts = prev ? { ...prev, source: r.command } : fresh;
  if (mode !== undefined) {
    next.defaultVoipAlgMode = mode;
    next.defaultVoipAlgModeShown = true;
    evidence.push({ source: r.command, text: quote('default-voip-alg-mode', mode) });
  } else if (visible('default-voip-alg-mode')) {
    next.defaultVoipAlgMode = DEFAULTS.defaultVoipAlgMode;
    next.defaultVoipAlgModeShown = false;
    evidence.push({ source: r.command, text: `default-voip-alg-mode not set: default ${DEFAULTS.defaultVoipAlgMode}` });
  } else if (!prev) {
    note(v, `\`${r.command}\` does not show \`default-voip-alg-mode\` (the filter hides it): it is unknown, not the default.`);
    return;
  }
  const assumed: string[] = [];
  for (const [key, fact, def] of SETTING_PORTS) {
    const shown = settingValues(table, key);
    if (shown.length) {
      next[fact] = fresh[fact];
      evidence.push({ source: r.command, text: quote(key, shown.join(' ')) });
    } else if (visible(key)) next[fact] = [def];
    else if (!prev) assumed.push(`${key} ${def}`);
  }
  const ngfw = settingOf(table, 'ngfw-mode');
  if (ngfw) next.ngfwMode = ngfw;
  if (assumed.length) note(v, `\`${r.command}\` does not show ${assumed.map((a) => `\`${a.split(' ')[0]}\``).join(', ')}: taken as the default${assumed.length > 1 ? 's' : ''} (${assumed.join(', ')}); \`show full-configuration system settings\` would show ${assumed.length > 1 ? 'them' : 'it'}.`);
  v.settings = next;
}

/** Replaces by key what an earlier reading said about the same entries (several subset outputs add up). */
function mergeById<T extends { id: number }>(prev: T[] | undefined, fresh: T[]): T[] {
  const byId = new Map<number, T>((prev ?? []).map((p) => [p.id, p]));
  for (const f of fresh) byId.set(f.id, f);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function readShow(r: CommandResult, command: string, facts: Facts, vdom: (c: string | null) => VdomFacts): void {
  const show = parseShowCommand(r.command);
  const filter = show?.filter;
  // `grep -f` shows whole entries when it printed unmarked lines around its matches; a plain grep never does.
  const wholeEntries = !filter || (filter.block && showsWholeBlocks(r.output));
  const text = filter && show ? reframe(show, stripMatchMarks(r.output)) : r.output;
  if (r.output.startsWith('#config-version=')) {
    const header = parseBackupHeader(r.output);
    if (header) facts.backup = header;
  }
  const parsed = parseConfig(text);
  facts.garbageLines += parsed.garbageLines;
  const subset = show !== null && (show.keys.length > 0 || filter !== undefined);
  readBlocks(parsed.root, r, r.context, command, show, subset, wholeEntries, facts, vdom);
  // A whole configuration (a backup, `show` at the top of a multi-VDOM unit) nests the VDOMs' blocks under
  // `config vdom` / `edit NAME` and the global ones under `config global`.
  for (const e of parsed.root.tables['vdom']?.entries ?? []) readBlocks(e.node, r, e.key, command, show, subset, wholeEntries, facts, vdom);
  const global = parsed.root.tables['global'];
  if (global) readBlocks(global, r, 'global', command, show, subset, wholeEntries, facts, vdom);
}

function readBlocks(
  root: ConfigNode,
  r: CommandResult,
  context: string | null,
  command: string,
  show: ShowCommand | null,
  subset: boolean,
  wholeEntries: boolean,
  facts: Facts,
  vdomOf: (c: string | null) => VdomFacts,
): void {
  const filter = show?.filter;
  const vdom = (c: string | null) => vdomOf(context ?? c);
  if (context !== r.context && context !== null && context !== 'global') facts.multiVdom = true;

  const settings = root.tables['system settings'];
  if (settings) mergeSettings(vdom(r.context), settings, r, show);
  else if (show?.path === 'system settings' && filter && !vdom(r.context).settings) {
    note(vdom(r.context), `\`${r.command}\` printed no setting (the filter matched nothing): \`default-voip-alg-mode\` is unknown, not the default.`);
  }

  const helpers = root.tables['system session-helper'];
  if (helpers) {
    const fresh = wholeEntries ? readHelpers(helpers) : [];
    // A filter that keeps every `set name sip` line printed every `sip` entry: enough for the verdict.
    const allSip = !show?.keys.length && (!filter || (wholeEntries && filterKeeps(filter, '    set name sip')));
    if (subset && !allSip) {
      facts.sessionHelpers = mergeById(facts.sessionHelpers, fresh);
      facts.sessionHelpersSubset ??= r.command;
    } else {
      facts.sessionHelpers = fresh;
      delete facts.sessionHelpersSubset;
    }
  }

  const policies = root.tables['firewall policy'];
  if (policies) {
    const v = vdom(r.context);
    let fresh = readPolicies(policies);
    if (!policies.entries.length && Object.keys(policies.settings).length) {
      note(v, `\`${r.command}\` shows matching lines without the policy they belong to: no policy read from it (\`grep -f\` shows the whole policy).`);
    }
    if (!wholeEntries) {
      // Only matching lines: a policy whose `action` line was filtered out cannot be judged.
      const judged = new Set(policies.entries.filter((e) => settingOf(e.node, 'action') !== undefined).map((e) => Number(e.key)));
      const partial = fresh.filter((p) => !judged.has(p.id)).map((p) => p.id);
      if (partial.length) note(v, `\`${r.command}\` shows only some lines of ${policiesText(partial)}: not judged from it (\`show firewall policy ${partial.join(' ')}\` shows ${partial.length > 1 ? 'them' : 'it'} whole).`);
      fresh = fresh.filter((p) => judged.has(p.id));
    }
    if (subset) {
      v.policies = mergeById(v.policies, fresh);
      if (!v.policiesSubset || v.policiesSubset.length < 8) (v.policiesSubset ??= []).push(r.command);
    } else {
      v.policies = fresh;
      delete v.policiesSubset;
    }
  } else if (/^show (full-configuration )?firewall policy$/.test(command) && r.output.trim() === '') {
    vdom(r.context).policies = []; // no policy at all
    delete vdom(r.context).policiesSubset;
  } else if (show?.path === 'firewall policy' && subset) {
    const v = vdom(r.context);
    v.policies ??= [];
    (v.policiesSubset ??= []).push(r.command);
  }

  const profiles = root.tables['voip profile'];
  if (profiles && wholeEntries) {
    const v = vdom(r.context);
    v.voipProfiles = subset || v.voipProfiles ? { ...(v.voipProfiles ?? {}), ...readProfiles(profiles) } : readProfiles(profiles);
  } else if (profiles) {
    note(vdom(r.context), `\`${r.command}\` shows only matching lines of the VoIP profiles: not read from it.`);
  }
  const services = root.tables['firewall service custom'];
  if (services && wholeEntries) {
    const v = vdom(r.context);
    v.customServices = { ...(v.customServices ?? {}), ...readServices(services) };
    v.serviceTimers = { ...(v.serviceTimers ?? {}), ...readServiceTimers(services) };
  }
  const ttl = root.tables['system session-ttl'];
  if (ttl && wholeEntries) vdom(r.context).sessionTtl = readSessionTtl(ttl, r.command);
  const global = root.tables['system global'];
  if (global) {
    const udp = positive(settingOf(global, 'udp-idle-timer'));
    const known = udp !== undefined || !filter || filterKeepsSetting(filter, 'udp-idle-timer');
    const g: SystemGlobalFacts = { udpIdleTimerKnown: known, source: r.command };
    const hostname = settingOf(global, 'hostname');
    if (hostname) g.hostname = hostname;
    if (udp !== undefined) g.udpIdleTimer = udp;
    facts.systemGlobal = g;
  }
  if (root.tables['system interface']) facts.interfaceVdoms = parseInterfaceVdoms(r.output);
}

/** Where the FortiOS version the rules use came from. */
export type VersionSource = 'get system status' | 'backup header' | 'unknown';

export interface FortiosVersion {
  major?: number;
  minor?: number;
  patch?: number;
  build?: number;
  /** The platform: `get system status`'s `FortiGate-VM64`, or the backup header's short code (`FGVMK6`). */
  model?: string;
  source: VersionSource;
  /** Set when a backup header and `get system status` name different releases: the status wins (it is live). */
  disagreement?: string;
}

/**
 * The version the version-dependent rules read (R1/R3 on 7.0/7.2, `ips-voip-filter` on 7.4+): `get system status`
 * when it printed one (what runs now), else the backup header (what wrote the backup), else unknown.
 */
export function fortiosVersion(facts: Facts): FortiosVersion {
  const s = facts.status;
  const b = facts.backup;
  // `status.version` is the text `get system status` printed; without it the numbers came from the backup header.
  if (s?.version !== undefined && s.versionMajor !== undefined) {
    const v: FortiosVersion = { major: s.versionMajor, minor: s.versionMinor, patch: s.versionPatch, build: s.build, source: 'get system status' };
    const model = /^(\S{1,40}) v\d/.exec(s.version ?? '');
    if (model) v.model = model[1];
    if (b && (b.versionMajor !== s.versionMajor || b.versionMinor !== s.versionMinor || b.versionPatch !== s.versionPatch)) {
      v.disagreement = `The backup header says ${b.versionMajor}.${b.versionMinor}.${b.versionPatch} (\`${b.line}\`) and \`${COMMANDS.systemStatus}\` says ${s.versionMajor}.${s.versionMinor}.${s.versionPatch}: the rules follow the running release; the backup was written by another one.`;
    }
    return v;
  }
  if (b) return { major: b.versionMajor, minor: b.versionMinor, patch: b.versionPatch, build: b.build, model: b.model, source: 'backup header' };
  return { source: 'unknown' };
}
