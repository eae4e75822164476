import type { VdomMode } from './cli';
import { parseConfig, settingValues } from './configParser';

/**
 * Parsers of FortiOS `get` / `diagnose` outputs read by the verdict. Pure, line by line, linear-time
 * regexes only (anchored, no nested quantifiers): the device may be hostile or broken. Unknown lines are
 * skipped. Shapes: docs/domain.md "Runtime evidence" and "Line shapes seen in public output"; KB 190757.
 */

/** Bounds for anything that grows with the output. */
const MAX_ITEMS = 10_000;
/** Lines longer than this are cut before matching (a debug hex dump can be huge). */
const MAX_LINE = 4096;

function lines(output: string): string[] {
  return output.split(/\r?\n/).map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l));
}

// ---------------------------------------------------------------- get system status

export interface SystemStatus {
  hostname?: string;
  /** As printed after `Version:`, e.g. `FortiGate-VM64 v7.4.3,build2573,240201 (GA.F)`. */
  version?: string;
  versionMajor?: number;
  versionMinor?: number;
  versionPatch?: number;
  build?: number;
  vdomMode?: VdomMode;
  /** `Virtual domains status: N in NAT mode, M in TP mode`: N + M, the VDOMs the unit has. */
  vdomCount?: number;
  currentVdom?: string;
  operationMode?: 'NAT' | 'Transparent';
  /** `profile-based` / `policy-based` when the unit prints it. */
  ngfwMode?: string;
}

const VDOM_MODES: readonly VdomMode[] = ['disable', 'enable', 'multiple', 'split-task'];

export function parseSystemStatus(output: string): SystemStatus {
  const status: SystemStatus = {};
  for (const raw of lines(output)) {
    const idx = raw.indexOf(':');
    if (idx <= 0) continue;
    const key = raw.slice(0, idx).trim().toLowerCase();
    const value = raw.slice(idx + 1).trim();
    switch (key) {
      case 'version': {
        status.version = value;
        const m = /\bv(\d{1,3})\.(\d{1,3})\.(\d{1,4})\b/.exec(value);
        if (m) {
          status.versionMajor = Number(m[1]);
          status.versionMinor = Number(m[2]);
          status.versionPatch = Number(m[3]);
        }
        const b = /\bbuild(\d{1,6})\b/.exec(value);
        if (b) status.build = Number(b[1]);
        break;
      }
      case 'hostname':
        status.hostname = value;
        break;
      case 'virtual domain configuration': {
        const mode = value.toLowerCase() as VdomMode;
        if (VDOM_MODES.includes(mode)) status.vdomMode = mode;
        break;
      }
      case 'virtual domains status': {
        const m = /^(\d{1,5}) in NAT mode(?:,\s*(\d{1,5}) in TP mode)?/i.exec(value);
        if (m) status.vdomCount = Number(m[1]) + Number(m[2] ?? 0);
        break;
      }
      case 'current virtual domain':
        status.currentVdom = value;
        break;
      case 'operation mode':
      case 'current operation mode': {
        const v = value.toLowerCase();
        if (v.startsWith('nat')) status.operationMode = 'NAT';
        else if (v.startsWith('transparent')) status.operationMode = 'Transparent';
        break;
      }
      case 'ngfw mode':
      case 'ngfw-mode':
        status.ngfwMode = value;
        break;
    }
  }
  return status;
}

// ---------------------------------------------------------------- configuration backup header

/**
 * The header FortiOS writes at the top of a configuration backup (`execute backup config`, the GUI's backup):
 * `#config-version=FGVMK6-6.2.0-FW-build0866-190328:opmode=0:vdom=0:user=admin` (model, version, build, build date,
 * then `key=value` fields), `#conf_file_ver=N`, `#buildno=0866`, `#global_vdom=1`. The model is the short platform
 * code (`FGVMK6` a KVM VM, `FGT60F`, `FG100F`), not the marketing name `get system status` prints.
 */
export interface BackupHeader {
  /** The `#config-version=` line as written. */
  line: string;
  model: string;
  versionMajor: number;
  versionMinor: number;
  versionPatch: number;
  build: number;
  /** `YYMMDD` of the build, as written. */
  buildDate?: string;
  /** `opmode=0` NAT, `1` transparent. */
  operationMode?: 'NAT' | 'Transparent';
  /** `vdom=0` single VDOM, `1` VDOMs enabled. */
  vdomsEnabled?: boolean;
  user?: string;
  /** `#global_vdom=1`: the backup holds the global scope (a whole-unit backup, not one VDOM's). */
  globalVdom?: boolean;
}

