import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIP } from 'node:net';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors';
import {
  ENV_VAR_NAME,
  FIREWALL_NAME,
  HOST_KEY_FINGERPRINT,
  RESERVED_FIREWALL_NAMES,
  SLACK_CHANNEL_ID,
  SLACK_USER_GROUP_ID,
  SLACK_USER_ID,
  TAG_NAME,
  USERNAME,
  VDOM_NAME,
  isHostname,
} from './patterns';
import type { FirewallEntry, Inventory, JumpHostEntry, RemediationAccess, SshHostEntry } from './types';

/**
 * The inventory: which firewalls exist, how to reach them, and who may check each one.
 * Validated once at start-up; every problem names the file, the firewall and the field, and all of them
 * are reported together. Unknown keys are errors: a typo (`alow:`) must not silently drop a rule.
 * The format is documented field by field in inventory.example.yml.
 */

export const DEMO_FIREWALL = 'fw-demo';
/** The console adapter sets this variable (to the simulator's password) in the env it passes to `resolveCredentials`. */
export const DEMO_PASSWORD_ENV = 'SIP_CHECK_DEMO_PASSWORD';

/** Inventory files are written by people; anything this large is a mistake (or not an inventory). */
const MAX_INVENTORY_BYTES = 1024 * 1024;
const MAX_PATH_LENGTH = 4096;

const FIREWALL_KEYS = [
  'name',
  'host',
  'port',
  'username',
  'password_env',
  'private_key',
  'passphrase_env',
  'host_key',
  'known_hosts',
  'vdom',
  'allow',
  'algorithms',
  'tags',
  'jump',
  'remediation',
] as const;
/** A bastion: how to reach it and log in, nothing else (it is never checked). */
const JUMP_HOST_KEYS = ['name', 'host', 'port', 'username', 'password_env', 'private_key', 'passphrase_env', 'host_key', 'known_hosts', 'algorithms', 'jump'] as const;
const TOP_LEVEL_KEYS = ['firewalls', 'jump_hosts'] as const;
/** Longer chains are a mistake (each hop is a handshake and a timeout before the firewall is reached). */
export const MAX_JUMP_HOPS = 4;
const REMEDIATION_KEYS = ['username', 'password_env', 'private_key', 'passphrase_env', 'approvers'] as const;
const APPROVER_KEYS = ['users', 'user_groups'] as const;
const ALLOW_KEYS = ['users', 'user_groups', 'channels'] as const;

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** Edit distance, bounded: keys are short, anything longer is not a typo of ours. */
function editDistance(a: string, b: string): number {
  if (a.length > 40 || b.length > 40) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

/** A hint for near misses (`alow`, `hostKey`, `host-key`, `firewall`). */
function suggest(key: string, known: readonly string[]): string {
  const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const match = known.find((k) => squash(k) === squash(key)) ?? known.find((k) => editDistance(squash(k), squash(key)) <= 2);
  return match ? ` (did you mean "${match}"?)` : ` (known fields: ${known.join(', ')})`;
}

/**
 * One message for a YAML syntax error: the first one (the parser's later errors are mostly echoes of it), where it
 * is, and the line itself, without the parser's dangling "at line N, column M:" tail.
 */
function yamlErrorText(error: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }, text: string, source: string): string {
  const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/[:.]$/, '');
  const pos = error.linePos?.[0];
  if (!pos) return `${source}: YAML syntax error: ${what}`;
  const line = (text.split(/\r?\n/)[pos.line - 1] ?? '').replace(/\t/g, '→').slice(0, 120);
  const hint = /indent|column|compact|tab/i.test(what) ? ' (check the indentation: spaces only, the keys of one firewall at the same column)' : '';
  return `${source}: line ${pos.line}, column ${pos.col}: YAML syntax error: ${what}${hint}; the line is "${line}"`;
}

