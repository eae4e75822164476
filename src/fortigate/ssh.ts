import type { Duplex } from 'node:stream';
import { Client, type Algorithms, type ConnectConfig } from 'ssh2';
import { CheckError } from '../errors';
import { makeHostVerifier, normaliseFingerprint, type HostKeyResult } from './hostKey';

/** A TCP stream to a firewall forwarded through jump hosts (jump.ts). */
export interface JumpTunnel {
  /** The forwarded TCP stream to the destination: pass it as ssh2's `sock`. */
  sock: Duplex;
  /** Gives the hops back to the pool; idempotent. Call when the connection over `sock` has closed. */
  release(): void;
}

/** What a connection through jump hosts needs of the pool (jump.ts `JumpPool`): declared here, so ssh.ts needs no import of it. */
export interface HopForwarder {
  forward(hops: readonly ConnectTarget[], host: string, port: number, timeoutMs: number): Promise<JumpTunnel>;
}

/** Everything needed to reach one firewall. Secrets live only here, never in messages or debug lines. */
export interface ConnectTarget {
  /** Inventory name, used in messages. */
  name: string;
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Pinned host key fingerprints (`SHA256:...`, as `ssh-keygen -lf` prints). Empty: the connection is refused. */
  fingerprints: string[];
  /** `legacy` adds what old FortiOS units need (docs/ssh.md "The ssh2 client"). */
  algorithms: 'default' | 'legacy';
  /** TCP + handshake + authentication. */
  readyTimeoutMs: number;
  /** SSH keepalive interval for long captures (0 = off). */
  keepaliveMs: number;
  /** Handshake trace (ssh2 `debug`), secrets redacted. */
  debug?: (line: string) => void;
  /** Jump hosts to go through, outermost first, and the pool that shares their connections (fortigate/jump.ts). */
  via?: { hops: ConnectTarget[]; pool: HopForwarder };
  /** An already open stream to run SSH over instead of a TCP connection (a jump host's forwarded channel). */
  sock?: Duplex;
}

/** Where the connection got to, for timeout messages ("Timed out while waiting for handshake" is a catch-all: docs/ssh.md). */
export type ConnectPhase = 'tcp-connect' | 'key-exchange' | 'authentication' | 'ready';

/**
 * `legacy`: old FortiOS units may only offer SHA-1 DH groups (Netmiko's FortiOS driver restricts itself to them)
 * and `ssh-rsa` host keys, which FortiOS 7.4.4+ defaults drop (docs/ssh.md). ssh2 skips duplicates on append.
 */
export function algorithmsFor(preset: ConnectTarget['algorithms']): Algorithms | undefined {
  if (preset === 'default') return undefined;
  return {
    kex: { append: ['diffie-hellman-group14-sha1'], prepend: [], remove: [] },
    serverHostKey: { append: ['ssh-rsa'], prepend: [], remove: [] },
  };
}