const CONFIG_VERSION = /^#config-version=([A-Za-z0-9_]{2,24})-(\d{1,2})\.(\d{1,2})\.(\d{1,3})-[A-Z]{1,4}-build(\d{1,6})(?:-(\d{6}))?((?::[a-z_]{1,24}=[^:\s]{0,64}){0,12})$/;

/** Reads the header lines of a backup (before the first `config` line); undefined when there is no `#config-version=`. */
export function parseBackupHeader(output: string): BackupHeader | undefined {
  let header: BackupHeader | undefined;
  for (const raw of lines(output).slice(0, 20)) {
    const line = raw.trim();
    if (!line.startsWith('#')) {
      if (line === '') continue;
      break;
    }
    const m = CONFIG_VERSION.exec(line);
    if (m) {
      header = { line, model: m[1], versionMajor: Number(m[2]), versionMinor: Number(m[3]), versionPatch: Number(m[4]), build: Number(m[5]) };
      if (m[6]) header.buildDate = m[6];
      for (const field of m[7].split(':').slice(1)) {
        const [key, value] = field.split('=');
        if (key === 'opmode' && (value === '0' || value === '1')) header.operationMode = value === '0' ? 'NAT' : 'Transparent';
        else if (key === 'vdom' && (value === '0' || value === '1')) header.vdomsEnabled = value === '1';
        else if (key === 'user' && value) header.user = value;
      }
      continue;
    }
    if (!header) continue;
    const build = /^#buildno=(\d{1,6})$/.exec(line);
    if (build) header.build = Number(build[1]);
    const global = /^#global_vdom=([01])$/.exec(line);
    if (global) header.globalVdom = global[1] === '1';
  }
  return header;
}

// ---------------------------------------------------------------- diagnose sys vd list

export interface VdListEntry {
  name: string;
  index?: number;
  /** `sip_helper=N` (KB 190757 lists it among per-VDOM flags). */
  sipHelper?: number;
  sipNatTrace?: number;
}

/** Internal VDOMs FortiOS lists but nobody configures. */
const INTERNAL_VDOMS = new Set(['vsys_ha', 'vsys_fgfm', 'vsys_hamgmt']);

export function isInternalVdom(name: string): boolean {
  return INTERNAL_VDOMS.has(name);
}

export function parseVdList(output: string): VdListEntry[] {
  const entries: VdListEntry[] = [];
  let current: VdListEntry | undefined;
  for (const line of lines(output)) {
    const m = /^\s*name=([^\s/]{1,64})(?=[/\s]|$)(?:\/\S{0,64})?(?:\s+index=(\d{1,6}))?/.exec(line);
    if (m) {
      current = INTERNAL_VDOMS.has(m[1]) ? undefined : { name: m[1] };
      if (current) {
        if (m[2] !== undefined) current.index = Number(m[2]);
        if (entries.length < MAX_ITEMS) entries.push(current);
      }
    }
    if (!current) continue;
    const helper = /\bsip_helper=(\d{1,6})/.exec(line);
    if (helper) current.sipHelper = Number(helper[1]);
    const trace = /\bsip_nat_trace=(\d{1,6})/.exec(line);
    if (trace) current.sipNatTrace = Number(trace[1]);
  }
  return entries;
}

// ---------------------------------------------------------------- show system interface (config global)

/**
 * VDOM names from the `set vdom "NAME"` lines of `show system interface` (under `config global`): a read-only
 * source when `diagnose sys vd list` is refused. A VDOM without an interface does not appear here.
 */
export function parseInterfaceVdoms(output: string): string[] {
  const table = parseConfig(output).root.tables['system interface'];
  const names = new Set<string>();
  for (const e of table?.entries ?? []) {
    for (const v of settingValues(e.node, 'vdom')) if (/^[A-Za-z0-9_.-]{1,31}$/.test(v) && !INTERNAL_VDOMS.has(v) && names.size < MAX_ITEMS) names.add(v);
  }
  return [...names];
}

// ---------------------------------------------------------------- diagnose debug info

/**
 * The debug state as found (`diagnose debug info`): `debug output: enable|disable`, `console timestamp:
 * enable|disable`, one `NAME debug level: N (0x...)` line per application level set, `CLI debug level: N` (the
 * CLI's own, not a debug application), and, where the unit prints it, `debug output duration: N minutes`.
 * Anything not printed stays undefined: the caller then says it could not restore it.
 */
