import { createHash, timingSafeEqual } from 'node:crypto';
import { connect as tcpConnect, createServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import { Server, utils, type Connection, type ParsedKey } from 'ssh2';
import { adoptSocket } from './sockets';

/**
 * An SSH bastion on loopback (ssh2 `Server`), for tests and the demo: it authenticates like OpenSSH's sshd
 * (password), opens no shell, and forwards `direct-tcpip` channels (what `ssh -J` and ssh2's `forwardOut` ask
 * for) to TCP destinations, by default on loopback only. It counts TCP connections and forwards, and can drop
 * every connection at once (a bastion that dies mid-capture).
 */

/**
 * Its fixed ed25519 host key (generated once with `ssh-keygen -t ed25519`; test-only, never a real host's key):
 * SHA256:GYXGVpOC/OX8xqrT3OhN/ZEGZcOO4MumeYe7kT9hAmo (`ssh-keygen -lf`).
 */
export const JUMP_HOST_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACCgK4a1TPcaVN1rd2P7GSiMG6tC7VUSnw81KxZl3M6TCwAAAKDzFUCe8xVA
ngAAAAtzc2gtZWQyNTUxOQAAACCgK4a1TPcaVN1rd2P7GSiMG6tC7VUSnw81KxZl3M6TCw
AAAEAGggfTqXPXlWQ56zVH/D0hdmlJw6s4iE2ZYSxA9K9JY6ArhrVM9xpU3Wt3Y/sZKIwb
q0LtVRKfDzUrFmXczpMLAAAAHHNpcC1jaGVjayB0ZXN0IGp1bXAgaG9zdCBrZXkB
-----END OPENSSH PRIVATE KEY-----
`;

export const JUMP_HOST_KEY_FINGERPRINT = 'SHA256:GYXGVpOC/OX8xqrT3OhN/ZEGZcOO4MumeYe7kT9hAmo';

export interface JumpHostOptions {
  users: Array<{ username: string; password: string }>;
  /** PEM/OpenSSH private host key; default JUMP_HOST_KEY. */
  hostKey?: string;
  host?: string;
  port?: number;
  /** Which destinations may be reached; default: loopback addresses only. */
  mayForwardTo?: (host: string, port: number) => boolean;
}

function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export class JumpHostServer {
  readonly hostKeyFingerprint: string;
  /** TCP connections accepted (each is one SSH connection of a client). */
  connections = 0;
  /** `direct-tcpip` channels opened to a destination. */
  forwards = 0;
  /** Forward requests refused (destination not allowed or not answering). */
  refusedForwards = 0;

  private readonly sshServer: Server;
  private readonly netServer: NetServer;
  private readonly sockets = new Map<number, Socket>();
  private readonly upstream = new Set<Socket>();
  private listeningPort = 0;
  private closing = false;

  constructor(private readonly opts: JumpHostOptions) {
    const hostKey = opts.hostKey ?? JUMP_HOST_KEY;
    const parsed = utils.parseKey(hostKey);
    if (parsed instanceof Error) throw new Error(`jump host key: ${parsed.message}`);
    const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
    this.hostKeyFingerprint = 'SHA256:' + createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '');
    this.sshServer = new Server({ hostKeys: [hostKey] }, (client, info) => this.onClient(client, info.port));
    this.netServer = createServer((socket) => this.onSocket(socket));
  }

  get port(): number {
    return this.listeningPort;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.netServer.once('error', reject);
      this.netServer.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        this.netServer.off('error', reject);
        const address = this.netServer.address();
        this.listeningPort = typeof address === 'object' && address ? address.port : 0;
        resolve(this.listeningPort);
      });
    });
  }

  /** The bastion goes away without a word (reboot, network cut): every connection and forward ends now. */
  dropAll(): void {
    for (const socket of this.sockets.values()) socket.destroy();
    for (const socket of this.upstream) socket.destroy();
  }

  close(): Promise<void> {
    this.closing = true;
    this.dropAll();
    return new Promise((resolve) => this.netServer.close(() => resolve()));
  }

  private onSocket(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.connections++;
    adoptSocket(socket, this.sockets, this.sshServer);
  }

  private onClient(client: Connection, remotePort: number): void {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      const user = this.opts.users.find((u) => u.username === ctx.username);
      if (ctx.method === 'password' && user && secretEquals(ctx.password, user.password)) return ctx.accept();
      ctx.reject(['password']);
    });
    client.on('ready', () => {
      // A bastion for forwarding only: no shell, no exec.
      client.on('session', (_accept, reject) => reject());
      client.on('tcpip', (accept, reject, info) => {
        const allowed = this.opts.mayForwardTo ?? isLoopback;
        if (!allowed(info.destIP, info.destPort)) {
          this.refusedForwards++;
          return reject();
        }
        const upstream = tcpConnect({ host: info.destIP, port: info.destPort });
        upstream.setNoDelay(true);
        this.upstream.add(upstream);
        let opened = false;
        upstream.once('connect', () => {
          opened = true;
          this.forwards++;
          const channel = accept();
          channel.on('error', () => undefined);
          channel.pipe(upstream).pipe(channel);
          channel.once('close', () => upstream.destroy());
        });
        upstream.on('error', () => {
          if (!opened) {
            this.refusedForwards++;
            reject();
          }
        });
        upstream.once('close', () => this.upstream.delete(upstream));
      });
    });
    client.once('close', () => this.sockets.get(remotePort)?.destroy());
  }
}
