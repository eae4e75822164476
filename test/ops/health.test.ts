/**
 * /healthz and /metrics over real HTTP: in HTTP mode as custom routes of the real Bolt receiver (a signed
 * `/sip-check` runs a real check on the simulator with Redis-backed coordination, and the metrics show it), and
 * in Socket Mode on the small ops port, whose /healthz follows the WebSocket to (fake) Slack.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../src/adapters/slack/app';
import { AuditLog } from '../../src/check/audit';
import { createCheckService, type CheckService, type HandleOutcome } from '../../src/check/service';
import { makeSessionOpener } from '../../src/check/connect';
import { journalFileProbe, opsHandler, slackReceiverRoutes, startOpsServer, type HealthProbe } from '../../src/ops/health';
import { BotMetrics, instrumentOpener } from '../../src/ops/metrics';
import { connectRedis, type RedisStore } from '../../src/redis/client';
import { RedisJournal } from '../../src/redis/journal';
import { RedisCheckSlots, RedisDeviceLocks } from '../../src/redis/locks';
import { RedisRateLimiter } from '../../src/redis/rateLimit';
import { isDebugClean } from '../../src/simulator';
import { FakeSlack, signSlackRequest } from '../support/fakeSlack';
import { startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { RedisServer } from '../support/redisServer';
import { recordingLogger, StubService } from '../adapters/slack/fixtures';

jest.setTimeout(60_000);

const SECRET = 'test-signing-secret-0123456789abcdef';

/** Prometheus text format → `name{labels}` → value (comments and HELP/TYPE lines skipped). */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  return samples;
}

