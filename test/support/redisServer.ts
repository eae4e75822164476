import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unusedPort } from './ports';

/**
 * A real redis-server for one test file: a free loopback port, a temp directory, no persistence (a restart is an
 * empty Redis, like a crashed cache node). `SIP_CHECK_TEST_REDIS_SERVER` names another binary; .ci/run installs
 * Debian's redis-server when it is missing.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await unusedPort());
    await server.run();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it again on the same port (after `stop`), empty. */
  async run(): Promise<void> {
    const binary = process.env.SIP_CHECK_TEST_REDIS_SERVER ?? 'redis-server';
    const child = spawn(binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (/Ready to accept connections/.test(seen)) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('error', (e) => reject(new Error(`cannot start ${binary} (install redis-server): ${e.message}`)));
      child.once('exit', (code) => reject(new Error(`${binary} exited with ${code}: ${seen}`)));
    });
  }

  /** Stops it (SIGKILL: no goodbye to the clients, like a crash) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
