import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { BotMetrics } from './metrics';

/**
 * /healthz and /metrics on a small server on SIP_CHECK_METRICS_PORT, bound to SIP_CHECK_METRICS_HOST (127.0.0.1
 * by default: the ops port is for the host's own scraper, not the network). In HTTP mode /healthz also answers on
 * the public Slack port (for the load balancer), /metrics never does. /healthz answers 200 when every probe passes,
 * else 503, with one JSON object naming each probe, so a load balancer and a human read the same thing.
 */
export interface HealthProbe {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** A probe that does not answer within this long fails (a hung Redis must not hang the health check). */
const PROBE_TIMEOUT_MS = 2_000;

export async function runProbes(probes: readonly HealthProbe[]): Promise<HealthReport> {
  const checks: HealthReport['checks'] = {};
  await Promise.all(
    probes.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
      });
      try {
        checks[p.name] = await Promise.race([p.check(), timeout]);
      } catch (e) {
        checks[p.name] = { ok: false, detail: e instanceof Error ? e.message : String(e) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

/** The journal file's directory accepts writes (the file itself is replaced by rename, so the directory matters). */
export function journalFileProbe(file: string): HealthProbe {
  return {
    name: 'journal',
    async check() {
      const dir = path.dirname(file);
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        accessSync(dir, constants.W_OK);
        return { ok: true, detail: `file ${file}` };
      } catch (e) {
        return { ok: false, detail: `${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
      }
    },
  };
}

export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function opsHandler(metrics: BotMetrics, probes: readonly HealthProbe[]): OpsHandler {
  return (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const fail = (e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    };
    if (url === '/healthz') {
      runProbes(probes)
        .then((report) => {
          res.writeHead(report.ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
          res.end(`${JSON.stringify(report)}\n`);
        })
        .catch(fail);
      return;
    }
    if (url === '/metrics') {
      metrics
        .text()
        .then((text) => {
          res.writeHead(200, { 'Content-Type': metrics.contentType });
          res.end(text);
        })
        .catch(fail);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  };
}

/** The routes of the public Slack receiver in HTTP mode: /healthz only (the metrics stay on the ops port). */
export function slackReceiverRoutes(handler: OpsHandler): Array<{ path: string; method: string[]; handler: OpsHandler }> {
  return [{ path: '/healthz', method: ['GET'], handler }];
}

/** The ops server, on loopback unless `host` says otherwise. Resolves with the bound port (0 picks a free one). */
export function startOpsServer(port: number, handler: OpsHandler, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
  });
}