export interface DebugInfo {
  outputEnabled?: boolean;
  consoleTimestamp?: boolean;
  durationMinutes?: number;
  /** Application debug levels in use (`sip`, `ike`, ...), without the CLI's own level. */
  levels: Record<string, number>;
}

export function parseDebugInfo(output: string): DebugInfo {
  const info: DebugInfo = { levels: {} };
  for (const line of lines(output)) {
    const out = /^\s*debug output:\s*(enable|disable)\b/i.exec(line);
    if (out) {
      info.outputEnabled = out[1].toLowerCase() === 'enable';
      continue;
    }
    const ts = /^\s*console timestamp:\s*(enable|disable)\b/i.exec(line);
    if (ts) {
      info.consoleTimestamp = ts[1].toLowerCase() === 'enable';
      continue;
    }
    const duration = /^\s*debug (?:output )?duration:\s*(\d{1,6})\b/i.exec(line);
    if (duration) {
      info.durationMinutes = Number(duration[1]);
      continue;
    }
    const level = /^\s*([A-Za-z][\w-]{0,40}) debug level:\s*(-?\d{1,10})\b/.exec(line);
    if (level && level[1] !== 'CLI' && Object.keys(info.levels).length < 100) info.levels[level[1]] = Number(level[2]);
  }
  return info;
}

// ---------------------------------------------------------------- diagnose sys sip-proxy stats

/**
 * Counters by VDOM (`vdom name: root`); scalar lines `calls-attempted: 57` keep their name, table rows
 * `INVITE 107 223 0 0 ...` become `INVITE#0`, `INVITE#1`... (column order as printed). KB 190757 sample.
 */
export interface SipProxyStats {
  vdoms: Record<string, Record<string, number>>;
}

export function parseSipProxyStats(output: string): SipProxyStats {
  const stats: SipProxyStats = { vdoms: {} };
  let vdom = '';
  let count = 0;
  for (const line of lines(output)) {
    const v = /^\s*vdom name:\s*(\S{1,64})/.exec(line);
    if (v) {
      vdom = v[1];
      continue;
    }
    const counters = (stats.vdoms[vdom] ??= {});
    if (count >= MAX_ITEMS) break;
    const scalar = /^\s*([a-z][a-z0-9-]{0,40}):\s*(\d{1,15})\s*$/.exec(line);
    if (scalar) {
      counters[scalar[1]] = Number(scalar[2]);
      count++;
      continue;
    }
    const row = /^\s*([A-Z][A-Z_-]{1,20})((?:\s+\d{1,15}){1,16})\s*$/.exec(line);
    if (row) {
      row[2]
        .trim()
        .split(/\s+/)
        .forEach((n, i) => {
          counters[`${row[1]}#${i}`] = Number(n);
        });
      count++;
    }
  }
  for (const [name, counters] of Object.entries(stats.vdoms)) if (!Object.keys(counters).length) delete stats.vdoms[name];
  return stats;
}

/** Counters that rose between two readings, per VDOM (`active-sessions` and `calls-active` may fall: gauges are skipped when lower). */
export function sipProxyStatsDelta(before: SipProxyStats, after: SipProxyStats): Record<string, Record<string, number>> {
  const delta: Record<string, Record<string, number>> = {};
  for (const [vdom, counters] of Object.entries(after.vdoms)) {
    const prev = before.vdoms[vdom] ?? {};
    for (const [name, value] of Object.entries(counters)) {
      const d = value - (prev[name] ?? 0);
      if (d > 0) (delta[vdom] ??= {})[name] = d;
    }
  }
  return delta;
}

// ---------------------------------------------------------------- diagnose sys sip-proxy calls list

export interface SipProxyCalls {
  /** Lines after the `sip calls` header: one or more per call the ALG holds (KB 203336). */
  callLines: string[];
}

export function parseSipProxyCalls(output: string): SipProxyCalls {
  const callLines: string[] = [];
  for (const line of lines(output)) {
    const t = line.trim();
    if (!t || /^sip calls$/i.test(t) || /^vdom\b/i.test(t) || /^-+$/.test(t)) continue;
    if (callLines.length < MAX_ITEMS) callLines.push(t);
  }
  return { callLines };
}

// ---------------------------------------------------------------- diagnose sys sip status

/** Session-helper counters (KB 190757): `dialogs: max=131072, used=0`, `mappings: used=0`. */
export interface SipHelperStatus {
  dialogsMax?: number;
  dialogsUsed?: number;
  mappingsUsed?: number;
  /** The lines the numbers come from, for quoting. */
  lines: string[];
}

