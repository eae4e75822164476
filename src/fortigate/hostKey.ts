import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SSH host key pinning. Fingerprints are `SHA256:` + unpadded base64 of sha256(raw public key blob),
 * which is what `ssh-keygen -lf` prints (docs/ssh.md: checked with ssh2 1.17; `hostHash` would give hex).
 */

/** Fingerprint of a raw public key blob (the `key` ssh2 hands to `hostVerifier`). */
export function fingerprintOf(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** Accepts `SHA256:abc`, `SHA256:abc=` or a bare `abc`; returns the canonical `SHA256:abc` form. */
export function normaliseFingerprint(fp: string): string {
  const bare = fp.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
  return 'SHA256:' + bare;
}

/** Known-hosts lines are short; a hostile file must not make parsing slow. */
const MAX_LINE = 16 * 1024;

/**
 * Fingerprints of the `known_hosts` entries that match `host` on `port` (OpenSSH sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 * plain names, `[host]:port` for non-22 ports, `*`/`?` wildcards, `!` negations, hashed `|1|salt|hmac` names.
 * `@revoked` and `@cert-authority` lines and comments are ignored (a CA key is not a host key).
 */
export function parseKnownHosts(text: string, host: string, port: number): string[] {
  const wanted = port === 22 ? host : `[${host}]:${port}`;
  const found: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.length > MAX_LINE) continue;
    if (line.startsWith('@')) continue; // @revoked, @cert-authority
    const fields = line.split(/[ \t]+/);
    if (fields.length < 3) continue;
    const [hosts, , keyB64] = fields;
    if (!hostsMatch(hosts, wanted, host, port)) continue;
    const blob = decodeBase64Strict(keyB64);
    if (!blob) continue;
    const fp = fingerprintOf(blob);
    if (!found.includes(fp)) found.push(fp);
  }
  return found;
}

function hostsMatch(hostsField: string, wanted: string, host: string, port: number): boolean {
  if (hostsField.startsWith('|1|')) return hashedMatch(hostsField, wanted);
  let matched = false;
  for (const raw of hostsField.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!patternMatches(pattern, host, port)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function patternMatches(pattern: string, host: string, port: number): boolean {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(pattern);
  if (bracketed) return Number(bracketed[2]) === port && globMatch(bracketed[1].toLowerCase(), host.toLowerCase());
  return port === 22 && globMatch(pattern.toLowerCase(), host.toLowerCase());
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` as written by `ssh-keygen -H`. */
function hashedMatch(field: string, wanted: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4) return false;
  const salt = decodeBase64Strict(parts[2]);
  const hash = decodeBase64Strict(parts[3]);
  if (!salt || !hash || hash.length !== 20) return false;
  const mac = createHmac('sha1', salt).update(wanted).digest();
  return timingSafeEqual(mac, hash);
}

/** `*` and `?` wildcards, iterative with a single backtrack point: O(pattern × name) at worst, no regex. */
function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starN = n;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function decodeBase64Strict(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  const buf = Buffer.from(s, 'base64');
  return buf.length ? buf : null;
}

export interface HostKeyResult {
  ok: boolean;
  presented: string;
}

/**
 * A synchronous ssh2 `hostVerifier(key)`: accepts only a pinned fingerprint. An empty list accepts nothing,
 * so an unpinned firewall is refused during key exchange, before any credential is sent.
 */
export function makeHostVerifier(expected: string[], onResult: (r: HostKeyResult) => void): (key: Buffer) => boolean {
  const pinned = new Set(expected.map(normaliseFingerprint));
  return (key: Buffer) => {
    const presented = fingerprintOf(key);
    const ok = pinned.has(presented);
    onResult({ ok, presented });
    return ok;
  };
}
