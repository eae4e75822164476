import { readFileSync } from 'node:fs';
import type { CheckLimits, FirewallEntry } from '../config/types';
import { resolveCredentials } from '../config/secrets';
import { openSession, parseKnownHosts } from '../fortigate';
import type { FortiSession } from '../fortigate/types';
import { CheckError } from '../errors';
import type { SessionOpener } from './run';

/**
 * Builds the opener the check uses: secrets are resolved at connect time from the env vars or files the
 * inventory names, host keys from the pinned fingerprints and the known_hosts file. Nothing is trusted on
 * first use.
 */
export function makeSessionOpener(limits: CheckLimits, env: NodeJS.ProcessEnv, opts: { sshDebug?: (line: string) => void } = {}): SessionOpener {
  return async (entry: FirewallEntry): Promise<FortiSession> => {
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
    return openSession(
      {
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
        debug: opts.sshDebug,
      },
      { commandTimeoutMs: limits.commandTimeoutMs },
    );
  };
}