export function parseSipHelperStatus(output: string): SipHelperStatus {
  const status: SipHelperStatus = { lines: [] };
  for (const line of lines(output)) {
    const d = /^\s*dialogs:\s*(?:max=(\d{1,12}),?\s*)?used=(\d{1,12})/.exec(line);
    if (d) {
      if (d[1] !== undefined) status.dialogsMax = Number(d[1]);
      status.dialogsUsed = Number(d[2]);
      status.lines.push(line.trim());
      continue;
    }
    const m = /^\s*mappings:\s*used=(\d{1,12})/.exec(line);
    if (m) {
      status.mappingsUsed = Number(m[1]);
      status.lines.push(line.trim());
    }
  }
  return status;
}

// ---------------------------------------------------------------- diagnose sys session list

export interface SessionEntry {
  proto: number;
  /** `helper=sip` and the like; absent when the line has no helper. */
  helper?: string;
  /** Words of the `state=` line: `redir`, `local`, `ndr`, `may_dirty`... */
  flags: string[];
  policyId?: number;
  duration?: number;
  /** From the first `hook=... A:p->B:q` line (original direction). */
  srcPort?: number;
  dstPort?: number;
  /** The session's first line and its flag/helper lines, for quoting. */
  quote: string[];
}

export interface SessionList {
  sessions: SessionEntry[];
  /** `total session N` as printed. */
  total?: number;
}

const MAX_SESSIONS = 2000;

export function parseSessionList(output: string): SessionList {
  const list: SessionList = { sessions: [] };
  let current: SessionEntry | undefined;
  for (const line of lines(output)) {
    const start = /^\s*session info:\s*proto=(\d{1,3})\b/.exec(line);
    if (start) {
      current = undefined;
      if (list.sessions.length >= MAX_SESSIONS) continue;
      current = { proto: Number(start[1]), flags: [], quote: [line.trim()] };
      const dur = /\bduration=(\d{1,10})/.exec(line);
      if (dur) current.duration = Number(dur[1]);
      list.sessions.push(current);
      continue;
    }
    const total = /^\s*total session (\d{1,10})/.exec(line);
    if (total) {
      list.total = Number(total[1]);
      current = undefined;
      continue;
    }
    if (!current) continue;
    const helper = /\bhelper=([\w-]{1,20})/.exec(line);
    if (helper) {
      current.helper = helper[1];
      current.quote.push(line.trim());
    }
    const state = /^\s*state=(.*)$/.exec(line);
    if (state) {
      current.flags = state[1].trim().split(/\s+/).filter(Boolean).slice(0, 64);
      current.quote.push(line.trim());
    }
    const policy = /\bpolicy_id=(\d{1,10})/.exec(line);
    if (policy) current.policyId = Number(policy[1]);
    if (current.dstPort === undefined) {
      const hook = /^\s*hook=\S{1,10} dir=org act=\S{1,10} [\d.a-fA-F:]{1,45}?:(\d{1,5})->[\d.a-fA-F:]{1,45}?:(\d{1,5})/.exec(line);
      if (hook) {
        current.srcPort = Number(hook[1]);
        current.dstPort = Number(hook[2]);
      }
    }
  }
  return list;
}

/** What a session's flags say about its handler (KB 190757): `helper=sip` → helper; `redir` + `local` → ALG; `ndr` → flow SIP. */
export function sessionHandler(s: SessionEntry): 'session-helper' | 'sip-alg' | 'flow-sip-ips' | undefined {
  if (s.helper === 'sip') return 'session-helper';
  if (s.flags.includes('redir') && s.flags.includes('local')) return 'sip-alg';
  if (s.flags.includes('ndr')) return 'flow-sip-ips';
  return undefined;
}

// ---------------------------------------------------------------- diagnose debug flow

export interface DebugFlowEvidence {
  /** `msg="run helper-sip(dir=original)"` lines: the kernel helper ran. */
  helperRuns: string[];
  /** `Find an EXP session, id-...`: a pinhole (expectation) was hit. */
  expectationHits: string[];
}

export function parseDebugFlow(output: string): DebugFlowEvidence {
  const evidence: DebugFlowEvidence = { helperRuns: [], expectationHits: [] };
  for (const line of lines(output)) {
    if (line.includes('msg="run helper-sip')) {
      if (evidence.helperRuns.length < 100) evidence.helperRuns.push(line.trim());
    } else if (line.includes('Find an EXP session')) {
      if (evidence.expectationHits.length < 100) evidence.expectationHits.push(line.trim());
    }
  }
  return evidence;
}
