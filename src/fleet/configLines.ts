import { parseConfig, settingValues, type ConfigNode } from '../fortios/configParser';
import { normaliseCommand } from '../fortios/transcript';
import type { CommandResult } from '../fortios/types';
import type { Verdict } from '../verdict/types';

/**
 * The config lines that decide who handles SIP (docs/domain.md R1-R7), kept per firewall so the drift watch can name
 * what changed: `root: policy 12: set voip-profile default`. Pure; one line per `set`, prefixed with its scope.
 * Only SIP-relevant keys and objects are kept (a firewall with 2,000 policies keeps a few dozen lines).
 */

const SETTINGS_KEYS = ['default-voip-alg-mode', 'sip-tcp-port', 'sip-udp-port', 'sip-ssl-port', 'ngfw-mode', 'inspection-mode', 'sip-expectation', 'sip-nat-trace'];
const POLICY_KEYS = ['status', 'action', 'service', 'voip-profile', 'inspection-mode', 'utm-status', 'ips-voip-filter', 'profile-type', 'profile-group'];
const HELPER_KEYS = ['name', 'protocol', 'port'];
/** Bounds the lines kept per firewall (state file size), whatever the device prints. */
export const MAX_CONFIG_LINES = 500;

function isShow(command: string): boolean {
  return /^show\b/i.test(command);
}

function scopeOf(context: string | null): string {
  return context && context !== 'global' ? context : 'root';
}

function setLines(prefix: string, node: ConfigNode | undefined, keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const values = settingValues(node, key);
    if (values.length) out.push(`${prefix}: set ${key} ${values.join(' ')}`);
  }
  return out;
}

export function sipConfigLines(outputs: readonly CommandResult[], verdict: Verdict): string[] {
  const lines: string[] = [];
  const sipPolicies = new Map<string, Set<number>>();
  for (const v of verdict.vdoms) sipPolicies.set(v.name, new Set(v.policies.map((p) => p.id)));
  const profilesUsed = new Map<string, Set<string>>();

  // Policies first (they name the VoIP profiles whose lines are kept), then everything else in output order.
  const shows = outputs.filter((r) => !r.error && isShow(normaliseCommand(r.command)));
  const parsed = shows.map((r) => ({ r, root: parseConfig(r.output).root }));
  for (const { r, root } of parsed) {
    const policies = root.tables['firewall policy'];
    if (!policies) continue;
    const scope = scopeOf(r.context);
    const wanted = sipPolicies.get(scope) ?? new Set<number>();
    const used = profilesUsed.get(scope) ?? new Set<string>(['default']);
    profilesUsed.set(scope, used);
    for (const e of policies.entries) {
      const voip = settingValues(e.node, 'voip-profile')[0];
      if (!wanted.has(Number(e.key)) && voip === undefined) continue;
      if (voip !== undefined) used.add(voip);
      lines.push(...setLines(`${scope}: policy ${e.key}`, e.node, POLICY_KEYS));
    }
  }
  for (const { r, root } of parsed) {
    const scope = scopeOf(r.context);
    const settings = root.tables['system settings'];
    if (settings) lines.push(...setLines(`${scope}: system settings`, settings, SETTINGS_KEYS));
    const helpers = root.tables['system session-helper'];
    if (helpers) {
      for (const e of helpers.entries) {
        if (settingValues(e.node, 'name')[0] !== 'sip') continue;
        lines.push(...setLines(`global: session-helper ${e.key}`, e.node, HELPER_KEYS));
      }
    }
    const profiles = root.tables['voip profile'];
    if (profiles) {
      const used = profilesUsed.get(scope) ?? new Set(['default']);
      for (const e of profiles.entries) {
        if (!used.has(e.key)) continue;
        lines.push(...setLines(`${scope}: voip-profile ${e.key}`, e.node, ['feature-set']));
        // `config sip` / `set status` appears in `show full-configuration` only (docs/ssh.md "FortiOS CLI facts").
        lines.push(...setLines(`${scope}: voip-profile ${e.key}: config sip`, e.node.tables['sip'], ['status']));
      }
    }
  }
  return [...new Set(lines)].slice(0, MAX_CONFIG_LINES);
}

/** One object's changes: `root: policy 12` gained and lost `set ...` lines. */
export interface ConfigChange {
  object: string;
  gained: string[];
  lost: string[];
}

/** The difference between two readings of `sipConfigLines`, grouped by object, in a stable order. */
export function diffConfigLines(before: readonly string[], after: readonly string[]): ConfigChange[] {
  const was = new Set(before);
  const now = new Set(after);
  const byObject = new Map<string, ConfigChange>();
  const add = (line: string, field: 'gained' | 'lost') => {
    const at = line.lastIndexOf(': set ');
    const object = at > 0 ? line.slice(0, at) : '';
    const setting = at > 0 ? line.slice(at + 2) : line;
    let change = byObject.get(object);
    if (!change) {
      change = { object, gained: [], lost: [] };
      byObject.set(object, change);
    }
    change[field].push(setting);
  };
  for (const line of after) if (!was.has(line)) add(line, 'gained');
  for (const line of before) if (!now.has(line)) add(line, 'lost');
  return [...byObject.values()];
}

/** `policy 12 gained `set voip-profile default``: the object without a `root: ` scope on single-VDOM units. */
export function describeConfigChange(change: ConfigChange, multiVdom: boolean): string {
  const object = multiVdom ? change.object : change.object.replace(/^root: /, '');
  const parts: string[] = [];
  if (change.gained.length) parts.push(`gained ${change.gained.map((s) => `\`${s}\``).join(', ')}`);
  if (change.lost.length) parts.push(`lost ${change.lost.map((s) => `\`${s}\``).join(', ')}`);
  return `${object} ${parts.join(' and ')}`;
}
