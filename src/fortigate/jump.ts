import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { CheckError } from '../errors';
import type { ConnectTarget, HopForwarder, JumpTunnel } from './ssh';

/**
 * SSH through jump hosts (bastions): each hop is an ordinary SSH connection (pinned host key, its own credentials,
 * the same ready timeout and keepalive), the next one runs over a `direct-tcpip` channel of the one before
 * (ssh2 `forwardOut`, passed as `sock`: OpenSSH's ProxyJump does the same). The firewall's own connection is
 * unchanged, so its prompt, deadlines and always-reset teardown are too; when a hop drops, the channel under
 * the firewall's connection ends and the check sees a dropped session like any other.
 *
 * Connections to jump hosts are shared: a sweep of many firewalls behind one bastion opens one connection to it
 * (each firewall is one channel). A connection nobody uses is closed after `idleMs`; a dead one is forgotten at
 * once, so the next check dials again.
 */

/** `connectSsh`, injected (jump.ts is imported by ssh.ts). */
export type Dial = (target: ConnectTarget) => Promise<Client>;

export type { JumpTunnel } from './ssh';

interface PooledHop {
  key: string;
  client: Promise<Client>;
  users: number;
  idle: NodeJS.Timeout | null;
  dead: boolean;
  /** The hop before (its connection carries this one), released when this one closes. */
  releaseOuter: () => void;
}

/**
 * Each hop is known by the whole chain up to it (the same bastion reached two ways is two connections), and by its
 * inventory name: two entries for one address (other pinned keys, other account) never share a connection.
 */
function hopKey(hops: readonly ConnectTarget[], upTo: number): string {
  return hops
    .slice(0, upTo + 1)
    .map((h) => `${h.name}=${h.username}@${h.host}:${h.port}`)
    .join('>');
}

export class JumpPool implements HopForwarder {
  private readonly hops = new Map<string, PooledHop>();
  /** Connections ever made to a hop, for tests and the bench. */
  dialled = 0;

  constructor(
    private readonly dial: Dial,
    private readonly opts: { idleMs: number } = { idleMs: 10_000 },
  ) {}

  /** Hops currently connected or connecting. */
  get size(): number {
    return this.hops.size;
  }

  /**
   * A `direct-tcpip` channel to `host:port` through `hops` (outermost first). Rejects with a `CheckError` naming the
   * hop that failed; the destination's own errors are left to its connection.
   */
  async forward(hops: readonly ConnectTarget[], host: string, port: number, timeoutMs: number): Promise<JumpTunnel> {
    if (hops.length === 0) throw new RangeError('forward() needs at least one hop');
    const last = hops.length - 1;
    for (let attempt = 1; ; attempt++) {
      const { client, release, hop, reused } = await this.acquire(hops, last);
      try {
        const sock = await this.openChannel(hops, last, client, host, port, timeoutMs);
        let released = false;
        return {
          sock,
          release: () => {
            if (released) return;
            released = true;
            release();
          },
        };
      } catch (e) {
        release();
        // A shared connection that died a moment ago (its `close` not yet seen): forget it and dial once more.
        const stale = reused && (hop.dead || !isUsable(client));
        if (!stale || attempt > 1) throw e;
        this.forget(hop);
      }
    }
  }

  /** Closes every hop connection now (shutdown, tests). */
  async close(): Promise<void> {
    const all = [...this.hops.values()];
    this.hops.clear();
    await Promise.all(
      all.map(async (hop) => {
        hop.dead = true;
        if (hop.idle) clearTimeout(hop.idle);
        try {
          (await hop.client).end();
        } catch {
          // never connected
        }
      }),
    );
  }

  /** The connection to `hops[index]`, shared, counted; dialled through `hops[index - 1]` when there is one. */
  private async acquire(hops: readonly ConnectTarget[], index: number): Promise<{ client: Client; release: () => void; hop: PooledHop; reused: boolean }> {
    const key = hopKey(hops, index);
    let hop = this.hops.get(key);
    const reused = hop !== undefined && !hop.dead;
    if (!hop || hop.dead) {
      hop = this.connectHop(hops, index, key);
      this.hops.set(key, hop);
    }
    const held = hop;
    held.users++;
    if (held.idle) {
      clearTimeout(held.idle);
      held.idle = null;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.users--;
      if (held.users > 0 || held.dead) return;
      if (this.opts.idleMs <= 0) return this.retire(held);
      held.idle = setTimeout(() => this.retire(held), this.opts.idleMs);
      held.idle.unref();
    };
    try {
      return { client: await held.client, release, hop: held, reused };
    } catch (e) {
      release();
      throw e;
    }
  }

