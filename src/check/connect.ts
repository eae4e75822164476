import { readFileSync } from 'node:fs';
import type { CheckLimits, FirewallEntry, SshHostEntry } from '../config/types';
import { resolveCredentials } from '../config/secrets';
import { connectSsh, openSession, parseKnownHosts, type ConnectTarget } from '../fortigate';
import { JumpPool } from '../fortigate/jump';
import type { FortiSession } from '../fortigate/types';
import { CheckError } from '../errors';
import type { SessionOpener } from './run';

/**
 * Builds the opener the check uses: secrets are resolved at connect time from the env vars or files the
 * inventory names, host keys from the pinned fingerprints and the known_hosts file. Nothing is trusted on
 * first use, on the firewall or on any jump host in front of it.
 */
export function makeSessionOpener(
  limits: CheckLimits,
  env: NodeJS.ProcessEnv,
  opts: {
    sshDebug?: (line: string) => void;
    /** Shared connections to jump hosts; default: one pool per opener (so per process), idle ones closed after 10 s. */
    jumpPool?: JumpPool;
  } = {},
): SessionOpener {
  const pool = opts.jumpPool ?? new JumpPool(connectSsh);
  return async (entry: FirewallEntry): Promise<FortiSession> => {
    const hops = (entry.via ?? []).map((hop) => connectTargetFor(hop, limits, env, opts.sshDebug));
    const target = connectTargetFor(entry, limits, env, opts.sshDebug);
    return openSession(hops.length > 0 ? { ...target, via: { hops, pool } } : target, { commandTimeoutMs: limits.commandTimeoutMs });
  };
}

/** One SSH endpoint (a firewall or a hop): credentials and pinned keys read now, the same timeouts for every hop. */
export function connectTargetFor(entry: SshHostEntry, limits: CheckLimits, env: NodeJS.ProcessEnv, debug?: (line: string) => void): ConnectTarget {
  const credentials = resolveCredentials(entry, env);
  const fingerprints = [...entry.hostKey.fingerprints];
  if (entry.hostKey.knownHostsFile) {
    let text: string;
    try {
      text = readFileSync(entry.hostKey.knownHostsFile, 'utf8');
    } catch {
      throw new CheckError('host-key-unknown', `Cannot read the known_hosts file \`${entry.hostKey.knownHostsFile}\` named for ${entry.name}.`);
    }
    fingerprints.push(...parseKnownHosts(text, entry.host, entry.port));
  }
  return {
    name: entry.name,
    host: entry.host,
    port: entry.port,
    username: entry.username,
    password: credentials.password,
    privateKey: credentials.privateKey,
    passphrase: credentials.passphrase,
    fingerprints,
    algorithms: entry.algorithms,
    readyTimeoutMs: limits.connectTimeoutMs,
    keepaliveMs: limits.keepaliveMs,
    debug,
  };
}
