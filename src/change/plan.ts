import { COMMANDS } from '../fortios/cli';
import { parseConfig, tokenizeConfigLine, type ConfigNode, type ConfigTable } from '../fortios/configParser';
import { renderValue } from '../fortios/configRender';
import { readOnlyViolation, type ReadOnlyContext } from '../fortios/readOnly';
import { normaliseCommand } from '../fortios/transcript';
import type { Facts } from '../verdict/facts';

/**
 * What an approved change touches, how to back it up, which lines may be typed, and how to undo it (pure).
 */

/** A config path in a context: a VDOM name, `global`, or null on a single-VDOM unit. */
export interface TouchedPath {
  context: string | null;
  path: string;
}

/** One write of the approved lines, located: context, top-level path, then `edit` / nested `config` steps. */
interface Target {
  context: string | null;
  path: string;
  steps: Array<{ edit: string } | { config: string }>;
  verb: 'set' | 'unset' | 'delete' | 'edit';
  key: string;
}

/** Walks FortiOS config lines as the CLI nests them; calls `onWrite` for every set/unset/delete and table edit. */
function walk(lines: readonly string[], onWrite: (t: Target) => void): void {
  let context: string | null = null;
  let picker = false;
  let path: string | null = null;
  const steps: Array<{ edit: string } | { config: string }> = [];
  for (const raw of lines) {
    const words = tokenizeConfigLine(raw.trim());
    const [verb, arg] = words;
    if (!verb || verb.startsWith('#')) continue;
    if (path === null) {
      if (verb === 'config' && (arg === 'vdom' || arg === 'global') && words.length === 2) {
        if (arg === 'vdom') picker = true;
        else context = 'global';
      } else if (verb === 'edit' && picker) {
        context = arg;
        picker = false;
      } else if (verb === 'end') {
        context = null;
        picker = false;
      } else if (verb === 'config') path = words.slice(1).join(' ');
      continue;
    }
    if (verb === 'config') steps.push({ config: words.slice(1).join(' ') });
    else if (verb === 'edit') {
      onWrite({ context, path, steps: [...steps], verb: 'edit', key: arg });
      steps.push({ edit: arg });
    } else if (verb === 'next') {
      if (steps.length && 'edit' in steps[steps.length - 1]) steps.pop();
    } else if (verb === 'end') {
      if (steps.length && 'edit' in steps[steps.length - 1]) steps.pop();
      if (steps.length) steps.pop();
      else path = null;
    } else if (verb === 'set' || verb === 'unset' || verb === 'delete') onWrite({ context, path, steps: [...steps], verb, key: arg });
  }
}

/** The config paths the lines write, once each, in order. */
export function touchedPaths(lines: readonly string[]): TouchedPath[] {
  const out: TouchedPath[] = [];
  walk(lines, (t) => {
    if (!out.some((p) => p.context === t.context && p.path === t.path)) out.push({ context: t.context, path: t.path });
  });
  return out;
}

/** `show full-configuration PATH` of each touched path: the backup attached before anything is typed. */
export function backupCommand(p: TouchedPath): string {
  return `show full-configuration ${p.path}`;
}

/**
 * The write allow-list: the read-only allow-list plus exactly the approved lines (and the inverse lines computed
 * for their rollback). Anything else is refused before it reaches the session.
 */
export function writeViolation(line: string, approved: readonly string[], context: ReadOnlyContext): string | null {
  const command = normaliseCommand(line);
  if (/[\x00-\x1f\x7f]/.test(line.replace(/\r$/, ''))) return 'contains a control character';
  if (approved.some((a) => normaliseCommand(a) === command)) return null;
  const why = readOnlyViolation(line, context);
  return why ? `not an approved line of this change, and ${why}` : null;
}

function nodeAt(table: ConfigTable | undefined, steps: Target['steps']): { node?: ConfigNode; table?: ConfigTable } {
  let node: ConfigNode | undefined = table;
  let current: ConfigTable | undefined = table;
  for (const step of steps) {
    if (!node) return {};
    if ('edit' in step) node = current?.entries.find((e) => e.key === step.edit)?.node;
    else {
      current = node.tables[step.config];
      node = current;
    }
  }
  return { node, table: current };
}

function edits(steps: Target['steps'], body: string[]): string[] {
  // Re-enter the same place: `edit K` / `config X` down, `next` / `end` back up.
  const open: string[] = [];
  const close: string[] = [];
  for (const s of steps) {
    if ('edit' in s) {
      open.push(`edit ${/^\d+$/.test(s.edit) ? s.edit : renderValue(s.edit).startsWith('"') ? renderValue(s.edit) : `"${s.edit}"`}`);
      close.unshift('next');
    } else {
      open.push(`config ${s.config}`);
      close.unshift('end');
    }
  }
  return [...open, ...body, ...close];
}

/**
 * The lines that put every setting the approved lines write back as the backup shows it: `set` the old value or
 * `unset` it, recreate a deleted table entry whole, delete an entry the change created. Grouped per context and
 * path, wrapped like the change (`config vdom` / `edit X`, `config global`).
 */