  private connectHop(hops: readonly ConnectTarget[], index: number, key: string): PooledHop {
    const target = hops[index];
    const hop: PooledHop = { key, client: Promise.resolve(undefined as unknown as Client), users: 0, idle: null, dead: false, releaseOuter: () => undefined };
    const forget = () => this.forget(hop);
    hop.client = (async () => {
      try {
        let sock: Duplex | undefined;
        if (index > 0) {
          const outer = await this.acquire(hops, index - 1);
          hop.releaseOuter = outer.release;
          sock = await this.openChannel(hops, index - 1, outer.client, target.host, target.port, target.readyTimeoutMs);
        }
        this.dialled++;
        let client: Client;
        try {
          client = await this.dial(sock ? { ...target, sock } : target);
        } catch (e) {
          sock?.destroy();
          throw asJumpError(e, target);
        }
        client.once('close', forget);
        return client;
      } catch (e) {
        forget();
        throw e;
      }
    })();
    // Settled by `acquire`'s await; this only keeps an early rejection from being reported as unhandled.
    hop.client.catch(() => undefined);
    return hop;
  }

  /** Idle too long: close it. */
  private retire(hop: PooledHop): void {
    if (hop.users > 0 || hop.dead) return;
    void hop.client.then((c) => c.end()).catch(() => undefined);
    this.forget(hop);
  }

  /** Out of the pool (closed, failed or stale): the next request dials again; the hop before it is given back. */
  private forget(hop: PooledHop): void {
    if (hop.dead) return;
    hop.dead = true;
    if (hop.idle) clearTimeout(hop.idle);
    if (this.hops.get(hop.key) === hop) this.hops.delete(hop.key);
    hop.releaseOuter();
  }

  /** `forwardOut` with a deadline; a refusal names the jump host and the destination. */
  private openChannel(hops: readonly ConnectTarget[], index: number, client: Client, host: string, port: number, timeoutMs: number): Promise<Duplex> {
    const via = hops[index];
    const where = `${host}:${port}`;
    return new Promise<Duplex>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        reject(new CheckError('timeout', `jump host ${via.name} did not open a connection to ${where} within ${Math.round(timeoutMs / 100) / 10} s`, { jumpHost: via.name }));
      }, timeoutMs);
      const settle = (err: Error | undefined, stream?: Duplex) => {
        if (done) {
          stream?.destroy();
          return;
        }
        done = true;
        clearTimeout(timer);
        if (err || !stream) {
          // The bastion's reason (`Connection refused`, `administratively prohibited`) is its own text: keep it short.
          const why = (err?.message ?? 'no channel').replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 120);
          reject(new CheckError('unreachable', `jump host ${via.name} could not reach ${where} (${why})`, { jumpHost: via.name, host, port }));
          return;
        }
        resolve(stream);
      };
      try {
        // The originator address is informational (RFC 4254 7.2); loopback says "a local client".
        client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => settle(err, stream));
      } catch (e) {
        // ssh2 throws `Not connected` when the hop has just gone away.
        settle(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }
}

/** ssh2 keeps its socket private; a closed or ended one means the connection is gone. */
function isUsable(client: Client): boolean {
  const sock = (client as unknown as { _sock?: { writable?: boolean; destroyed?: boolean } })._sock;
  return sock !== undefined && sock.writable === true && sock.destroyed !== true;
}

/** A hop's own connect error already names it (`connectSsh` uses the target's name); say that it is the jump host. */
function asJumpError(e: unknown, target: ConnectTarget): unknown {
  if (!(e instanceof CheckError)) return e;
  return new CheckError(e.kind, `jump host ${target.name}: ${e.message}`, { ...e.detail, jumpHost: target.name }, e.retryable);
}
