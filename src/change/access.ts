import * as fs from 'node:fs';
import type { FirewallEntry } from '../config/types';

/**
 * Whether a firewall may be changed at all: its inventory entry has `remediation:` and the write account's
 * credential is there (env var set, key file readable). Without both there is no Propose button and the command
 * refuses.
 */
export function changeAccess(entry: FirewallEntry | undefined, env: NodeJS.ProcessEnv): { ok: true } | { ok: false; reason: string } {
  if (!entry) return { ok: false, reason: 'Unknown firewall.' };
  const r = entry.remediation;
  if (!r) return { ok: false, reason: `${entry.name} does not allow changes (no \`remediation:\` in its inventory entry): the bot only reads it.` };
  if (r.auth.type === 'password' && !env[r.auth.passwordEnv]) return { ok: false, reason: `${entry.name}'s write account is not configured: environment variable ${r.auth.passwordEnv} is not set.` };
  if (r.auth.type === 'privateKey') {
    try {
      fs.accessSync(r.auth.privateKeyPath, fs.constants.R_OK);
    } catch {
      return { ok: false, reason: `${entry.name}'s write account key cannot be read.` };
    }
    if (r.auth.passphraseEnv && !env[r.auth.passphraseEnv]) return { ok: false, reason: `${entry.name}'s write account is not configured: environment variable ${r.auth.passphraseEnv} is not set.` };
  }
  return { ok: true };
}

/** The same firewall, logged in as the write account (its own credentials). */
export function writeEntry(entry: FirewallEntry): FirewallEntry {
  if (!entry.remediation) throw new Error(`${entry.name} has no write account`);
  return { ...entry, username: entry.remediation.username, auth: entry.remediation.auth };
}