describe('health and metrics', () => {
  let redis: RedisServer;
  let fake: FakeSlack;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis.close());
  beforeEach(async () => {
    fake = await FakeSlack.start();
  });
  afterEach(() => fake.close());

  test('HTTP mode: /healthz on the Slack receiver\'s port, /metrics only on the loopback ops port; both reflect a real check, and Redis going away', async () => {
    const fw: SimulatedFirewall = await startFirewall();
    const store: RedisStore = await connectRedis({ url: redis.url });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-ops-'));
    const metrics = new BotMetrics();
    const limits = testLimits();
    const service: CheckService = createCheckService({
      inventory: { source: 'test', firewalls: [{ ...fw.entry, allow: { users: ['U024BE7LH'], userGroups: [], channels: [] } }] },
      limits,
      openSession: instrumentOpener(makeSessionOpener(limits, fw.env), metrics),
      journal: new RedisJournal(store),
      audit: new AuditLog(path.join(dir, 'audit.jsonl')),
      rateLimiter: new RedisRateLimiter(store, { count: 10, windowSeconds: 60 }),
      locks: new RedisDeviceLocks(store, { leaseMs: 5000 }),
      slots: new RedisCheckSlots(store, 5, { leaseMs: 5000 }),
      maxConcurrent: 5,
      metrics,
      log: () => undefined,
    });
    const probes: HealthProbe[] = [
      { name: 'slack', check: async () => ({ ok: true, detail: 'HTTP receiver' }) },
      { name: 'redis', check: async () => ({ ok: await store.ping() }) },
      journalFileProbe(path.join(dir, 'journal.json')),
    ];
    const ops = opsHandler(metrics, probes);
    let started!: (o: HandleOutcome) => void;
    const outcome = new Promise<HandleOutcome>((resolve) => (started = resolve));
    const app: App = createSlackApp({
      mode: 'http',
      botToken: 'xoxb-test-token',
      signingSecret: SECRET,
      service,
      slackApiUrl: fake.apiUrl,
      logger: recordingLogger(),
      postRetryConfig: { retries: 0 },
      onOutcome: (o) => started(o),
      observeAck: (s) => metrics.observeAck(s),
      customRoutes: slackReceiverRoutes(ops),
    });
    const server = (await app.start(0)) as Server;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The ops port, as main.ts starts it: loopback by default.
    const opsServer = await startOpsServer(0, ops);
    expect((opsServer.server.address() as AddressInfo).address).toBe('127.0.0.1');
    const opsBase = `http://127.0.0.1:${opsServer.port}`;
    try {
      // The public Slack port answers the load balancer's /healthz, never /metrics.
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      const healthy = await fetch(`${base}/healthz`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toEqual({ ok: true, checks: { slack: { ok: true, detail: 'HTTP receiver' }, redis: { ok: true }, journal: { ok: true, detail: `file ${path.join(dir, 'journal.json')}` } } });

      const body = new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C0INCIDENT', user_id: 'U024BE7LH', command: '/sip-check', text: 'fw01 seconds=1', response_url: fake.responseUrl(), trigger_id: '1.2.3' }).toString();
      const res = await fetch(`${base}/slack/events`, { method: 'POST', headers: { ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(200);
      const o = await outcome;
      if (o.kind !== 'started') throw new Error(`not started: ${JSON.stringify(o)}`);
      await o.done;
      expect(isDebugClean(fw.sim.state)).toBe(true);

      const metricsRes = await fetch(`${opsBase}/metrics`);
      expect(metricsRes.status).toBe(200);
      expect(metricsRes.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = parsePrometheus(await metricsRes.text());
      expect(m.get('sip_check_checks_total{outcome="ok"}')).toBe(1);
      expect(m.get('sip_check_checks_running')).toBe(0);
      expect(m.get('sip_check_debug_resets_total{confirmed="true"}')).toBe(1);
      expect(m.get('sip_check_debug_resets_total{confirmed="false"}')).toBe(0);
      expect(m.get('sip_check_ack_seconds_count')).toBe(1);
      expect(m.get('sip_check_ssh_handshake_seconds_count{result="ok"}')).toBe(1);
      // system status, the config reads, the capture start, reset, the closing stats: many commands, each timed.
      expect(m.get('sip_check_ssh_command_seconds_count')).toBeGreaterThan(10);
      expect(m.get('sip_check_lock_wait_seconds_count{result="acquired"}')).toBe(1);
      expect(m.get('sip_check_recovery_takeovers_total{reset="true"}')).toBe(0);
      expect(m.get('sip_check_process_resident_memory_bytes')).toBeGreaterThan(0);

      await redis.stop();
      const sick = await fetch(`${base}/healthz`);
      expect(sick.status).toBe(503);
      expect(await sick.json()).toMatchObject({ ok: false, checks: { redis: { ok: false }, slack: { ok: true }, journal: { ok: true } } });
      expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    } finally {
      await redis.run();
      await new Promise((resolve) => opsServer.server.close(resolve));
      await app.stop();
      await store.close();
      await fw.sim.close();
    }
  });

  test('Socket Mode: the ops port answers 503 until the WebSocket to Slack is up, then 200', async () => {
    const socket = await fake.openSocketServer();
    const metrics = new BotMetrics({ processMetrics: false });
    let connected = false;
    const probes: HealthProbe[] = [{ name: 'slack', check: async () => ({ ok: connected }) }];
    const { server, port } = await startOpsServer(0, opsHandler(metrics, probes));
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    const app = createSlackApp({
      mode: 'socket',
      botToken: 'xoxb-test-token',
      appToken: 'xapp-1-A0SIPCHECK-test',
      service: new StubService(['fw01']),
      slackApiUrl: fake.apiUrl,
      logger: recordingLogger(),
      // Generous: a loaded machine's stall must not look like a dead link (which would make /healthz 503 again).
      clientPingTimeout: 5000,
      postRetryConfig: { retries: 0 },
      onConnectionChange: (c) => (connected = c),
    });
    try {
      const before = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(before.status).toBe(503);
      expect(await before.json()).toEqual({ ok: false, checks: { slack: { ok: false } } });
      await app.start();
      await socket.connected;
      const deadline = Date.now() + 10_000;
      while (!connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const after = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(after.status).toBe(200);
      const m = parsePrometheus(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      expect(m.get('sip_check_checks_running')).toBe(0);
      expect(m.get('sip_check_recovery_takeovers_total{reset="false"}')).toBe(0);
      expect(m.has('sip_check_process_resident_memory_bytes')).toBe(false);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await app.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
