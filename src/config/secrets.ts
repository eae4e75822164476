import * as fs from 'node:fs';
import { CheckError } from '../errors';
import type { Inventory, SshHostEntry } from './types';

/**
 * Credentials are read at connect time, from the env var or file the inventory names, and go
 * straight to ssh2. Errors name the variable or the path, never a value.
 */
export interface Credentials {
  password?: string;
  privateKey?: Buffer;
  passphrase?: string;
}

/** Private keys are small; a huge file is the wrong file (and must not be read into memory). */
const MAX_KEY_BYTES = 64 * 1024;

function readKeyFile(file: string): Buffer {
  const size = fs.statSync(file).size;
  if (size > MAX_KEY_BYTES) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
  return fs.readFileSync(file);
}

export function resolveCredentials(entry: SshHostEntry, env: NodeJS.ProcessEnv, readFile: (p: string) => Buffer = readKeyFile): Credentials {
  const fromEnv = (name: string, what: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new CheckError('credentials-missing', `The ${what} for ${entry.name} is missing: environment variable ${name} is not set.`, {
        firewall: entry.name,
        variable: name,
      });
    }
    return value;
  };

  if (entry.auth.type === 'password') return { password: fromEnv(entry.auth.passwordEnv, 'password') };

  const keyPath = entry.auth.privateKeyPath;
  let privateKey: Buffer;
  try {
    privateKey = readFile(keyPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new CheckError('credentials-missing', `The private key for ${entry.name} cannot be read: ${keyPath} (${code}).`, { firewall: entry.name, path: keyPath, code });
  }
  if (privateKey.length === 0) {
    throw new CheckError('credentials-missing', `The private key for ${entry.name} is empty: ${keyPath}.`, { firewall: entry.name, path: keyPath });
  }
  if (entry.auth.passphraseEnv === undefined) return { privateKey };
  return { privateKey, passphrase: fromEnv(entry.auth.passphraseEnv, 'key passphrase') };
}

/** Shorter values would mask ordinary words in scrubbed text; such secrets are unsafe anyway. */
const MIN_SCRUB_LENGTH = 4;

/**
 * Every secret value the process knows of (Slack secrets and the inventory's referenced env vars), for
 * `AuditLog`'s last-line defence. Values, so keep the result in memory only.
 */
export function secretValues(env: NodeJS.ProcessEnv, inventory?: Inventory): string[] {
  const names = new Set(['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']);
  for (const entry of [...(inventory?.firewalls ?? []), ...(inventory?.jumpHosts ?? [])]) {
    if (entry.auth.type === 'password') names.add(entry.auth.passwordEnv);
    else if (entry.auth.passphraseEnv !== undefined) names.add(entry.auth.passphraseEnv);
    const write = (entry as { remediation?: { auth: SshHostEntry['auth'] } }).remediation?.auth;
    if (write?.type === 'password') names.add(write.passwordEnv);
    else if (write?.passphraseEnv !== undefined) names.add(write.passphraseEnv);
  }
  const values = new Set<string>();
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.length >= MIN_SCRUB_LENGTH) values.add(value);
  }
  for (const value of redisUrlSecrets(env.SIP_CHECK_REDIS_URL)) if (value.length >= MIN_SCRUB_LENGTH) values.add(value);
  return [...values];
}

/** The password in SIP_CHECK_REDIS_URL (`redis://user:PASSWORD@host` or `?password=PASSWORD`), decoded and as written. */
function redisUrlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const raw = [u.password, ...[...u.searchParams.entries()].filter(([k]) => /pass|secret|token|auth/i.test(k)).map(([, v]) => v)].filter(Boolean);
    return [...new Set(raw.flatMap((v) => [v, safeDecode(v)]))];
  } catch {
    return [];
  }
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