export function inverseLines(approved: readonly string[], backups: ReadonlyMap<string, string>, multiVdom: boolean): string[] {
  const byPath = new Map<string, { p: TouchedPath; lines: string[] }>();
  const created = new Set<string>();
  walk(approved, (t) => {
    const id = pathId(t);
    const backup = parseConfig(backups.get(id) ?? '').root.tables[t.path];
    let group = byPath.get(id);
    if (!group) byPath.set(id, (group = { p: { context: t.context, path: t.path }, lines: [] }));
    const { node, table } = nodeAt(backup, t.steps);
    const where = `${id} ${JSON.stringify(t.steps)}`;
    if (t.verb === 'edit') {
      if (!table?.entries.some((e) => e.key === t.key) && t.steps.length === 0) {
        created.add(`${where} ${t.key}`);
        group.lines.push(`delete ${t.key}`);
      }
      return;
    }
    const parentEdit = t.steps[t.steps.length - 1];
    if (parentEdit && 'edit' in parentEdit && [...created].some((c) => c === `${id} ${JSON.stringify(t.steps.slice(0, -1))} ${parentEdit.edit}`)) return; // a created entry: deleting it undoes its sets
    if (t.verb === 'delete') {
      const entry = table?.entries.find((e) => e.key === t.key);
      if (entry) group.lines.push(...edits([...t.steps, { edit: t.key }], Object.entries(entry.node.settings).map(([k, v]) => `set ${k} ${v.map(renderValue).join(' ')}`)));
      return;
    }
    const old = node?.settings[t.key];
    group.lines.push(...edits(t.steps, [old ? `set ${t.key} ${old.map(renderValue).join(' ')}` : `unset ${t.key}`]));
  });
  const out: string[] = [];
  for (const { p, lines } of byPath.values()) {
    if (!lines.length) continue;
    const block = [`config ${p.path}`, ...lines, 'end'];
    if (p.context === 'global' && multiVdom) out.push('config global', ...block, 'end');
    else if (p.context && multiVdom) out.push('config vdom', `edit ${p.context}`, ...block, 'end');
    else out.push(...block);
  }
  return out;
}

export function pathId(p: TouchedPath): string {
  return `${p.context ?? ''} ${p.path}`;
}

/** The read a config-only check makes (no debug, no diagnose): enough for readFacts + decide. */
export const CONFIG_READS = {
  global: [COMMANDS.sessionHelper],
  vdom: [COMMANDS.systemSettings, COMMANDS.firewallPolicy, COMMANDS.serviceCustom, COMMANDS.voipProfile],
} as const;

/** The config facts a change is judged by, per VDOM, in a comparable form. */
export interface ConfigSnapshot {
  mode?: string;
  ports?: string;
  policies: Record<string, string>;
  profiles: Record<string, string>;
  sipHelpers: string[];
}

export function snapshotOf(facts: Facts, vdom: string): ConfigSnapshot {
  const v = facts.vdoms.find((x) => x.name === vdom);
  const s = v?.settings;
  const snap: ConfigSnapshot = {
    policies: Object.fromEntries((v?.policies ?? []).map((p) => [String(p.id), `action ${p.action}, status ${p.status}, voip-profile ${p.voipProfile ?? '(none)'}, inspection-mode ${p.inspectionMode}${p.ipsVoipFilter ? `, ips-voip-filter ${p.ipsVoipFilter}` : ''}${p.utmStatus ? `, utm-status ${p.utmStatus}` : ''}`])),
    profiles: Object.fromEntries(Object.values(v?.voipProfiles ?? {}).map((p) => [p.name, `sip status ${p.sipStatus}${p.featureSet ? `, feature-set ${p.featureSet}` : ''}`])),
    sipHelpers: (facts.sessionHelpers ?? []).filter((h) => h.name === 'sip').map((h) => `entry ${h.id}: protocol ${h.protocol}, port ${h.port}`),
  };
  if (s) {
    snap.mode = s.defaultVoipAlgMode;
    snap.ports = `sip-udp-port ${s.sipUdpPorts.join(' ')}, sip-tcp-port ${s.sipTcpPorts.join(' ')}, sip-ssl-port ${s.sipSslPorts.join(' ')}`;
  }
  return snap;
}

/** What differs, in words (`policy 2: ... → ...`); empty when equal. */
export function snapshotDiff(before: ConfigSnapshot, after: ConfigSnapshot): string[] {
  const out: string[] = [];
  if (before.mode !== after.mode) out.push(`default-voip-alg-mode: ${before.mode ?? '(not read)'} → ${after.mode ?? '(not read)'}`);
  if (before.ports !== after.ports) out.push(`SIP ports: ${before.ports ?? '(not read)'} → ${after.ports ?? '(not read)'}`);
  for (const [what, a, b] of [['policy', before.policies, after.policies], ['VoIP profile', before.profiles, after.profiles]] as const) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[key] !== b[key]) out.push(`${what} ${key}: ${a[key] ?? '(absent)'} → ${b[key] ?? '(absent)'}`);
    }
  }
  if (before.sipHelpers.join('|') !== after.sipHelpers.join('|')) out.push(`sip session-helper entries: ${before.sipHelpers.join('; ') || '(none)'} → ${after.sipHelpers.join('; ') || '(none)'}`);
  return out;
}

/** Whether a change that may have been cut is in place: the unit matches what it should leave, what it found, or neither. */
export function assessChange(basis: ConfigSnapshot, expected: ConfigSnapshot, now: ConfigSnapshot): { state: 'complete' | 'absent' | 'partial'; differences: string[] } {
  const toExpected = snapshotDiff(now, expected);
  if (!toExpected.length) return { state: 'complete', differences: [] };
  const toBasis = snapshotDiff(basis, now);
  if (!toBasis.length) return { state: 'absent', differences: [] };
  return { state: 'partial', differences: toExpected };
}