/** Parses and validates inventory text (YAML; JSON is YAML too). Paths are kept as written. */
export function parseInventory(text: string, source: string): Inventory {
  if (Buffer.byteLength(text, 'utf8') > MAX_INVENTORY_BYTES) {
    throw new ConfigError([`${source}: the file is larger than ${MAX_INVENTORY_BYTES} bytes; expected a small YAML inventory`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new ConfigError([yamlErrorText(doc.errors[0], text, source)]);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError([`${source}: YAML error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`]);
  }

  const problems: string[] = [];
  const warnings: string[] = [];
  if (!isPlainObject(root)) {
    throw new ConfigError([`${source}: expected a mapping with a "firewalls" list, got ${show(root)}`]);
  }
  for (const key of Object.keys(root)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) problems.push(`${source}: top-level field "${key}": unknown field${suggest(key, TOP_LEVEL_KEYS)}`);
  }
  // Jump hosts and firewalls share one name space: `jump:` may name either.
  const seen = new Map<string, string>();
  const unique = (entry: SshHostEntry, what: string): boolean => {
    // Case-insensitive uniqueness: `FW01` and `fw01` side by side is a mistake waiting to happen.
    const folded = entry.name.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      problems.push(`${source}: ${what} "${entry.name}": field "name": duplicate of ${earlier} (names must be unique, ignoring case)`);
      return false;
    }
    seen.set(folded, `${what} "${entry.name}"`);
    return true;
  };
  const jumpHosts: JumpHostEntry[] = [];
  const jumpList = root.jump_hosts;
  if (jumpList !== undefined && jumpList !== null) {
    if (!Array.isArray(jumpList)) problems.push(`${source}: field "jump_hosts": expected a list of jump hosts, got ${show(jumpList)}`);
    else {
      jumpList.forEach((item, index) => {
        const entry = parseJumpHost(item, index, source, problems);
        if (entry && unique(entry, 'jump host')) jumpHosts.push(entry);
      });
    }
  }
  const list = root.firewalls;
  const firewalls: FirewallEntry[] = [];
  if (list === undefined || list === null) {
    warnings.push(`${source}: no firewalls listed: nobody can run a check`);
  } else if (!Array.isArray(list)) {
    problems.push(`${source}: field "firewalls": expected a list of firewalls, got ${show(list)}`);
  } else {
    if (list.length === 0) warnings.push(`${source}: no firewalls listed: nobody can run a check`);
    list.forEach((item, index) => {
      const entry = parseFirewall(item, index, source, problems, warnings);
      if (entry && unique(entry, 'firewall')) firewalls.push(entry);
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const jumps = resolveJumps(firewalls, jumpHosts, source);
  if (jumps.problems.length > 0) throw new ConfigError(jumps.problems);
  return { source, firewalls: jumps.firewalls, ...(jumps.jumpHosts.length > 0 ? { jumpHosts: jumps.jumpHosts } : {}), warnings };
}

/** The SSH fields only: what a hop needs (a firewall used as a hop brings no allow rules or tags along). */
function endpointOf(entry: SshHostEntry): SshHostEntry {
  const { name, host, port, username, auth, hostKey, algorithms } = entry;
  return { name, host, port, username, auth, hostKey, algorithms };
}

/**
 * Resolves every `jump:` into `via` (outermost hop first). A name that is neither a jump host nor a firewall, a
 * chain longer than MAX_JUMP_HOPS, and a loop are refused: a loop once, naming its members in order.
 */
function resolveJumps(firewalls: FirewallEntry[], jumpHosts: JumpHostEntry[], source: string): { firewalls: FirewallEntry[]; jumpHosts: JumpHostEntry[]; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map<string, { entry: SshHostEntry; what: string }>();
  for (const j of jumpHosts) byName.set(j.name.toLowerCase(), { entry: j, what: 'jump host' });
  for (const f of firewalls) byName.set(f.name.toLowerCase(), { entry: f, what: 'firewall' });
  const loopsSaid = new Set<string>();
  const chainOf = (start: SshHostEntry, what: string): SshHostEntry[] | undefined => {
    const path: string[] = [start.name];
    const hops: SshHostEntry[] = [];
    let current = start;
    while (current.jump !== undefined) {
      const next = byName.get(current.jump.toLowerCase());
      if (!next) {
        // Said once, by the entry whose field is wrong (every entry reached through it fails with it).
        const owner = byName.get(current.name.toLowerCase())?.what ?? what;
        const message = `${source}: ${owner} "${current.name}": field "jump": no jump host or firewall is named "${current.jump}"; list the bastion under jump_hosts`;
        if (!problems.includes(message)) problems.push(message);
        return undefined;
      }
      const at = path.findIndex((n) => n.toLowerCase() === next.entry.name.toLowerCase());
      if (at >= 0) {
        const loop = [...path.slice(at), next.entry.name];
        const key = loop.slice(0, -1).map((n) => n.toLowerCase()).sort().join(' ');
        if (!loopsSaid.has(key)) {
          loopsSaid.add(key);
          const first = byName.get(loop[0].toLowerCase())!;
          problems.push(`${source}: ${first.what} "${loop[0]}": field "jump": the jump chain goes round in a circle (${loop.join(' → ')}); one of them must be reached directly`);
        }
        return undefined;
      }
      path.push(next.entry.name);
      hops.unshift(endpointOf(next.entry));
      if (hops.length > MAX_JUMP_HOPS) {
        problems.push(`${source}: ${what} "${start.name}": field "jump": more than ${MAX_JUMP_HOPS} hops (${path.join(' → ')})`);
        return undefined;
      }
      current = next.entry;
    }
    return hops;
  };
  const withVia = <T extends SshHostEntry>(entry: T, what: string): T => {
    if (entry.jump === undefined) return entry;
    const via = chainOf(entry, what);
    return via ? { ...entry, via } : entry;
  };
  const outFirewalls = firewalls.map((f) => withVia(f, 'firewall'));
  const outJumps = jumpHosts.map((j) => withVia(j, 'jump host'));
  return { firewalls: outFirewalls, jumpHosts: outJumps, problems };
}

function parseFirewall(item: unknown, index: number, source: string, problems: string[], warnings: string[]): FirewallEntry | undefined {
  const before = problems.length;
  if (!isPlainObject(item)) {
    problems.push(`${source}: firewall #${index + 1}: expected a mapping (name, host, ...), got ${show(item)}`);
    return undefined;
  }
  const { label, fail, endpoint } = parseEndpoint(item, index, 'firewall', FIREWALL_KEYS, source, problems);

  let vdom: string | undefined;
  if (item.vdom !== undefined) {
    if (typeof item.vdom === 'string' && VDOM_NAME.test(item.vdom)) vdom = item.vdom;
    else fail('vdom', `expected a VDOM name (letters, digits, "_", "-"; at most 31 characters), got ${show(item.vdom)}`);
  }

  const allow = parseAllow(item.allow, fail);

  const tags: string[] = [];
  if (item.tags !== undefined) {
    if (!Array.isArray(item.tags)) fail('tags', `expected a list of tags such as [branch, emea], got ${show(item.tags)}`);
    else {
      for (const tag of item.tags as unknown[]) {
        if (typeof tag === 'string' && TAG_NAME.test(tag)) {
          if (!tags.includes(tag)) tags.push(tag);
        } else fail('tags', `expected lower-case letters, digits, "_", "-" starting with a letter or digit, at most 32 characters; got ${show(tag)}`);
      }
    }
  }

  let remediation: RemediationAccess | undefined;
  if (item.remediation !== undefined) remediation = parseRemediation(item.remediation, item.username, fail);

  if (problems.length > before || !endpoint || !allow || (item.remediation !== undefined && !remediation)) return undefined;
  if (allow.users.length + allow.userGroups.length + allow.channels.length === 0) {
    warnings.push(`${source}: ${label}: no allow rule (users, user_groups or channels): usable by nobody`);
  }
  return {
    ...endpoint,
    ...(vdom !== undefined ? { vdom } : {}),
    allow,
    ...(tags.length > 0 ? { tags } : {}),
    ...(remediation ? { remediation } : {}),
  };
}

/** A `jump_hosts` entry: an SSH bastion that forwards TCP (direct-tcpip) to the firewalls behind it. */
function parseJumpHost(item: unknown, index: number, source: string, problems: string[]): JumpHostEntry | undefined {
  const before = problems.length;
  if (!isPlainObject(item)) {
    problems.push(`${source}: jump host #${index + 1}: expected a mapping (name, host, ...), got ${show(item)}`);
    return undefined;
  }
  const { endpoint } = parseEndpoint(item, index, 'jump host', JUMP_HOST_KEYS, source, problems);
  return problems.length > before ? undefined : endpoint;
}

/** What firewalls and jump hosts share: name, address, login, pinned host key, algorithms, and `jump`. */
function parseEndpoint(
  item: Plain,
  index: number,
  what: 'firewall' | 'jump host',
  knownKeys: readonly string[],
  source: string,
  problems: string[],
): { label: string; fail: Fail; endpoint: SshHostEntry | undefined } {
  const before = problems.length;
  const rawName = item.name;
  const validName = typeof rawName === 'string' && FIREWALL_NAME.test(rawName) && !RESERVED_FIREWALL_NAMES.has(rawName.toLowerCase());
  const label = validName ? `${what} "${rawName}"` : `${what} #${index + 1}`;
  const fail = (field: string, message: string) => problems.push(`${source}: ${label}: field "${field}": ${message}`);

  if (rawName === undefined) fail('name', `missing: every ${what} needs a name (letters, digits, ".", "_", "-"; at most 63 characters)`);
  else if (typeof rawName !== 'string' || !FIREWALL_NAME.test(rawName)) {
    const hint = typeof rawName === 'number' ? ' (quote names that look like numbers)' : '';
    fail('name', `expected letters, digits, ".", "_", "-" starting with a letter or digit, at most 63 characters; got ${show(rawName)}${hint}`);
  } else if (!validName) fail('name', `"${rawName}" is reserved; choose another name`);

  for (const key of Object.keys(item)) {
    if (!knownKeys.includes(key)) fail(key, `unknown field${suggest(key, knownKeys)}`);
  }

  const host = item.host;
  if (host === undefined) fail('host', 'missing: expected a hostname or an IP address');
  else if (typeof host !== 'string' || !(isIP(host) !== 0 || isHostname(host))) fail('host', `expected a hostname or an IP address, got ${show(host)}`);

  let port = 22;
  if (item.port !== undefined) {
    if (typeof item.port === 'number' && Number.isInteger(item.port) && item.port >= 1 && item.port <= 65535) port = item.port;
    else fail('port', `expected an integer from 1 to 65535 (default 22), got ${show(item.port)}`);
  }

  const username = item.username;
  if (username === undefined) fail('username', `missing: expected the ${what === 'firewall' ? 'admin ' : ''}account the bot logs in as`);
  else if (typeof username !== 'string' || !USERNAME.test(username)) {
    fail('username', `expected letters, digits, ".", "_", "@", "-" (at most 64 characters), got ${show(username)}`);
  }

  const auth = parseAuth(item, fail);
  const hostKey = parseHostKey(item, fail);

  let algorithms: SshHostEntry['algorithms'] = 'default';
  if (item.algorithms !== undefined) {
    if (item.algorithms === 'default' || item.algorithms === 'legacy') algorithms = item.algorithms;
    else fail('algorithms', `expected default or legacy, got ${show(item.algorithms)}`);
  }

  let jump: string | undefined;
  if (item.jump !== undefined) {
    if (typeof item.jump === 'string' && FIREWALL_NAME.test(item.jump)) {
      if (validName && item.jump.toLowerCase() === (rawName as string).toLowerCase()) fail('jump', `names this ${what} itself; name the jump host it is reached through`);
      else jump = item.jump;
    } else fail('jump', `expected the name of a jump host (jump_hosts) or of another firewall, got ${show(item.jump)}`);
  }

  if (problems.length > before || !auth || !hostKey) return { label, fail, endpoint: undefined };
  return {
    label,
    fail,
    endpoint: {
      name: rawName as string,
      host: host as string,
      port,
      username: username as string,
      auth,
      hostKey,
      algorithms,
      ...(jump !== undefined ? { jump } : {}),
    },
  };
}

/**
 * `remediation:`: a firewall may be changed only with its own write account (never the read-only one of checks)
 * and a list of approvers. Every problem is an error: a half-configured change path must not start.
 */
function parseRemediation(value: unknown, readOnlyUser: unknown, fail: Fail): RemediationAccess | undefined {
  if (!isPlainObject(value)) {
    fail('remediation', `expected a mapping with username, password_env or private_key, and approvers; got ${show(value)}`);
    return undefined;
  }
  const before = { n: 0 };
  const sub: Fail = (field, message) => {
    before.n++;
    fail(`remediation.${field}`, message);
  };
  for (const key of Object.keys(value)) if (!(REMEDIATION_KEYS as readonly string[]).includes(key)) sub(key, `unknown field${suggest(key, REMEDIATION_KEYS)}`);
  const username = value.username;
  if (username === undefined) sub('username', 'missing: expected the separate write-capable admin account');
  else if (typeof username !== 'string' || !USERNAME.test(username)) sub('username', `expected letters, digits, ".", "_", "@", "-" (at most 64 characters), got ${show(username)}`);
  else if (username === readOnlyUser) sub('username', `must differ from the read-only account "${username}" of checks: changes use their own account`);
  const auth = parseAuth(value, sub);
  const approvers: RemediationAccess['approvers'] = { users: [], userGroups: [] };
  const raw = value.approvers;
  if (!isPlainObject(raw)) sub('approvers', `expected a mapping with users and/or user_groups (Slack IDs), got ${show(raw)}`);
  else {
    for (const key of Object.keys(raw)) if (!(APPROVER_KEYS as readonly string[]).includes(key)) sub(`approvers.${key}`, `unknown field${suggest(key, APPROVER_KEYS)}`);
    const lists: Array<[string, RegExp, string, string[]]> = [
      ['users', SLACK_USER_ID, 'Slack user IDs (U... or W...)', approvers.users],
      ['user_groups', SLACK_USER_GROUP_ID, 'Slack user group IDs (S...)', approvers.userGroups],
    ];
    for (const [key, pattern, what, out] of lists) {
      const ids = raw[key];
      if (ids === undefined || ids === null) continue;
      if (!Array.isArray(ids)) {
        sub(`approvers.${key}`, `expected a list of ${what}, got ${show(ids)}`);
        continue;
      }
      for (const id of ids) {
        if (typeof id === 'string' && pattern.test(id)) {
          if (!out.includes(id)) out.push(id);
        } else sub(`approvers.${key}`, `expected ${what}, got ${show(id)}`);
      }
    }
    if (!approvers.users.length && !approvers.userGroups.length && before.n === 0) sub('approvers', 'empty: a change needs a second person to approve it (users or user_groups)');
  }
  if (before.n > 0 || !auth) return undefined;
  return { username: username as string, auth, approvers };
}

type Fail = (field: string, message: string) => void;

function envName(value: unknown, field: string, fail: Fail): string | undefined {
  if (typeof value === 'string' && ENV_VAR_NAME.test(value)) return value;
  fail(field, `expected the NAME of an environment variable (letters, digits, "_"), never the secret itself; got ${typeof value === 'string' ? 'an invalid name' : show(value)}`);
  return undefined;
}

function filePath(value: unknown, field: string, fail: Fail): string | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_PATH_LENGTH && !/[\x00-\x1f\x7f]/.test(value)) return value;
  fail(field, `expected a file path, got ${show(value)}`);
  return undefined;
}

/** Exactly one credential reference; the secret itself never appears in the inventory. */
function parseAuth(item: Plain, fail: Fail): FirewallEntry['auth'] | undefined {
  const hasPassword = item.password_env !== undefined;
  const hasKey = item.private_key !== undefined;
  if (hasPassword && hasKey) {
    fail('password_env', 'give either password_env or private_key, not both');
    return undefined;
  }
  if (hasPassword) {
    if (item.passphrase_env !== undefined) fail('passphrase_env', 'only used with private_key');
    const passwordEnv = envName(item.password_env, 'password_env', fail);
    return passwordEnv === undefined ? undefined : { type: 'password', passwordEnv };
  }
  if (hasKey) {
    const privateKeyPath = filePath(item.private_key, 'private_key', fail);
    let passphraseEnv: string | undefined;
    if (item.passphrase_env !== undefined) {
      passphraseEnv = envName(item.passphrase_env, 'passphrase_env', fail);
      if (passphraseEnv === undefined) return undefined;
    }
    if (privateKeyPath === undefined) return undefined;
    return { type: 'privateKey', privateKeyPath, ...(passphraseEnv !== undefined ? { passphraseEnv } : {}) };
  }
  fail('password_env', 'missing credential: expected password_env (name of an environment variable) or private_key (path of a key file)');
  return undefined;
}

/** Pinned host keys are mandatory: no trust on first use (docs/ssh.md: without a verifier ssh2 accepts any key). */
function parseHostKey(item: Plain, fail: Fail): FirewallEntry['hostKey'] | undefined {
  const fingerprints: string[] = [];
  let ok = true;
  if (item.host_key !== undefined) {
    const list = Array.isArray(item.host_key) ? item.host_key : [item.host_key];
    if (list.length === 0) {
      fail('host_key', 'empty list: expected one or more SHA256:... fingerprints');
      ok = false;
    }
    list.forEach((value: unknown) => {
      if (typeof value === 'string' && HOST_KEY_FINGERPRINT.test(value)) {
        const normalized = value.replace(/=$/, '');
        if (!fingerprints.includes(normalized)) fingerprints.push(normalized);
      } else {
        fail('host_key', `expected an SSH host key fingerprint "SHA256:" + 43 base64 characters (ssh-keygen -lf), got ${show(value)}`);
        ok = false;
      }
    });
  }
  let knownHostsFile: string | undefined;
  if (item.known_hosts !== undefined) {
    knownHostsFile = filePath(item.known_hosts, 'known_hosts', fail);
    if (knownHostsFile === undefined) ok = false;
  }
  if (item.host_key === undefined && item.known_hosts === undefined) {
    fail('host_key', 'missing: pin the SSH host key with host_key (SHA256:... fingerprint) and/or known_hosts (file); unknown keys are never trusted');
    return undefined;
  }
  if (!ok) return undefined;
  return { fingerprints, ...(knownHostsFile !== undefined ? { knownHostsFile } : {}) };
}

/** Grants by Slack IDs only: names can be renamed or reused (docs/slack.md, errbot PR #1421). */
function parseAllow(value: unknown, fail: Fail): FirewallEntry['allow'] | undefined {
  const allow: FirewallEntry['allow'] = { users: [], userGroups: [], channels: [] };
  if (value === undefined || value === null) return allow;
  if (!isPlainObject(value)) {
    fail('allow', `expected a mapping with users, user_groups and/or channels, got ${show(value)}`);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!(ALLOW_KEYS as readonly string[]).includes(key)) {
      fail(`allow.${key}`, `unknown field${suggest(key, ALLOW_KEYS)}`);
      ok = false;
    }
  }
  const lists: Array<[(typeof ALLOW_KEYS)[number], RegExp, string, string[]]> = [
    ['users', SLACK_USER_ID, 'Slack user IDs (U... or W...)', allow.users],
    ['user_groups', SLACK_USER_GROUP_ID, 'Slack user group IDs (S...)', allow.userGroups],
    ['channels', SLACK_CHANNEL_ID, 'Slack channel IDs (C..., G... or D...)', allow.channels],
  ];
  for (const [key, pattern, what, out] of lists) {
    const raw = value[key];
    if (raw === undefined || raw === null) continue;
    if (!Array.isArray(raw)) {
      fail(`allow.${key}`, `expected a list of ${what}, got ${show(raw)}`);
      ok = false;
      continue;
    }
    for (const id of raw) {
      if (typeof id === 'string' && pattern.test(id)) {
        if (!out.includes(id)) out.push(id);
      } else {
        const hint = typeof id === 'string' && /^[@#]/.test(id) ? ' (use IDs, not names: copy the ID from the profile or channel details)' : '';
        fail(`allow.${key}`, `expected ${what}, got ${show(id)}${hint}`);
        ok = false;
      }
    }
  }
  return ok ? allow : undefined;
}

/**
 * Reads and validates the inventory file. Relative key and known_hosts paths are resolved against the
 * file's directory. Credentials are read only at connect time (`resolveCredentials`), but missing env vars
 * and unreadable files are reported here as warnings so an admin sees them at start-up.
 */
export function loadInventory(file: string, env: NodeJS.ProcessEnv): Inventory {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError([`${file}: cannot read the inventory file (${code})`]);
  }
  const parsed = parseInventory(text, file);
  const base = path.dirname(path.resolve(file));
  const warnings = [...(parsed.warnings ?? [])];
  const jumpHosts = (parsed.jumpHosts ?? []).map((entry) => {
    const resolved = resolvePaths(entry, base);
    warnings.push(...startupChecks(resolved, file, env, 'jump host'));
    return resolved;
  });
  const firewalls = parsed.firewalls.map((entry) => {
    const resolved = resolvePaths(entry, base);
    warnings.push(...startupChecks(resolved, file, env, 'firewall'));
    return resolved;
  });
  return { source: file, firewalls, ...(jumpHosts.length > 0 ? { jumpHosts } : {}), warnings };
}