/** Replaces every occurrence of the target's secrets in a line (ssh2 debug lines should not hold any; belt and braces). */
export function redactSecrets(line: string, target: Pick<ConnectTarget, 'password' | 'passphrase'>): string {
  let out = line;
  for (const secret of [target.password, target.passphrase]) {
    if (secret && secret.length >= 3) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** Keyboard-interactive (RADIUS/TACACS/FortiToken): answer password-like prompts, or a lone hidden prompt, with the password. */
export function answerKeyboardPrompts(prompts: ReadonlyArray<{ prompt: string; echo?: boolean }>, password: string | undefined): string[] {
  return prompts.map((p) => {
    const asksPassword = /pass(?:word|code|phrase)?|secret|response/i.test(p.prompt) || (prompts.length === 1 && p.echo !== true);
    return asksPassword && password !== undefined ? password : '';
  });
}

/**
 * Connects (through the jump hosts of `via`, if any), verifies the pinned host key before authentication,
 * authenticates. Rejects with a `CheckError`.
 */
export async function connectSsh(target: ConnectTarget): Promise<Client> {
  if (!target.via || target.via.hops.length === 0) return connectDirect(target);
  const tunnel: JumpTunnel = await target.via.pool.forward(target.via.hops, target.host, target.port, target.readyTimeoutMs);
  try {
    const client = await connectDirect({ ...target, via: undefined, sock: tunnel.sock });
    // The hops stay held while this connection lives; its end (or the tunnel's) gives them back.
    client.once('close', tunnel.release);
    return client;
  } catch (e) {
    tunnel.sock.destroy();
    tunnel.release();
    throw e;
  }
}

function connectDirect(target: ConnectTarget): Promise<Client> {
  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    const where = `${target.host}:${target.port}`;
    let phase: ConnectPhase = 'tcp-connect';
    let hostKey: HostKeyResult | null = null;
    let settled = false;

    const fail = (e: CheckError) => {
      if (settled) return;
      settled = true;
      try {
        client.end();
      } catch {
        // already closed
      }
      reject(e);
    };

    const onResult = (r: HostKeyResult) => {
      hostKey = r;
      if (!r.ok) target.debug?.(`host key refused: presented ${r.presented}`);
    };
    const verifier = makeHostVerifier(target.fingerprints, onResult);

    client.on('connect', () => {
      phase = 'key-exchange';
      client.setNoDelay(true);
    });
    client.on('handshake', () => {
      phase = 'authentication';
    });
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      finish(answerKeyboardPrompts(prompts, target.password));
    });
    client.on('ready', () => {
      phase = 'ready';
      if (settled) return;
      settled = true;
      client.setNoDelay(true);
      resolve(client);
    });
    // A listener must stay for the client's lifetime: an unhandled 'error' (keepalive timeout mid-capture) would crash the process.
    client.on('error', (err: Error & { level?: string }) => {
      target.debug?.(redactSecrets(`ssh error (${err.level ?? 'unknown'}): ${err.message}`, target));
      if (settled) return;
      fail(mapConnectError(err, target, phase, hostKey));
    });
    client.on('close', () => {
      fail(new CheckError('disconnected', `${target.name} (${where}) closed the connection during ${phase}`, { phase }));
    });

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: target.readyTimeoutMs,
      keepaliveInterval: target.keepaliveMs,
      keepaliveCountMax: 3,
      tryKeyboard: true,
      hostVerifier: verifier,
    };
    if (target.sock !== undefined) config.sock = target.sock;
    if (target.password !== undefined) config.password = target.password;
    if (target.privateKey !== undefined) config.privateKey = target.privateKey;
    if (target.passphrase !== undefined) config.passphrase = target.passphrase;
    const algorithms = algorithmsFor(target.algorithms);
    if (algorithms) config.algorithms = algorithms;
    if (target.debug) {
      const debug = target.debug;
      config.debug = (line: string) => debug(redactSecrets(line, target));
    }

    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously on an unparsable private key; its message names no secret, but keep ours generic.
      const why = e instanceof Error && /privateKey|passphrase/i.test(e.message) ? 'the private key cannot be parsed (wrong format or passphrase)' : 'invalid connection settings';
      fail(new CheckError('config', `cannot connect to ${target.name}: ${why}`));
    }
  });
}

/** docs/ssh.md "Errors: what the user reads". */
export function mapConnectError(
  err: Error & { level?: string },
  target: Pick<ConnectTarget, 'name' | 'host' | 'port' | 'username' | 'fingerprints' | 'readyTimeoutMs'>,
  phase: ConnectPhase,
  hostKey: HostKeyResult | null,
): CheckError {
  const where = `${target.host}:${target.port}`;
  // The verifier's verdict is checked first: ssh2 reports a refused key as a generic handshake error.
  if (hostKey && !hostKey.ok) {
    if (target.fingerprints.length === 0) {
      return new CheckError(
        'host-key-unknown',
        `no SSH host key is pinned for ${target.name} (${where}); it presented ${hostKey.presented}`,
        { presented: hostKey.presented },
      );
    }
    const expected = target.fingerprints.map(normaliseFingerprint).join(', ');
    return new CheckError(
      'host-key-mismatch',
      `SSH host key of ${target.name} (${where}) does not match: expected ${expected}, presented ${hostKey.presented}`,
      { expected, presented: hostKey.presented },
    );
  }
  switch (err.level) {
    case 'client-socket':
    case 'client-dns': {
      const code = (err as { code?: unknown }).code;
      const why = typeof code === 'string' ? code : err.message;
      return new CheckError('unreachable', `${target.name} is unreachable on ${where} (${why})`, { host: target.host, port: target.port });
    }
    case 'client-timeout': {
      const seconds = Math.round(target.readyTimeoutMs / 100) / 10;
      return new CheckError('timeout', `${target.name} (${where}) did not answer within ${seconds} s (phase: ${phase})`, { phase });
    }
    case 'handshake': {
      const m = /no matching ([\w >-]+)/.exec(err.message);
      const what = m ? m[1].trim() : 'algorithms';
      return new CheckError(
        'algorithm-mismatch',
        `SSH handshake with ${target.name} (${where}) failed: no common ${what}`,
        { phase },
      );
    }
    case 'client-authentication':
      return new CheckError('auth-failed', `authentication failed for user "${target.username}" on ${target.name} (${where})`, {
        user: target.username,
      });
    case 'protocol':
      return new CheckError('unreachable', `${target.name} (${where}) closed the connection before the SSH handshake`, { phase });
    default:
      return new CheckError('disconnected', `SSH connection to ${target.name} (${where}) failed during ${phase}`, { phase });
  }
}
