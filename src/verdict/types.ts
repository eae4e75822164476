/** Who handles SIP (docs/domain.md "Handlers"). */
export type PolicyHandler = 'sip-alg' | 'sip-alg+ips' | 'flow-sip-ips' | 'session-helper' | 'none';
/** Per VDOM and overall: a single handler, or a summary state. */
export type OverallHandler = PolicyHandler | 'mixed' | 'mismatch' | 'unknown';
export type RuleId = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8';

export interface Evidence {
  /** The command whose output this line comes from. */
  source: string;
  /** The line(s) quoted from the firewall's own output. */
  text: string;
}

export interface PolicyVerdict {
  id: number;
  name?: string;
  handler: PolicyHandler;
  rule: RuleId;
  /** One sentence: why this rule applied. */
  reason: string;
}

export interface VdomVerdict {
  name: string;
  handler: OverallHandler;
  rule: string;
  policies: PolicyVerdict[];
  /** Handler → policy ids, when mixed. */
  split?: Partial<Record<PolicyHandler, number[]>>;
  explanation: string;
  evidence: Evidence[];
  /** Separate, self-contained ways to change the handler (empty when none applies). */
  remediation: RemediationOption[];
  /** Clearing the SIP sessions: its own step (it drops calls in progress), never part of an option. */
  clearSessions?: SessionClearing;
  /** Commands whose output was needed but missing (for `unknown`). */
  missing: string[];
  /** Where the sources disagree (R4) or the evidence contradicts the config (mismatch). */
  notes: string[];
}

/**
 * Which VDOMs a verdict speaks for, when it speaks for part of a multi-VDOM unit only (issue 11 §2): the overall
 * handler is then the handler of the checked VDOMs, never the unit's.
 */
export interface PartialCoverage {
  /** VDOMs the unit has per `get system status` (`Virtual domains status: N in NAT mode, M in TP mode`), when printed. */
  total?: number;
  /** Where the VDOM names came from: `diagnose sys vd list`, the `set vdom` lines of `show system interface`, or nowhere. */
  source: 'vd-list' | 'interfaces' | 'none';
  /** Why the VDOM list was not read, when it was not (the CLI's error text, or "not in the transcript"). */
  listProblem?: string;
  checked: string[];
  /** VDOMs known by name that were not checked. */
  notChecked: string[];
  /** VDOMs the count says exist whose names could not be read. */
  unnamed: number;
  /** What a user reads: how many exist, which were checked, how to check another. */
  explanation: string;
}

export interface Verdict {
  handler: OverallHandler;
  /** Present when VDOMs were left out: `handler` then speaks for `partial.checked` only. */
  partial?: PartialCoverage;
  vdoms: VdomVerdict[];
  rule: string;
  explanation: string;
  evidence: Evidence[];
  /** Every VDOM's options, in VDOM order. */
  remediation: RemediationOption[];
  /** Every VDOM's session-clearing step. */
  clearSessions: SessionClearing[];
}

/** `vdom`: the VDOM's own config; `global`: the global session-helper table (all VDOMs); or both. */
export type RemediationScope = 'vdom' | 'global' | 'vdom-and-global';

/** One self-contained remediation: pasting exactly `commands` leads to `leadsTo` (proven in the tests). */
export interface RemediationOption {
  /** States the handler it leads to and its scope. */
  title: string;
  leadsTo: PolicyHandler;
  scope: RemediationScope;
  /** The VDOM whose verdict it changes (`root` on a single-VDOM unit). */
  vdom: string;
  /** FortiOS CLI lines, VDOM/global wrapping included; no comments. */
  commands: string[];
  /** What else changes, in words. */
  sideEffects: string[];
}

/** Clearing existing SIP sessions so calls pick up a new handler (KB 384586): drops calls in progress. */
export interface SessionClearing {
  title: string;
  scope: 'vdom';
  vdom: string;
  commands: string[];
  sideEffects: string[];
}

export interface SessionHelperEntry {
  id: number;
  name: string;
  protocol: number;
  port: number;
}

/** The config facts the verdict reads, as shown in `sip-check analyze --json` under `config`. */
export interface ConfigSummary {
  hostname?: string;
  version?: string;
  /** Where `version` came from: `get system status`, a backup's `#config-version=` header, or nowhere. */
  versionSource?: 'get system status' | 'backup header' | 'unknown';
  /** The platform, when known: `FortiGate-VM64` (status) or the backup header's code (`FGVMK6`). */
  model?: string;
  vdomMode?: string;
  defaultVoipAlgMode: string;
  sipHelpers: Array<{ id: number; protocol: number; port: number }>;
}
