/**
 * The container's HEALTHCHECK: GET /healthz on this replica and exit 0 (healthy) or 1. HTTP mode serves it on
 * PORT (Bolt's receiver), Socket Mode and the terminal on SIP_CHECK_METRICS_PORT. No dependencies: Node's fetch.
 */
const env = process.env;
const http = Boolean(env.SLACK_SIGNING_SECRET?.trim()) && !env.SLACK_APP_TOKEN?.trim();
const port = http ? env.PORT?.trim() || '3000' : env.SIP_CHECK_METRICS_PORT?.trim();
if (!port) {
  process.stderr.write('healthcheck: set SIP_CHECK_METRICS_PORT (Socket Mode) so /healthz is served\n');
  process.exit(1);
}
// The ops port listens on SIP_CHECK_METRICS_HOST (default 127.0.0.1); a wildcard bind answers on loopback too.
const bound = env.SIP_CHECK_METRICS_HOST?.trim();
const host = http || !bound || bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound.includes(':') ? `[${bound}]` : bound;
fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(4_000) })
  .then(async (res) => {
    process.stdout.write(`${res.status} ${await res.text()}`);
    process.exit(res.ok ? 0 : 1);
  })
  .catch((e: unknown) => {
    process.stderr.write(`healthcheck: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
