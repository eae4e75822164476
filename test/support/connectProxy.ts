import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * An HTTP CONNECT proxy on loopback, as corporate proxies are (squid and the like): it tunnels `CONNECT host:port`
 * and records each target. Names ending in `.invalid` (RFC 6761: never resolvable) are tunnelled to 127.0.0.1,
 * so a test can prove the bot went through the proxy: without it, such a name cannot be reached at all.
 */
export class ConnectProxy {
  readonly targets: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ConnectProxy> {
    const server = createServer((_req, res) => {
      // Plain (absolute-URI) proxying is not offered: clients must tunnel.
      res.writeHead(405, { 'content-type': 'text/plain' }).end('CONNECT only\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy did not bind');
    const proxy = new ConnectProxy(server, `http://127.0.0.1:${address.port}`);
    server.on('connect', (req, client: Socket, head: Buffer) => {
      const target = req.url ?? '';
      proxy.targets.push(target);
      const m = /^(.+):(\d+)$/.exec(target);
      if (!m) {
        client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      const host = m[1].endsWith('.invalid') ? '127.0.0.1' : m[1];
      const upstream = connect(Number(m[2]), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
    });
    return proxy;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