function resolvePaths<T extends SshHostEntry>(entry: T, base: string): T {
  const auth = entry.auth.type === 'privateKey' ? { ...entry.auth, privateKeyPath: path.resolve(base, entry.auth.privateKeyPath) } : entry.auth;
  const hostKey =
    entry.hostKey.knownHostsFile !== undefined ? { ...entry.hostKey, knownHostsFile: path.resolve(base, entry.hostKey.knownHostsFile) } : entry.hostKey;
  // A firewall's write account (remediation:) has key paths too; jump hosts have none.
  const written = (entry as { remediation?: RemediationAccess }).remediation;
  const remediation = written?.auth.type === 'privateKey' ? { ...written, auth: { ...written.auth, privateKeyPath: path.resolve(base, written.auth.privateKeyPath) } } : written;
  return { ...entry, auth, hostKey, ...(entry.via ? { via: entry.via.map((hop) => resolvePaths(hop, base)) } : {}), ...(remediation ? { remediation } : {}) };
}

function startupChecks(entry: SshHostEntry, source: string, env: NodeJS.ProcessEnv, what: 'firewall' | 'jump host'): string[] {
  const warnings: string[] = [];
  const at = (field: string) => `${source}: ${what} "${entry.name}": field "${field}"`;
  const affected = what === 'firewall' ? 'checks of this firewall' : 'checks through this jump host';
  const envSet = (name: string) => (env[name] ?? '') !== '';
  if (entry.auth.type === 'password') {
    if (!envSet(entry.auth.passwordEnv)) warnings.push(`${at('password_env')}: environment variable ${entry.auth.passwordEnv} is not set; ${affected} will fail until it is`);
  } else {
    const problem = fileProblem(entry.auth.privateKeyPath);
    if (problem) warnings.push(`${at('private_key')}: ${entry.auth.privateKeyPath}: ${problem}; ${affected} will fail until it is readable`);
    else if (groupOrWorldReadable(entry.auth.privateKeyPath)) warnings.push(`${at('private_key')}: ${entry.auth.privateKeyPath} is readable by group or others; chmod 600 it`);
    if (entry.auth.passphraseEnv !== undefined && !envSet(entry.auth.passphraseEnv)) {
      warnings.push(`${at('passphrase_env')}: environment variable ${entry.auth.passphraseEnv} is not set; ${affected} will fail until it is`);
    }
  }
  const write = (entry as { remediation?: RemediationAccess }).remediation?.auth;
  if (write?.type === 'password' && !envSet(write.passwordEnv)) {
    warnings.push(`${at('remediation.password_env')}: environment variable ${write.passwordEnv} is not set; changes of this firewall are refused until it is (checks are not affected)`);
  } else if (write?.type === 'privateKey') {
    const problem = fileProblem(write.privateKeyPath);
    if (problem) warnings.push(`${at('remediation.private_key')}: ${write.privateKeyPath}: ${problem}; changes of this firewall are refused until it is readable (checks are not affected)`);
  }
  if (entry.hostKey.knownHostsFile !== undefined) {
    const problem = fileProblem(entry.hostKey.knownHostsFile);
    if (problem) warnings.push(`${at('known_hosts')}: ${entry.hostKey.knownHostsFile}: ${problem}`);
  }
  return warnings;
}

function fileProblem(file: string): string | undefined {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile() ? undefined : 'not a regular file';
  } catch (e) {
    return `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

function groupOrWorldReadable(file: string): boolean {
  try {
    return process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * The console demo's firewall: the in-process simulator on loopback. Only the console adapter may use it
 * (`authorize` checks `demo` and the adapter); an inventory file cannot create it (`demo` is not a field).
 */
export function demoInventoryEntry(port: number, fingerprint: string, passwordEnv: string = DEMO_PASSWORD_ENV, username = 'admin'): FirewallEntry {
  return {
    name: DEMO_FIREWALL,
    host: '127.0.0.1',
    port,
    username,
    auth: { type: 'password', passwordEnv },
    hostKey: { fingerprints: [fingerprint] },
    allow: { users: [], userGroups: [], channels: [] },
    algorithms: 'default',
    demo: true,
  };
}

/** Adds the demo entry (console mode); an inventory cannot already hold `fw-demo` (reserved name). */
export function withDemoEntry(inventory: Inventory, entry: FirewallEntry): Inventory {
  return { ...inventory, firewalls: [...inventory.firewalls.filter((f) => f.name !== entry.name), entry] };
}
