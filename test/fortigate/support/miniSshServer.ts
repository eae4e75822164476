import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Server, utils, type Algorithms, type AuthContext, type Connection } from 'ssh2';
import { fingerprintOf } from '../../../src/fortigate/hostKey';
import { unusedPort } from '../../support/ports';
import { parseableKeyPair } from '../../support/sshKeys';

/**
 * A bare ssh2 server for connect-level tests (host key, authentication, algorithms). It records every
 * authentication attempt, which the FortiGate simulator does not, so "no credential was sent" is observable.
 */

/** An ed25519 host key that ssh2 itself can parse (see parseableKeyPair). */
export function makeHostKey(): { pem: string; fingerprint: string } {
  const { private: pem } = parseableKeyPair(() => utils.generateKeyPairSync('ed25519'));
  const parsed = utils.parseKey(pem);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return { pem, fingerprint: fingerprintOf(key.getPublicSSH()) };
}

export interface MiniServerOptions {
  hostKey: string;
  username: string;
  password: string;
  /** Only keyboard-interactive, as RADIUS/TACACS logins often are. */
  keyboardOnly?: boolean;
  algorithms?: Algorithms;
  prompt?: string;
}

export class MiniSshServer {
  readonly authAttempts: Array<{ method: string; username: string }> = [];
  readonly shells: number[] = [];
  private readonly server: Server;
  private readonly clients = new Set<Connection>();

  constructor(private readonly opts: MiniServerOptions) {
    this.server = new Server({ hostKeys: [opts.hostKey], algorithms: opts.algorithms }, (client) => {
      this.clients.add(client);
      client.on('error', () => undefined);
      client.on('close', () => this.clients.delete(client));
      client.on('authentication', (ctx) => this.authenticate(ctx));
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('shell', (ok) => {
          const stream = ok();
          this.shells.push(Date.now());
          stream.write('\r\n' + (opts.prompt ?? 'FW-MINI # '));
        });
      });
    });
  }

  private authenticate(ctx: AuthContext): void {
    this.authAttempts.push({ method: ctx.method, username: ctx.username });
    const userOk = ctx.username === this.opts.username;
    if (ctx.method === 'keyboard-interactive') {
      ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
        if (userOk && answers[0] === this.opts.password) ctx.accept();
        else ctx.reject();
      });
      return;
    }
    if (ctx.method === 'password' && !this.opts.keyboardOnly) {
      if (userOk && ctx.password === this.opts.password) ctx.accept();
      else ctx.reject();
      return;
    }
    ctx.reject(this.opts.keyboardOnly ? ['keyboard-interactive'] : ['password', 'keyboard-interactive']);
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A TCP server that accepts and never says a word: the handshake can only time out. */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nobody listens on, and nothing will take by chance (see unusedPort). */
export const closedPort = unusedPort;
