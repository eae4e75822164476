import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { consoleChangeRestriction, runConsole } from './adapters/console/repl';
import { createSlackApp } from './adapters/slack/app';
import { boltLogger, slackTransport } from './adapters/slack/transport';
import { slackWatchPoster } from './adapters/slack/watchPoster';
import { ChannelQueue, type ChannelPacing } from './adapters/slack/channelQueue';
import { AuditLog } from './check/audit';
import { makeSessionOpener } from './check/connect';
import { createCheckService } from './check/service';
import { createCoordination } from './coordination';
import { startFleet } from './fleet/start';
import { containerStartProblem, loadAppConfig, type AppConfig } from './config/env';
import { ConfigError } from './config/errors';
import { demoInventoryEntry, loadInventory } from './config/inventory';
import { createChangeService } from './change/service';
import { secretValues } from './config/secrets';
import type { CheckLimits, Inventory } from './config/types';
import { createLogger, type Logger } from './log';
import { opsHandler, slackReceiverRoutes, startOpsServer, type HealthProbe } from './ops/health';
import { BotMetrics, instrumentOpener } from './ops/metrics';
import { createRedactor } from './sip/redact';
import { WorkerPool } from './workers/pool';
import { FortiGateSimulator, loadScenario } from './simulator';

/** The built-in demo firewall's scenario, served by the embedded simulator in terminal mode. */
const DEMO_SCENARIO = path.join(__dirname, 'simulator', 'scenarios', 'fw-demo.txt');
const DEMO_PASSWORD_ENV = 'SIP_CHECK_DEMO_PASSWORD';
const DEMO_WRITE_PASSWORD_ENV = 'SIP_CHECK_DEMO_WRITE_PASSWORD';
const DEMO_WRITE_USER = 'sipcheck-rw';
/**
 * Graceful shutdown waits this long for running checks to reset debug: the worst cleanup is a stuck command,
 * a reconnect, then `diagnose debug disable` and `diagnose debug reset`.
 */
function shutdownGraceMs(limits: CheckLimits): number {
  return limits.commandTimeoutMs * 3 + limits.connectTimeoutMs + 5_000;
}

/** Wiring that only tests change: the Slack Web API base URL (the local fake Slack). Never read from the environment. */
export interface MainOverrides {
  slackApiUrl?: string;
  /** Posting pace per channel; default Slack's (channelQueue.ts). */
  channelPacing?: ChannelPacing;
}

/** The bot as `npm start` runs it, with its configuration from `env` (process.env plus .env). */
export async function main(env: NodeJS.ProcessEnv = process.env, overrides: MainOverrides = {}): Promise<void> {
  loadDotenv({ quiet: true, processEnv: env as Record<string, string> });
  const config = loadAppConfig(env);
  const inContainer = containerStartProblem(config, env, Boolean(process.stdin.isTTY));
  if (inContainer) throw new ConfigError([inContainer]);
  const log = makeLog(config);
  const inventory: Inventory = config.inventoryPath ? loadInventory(config.inventoryPath, env) : { source: '(built-in)', firewalls: [], warnings: [] };

  let simulator: FortiGateSimulator | undefined;
  if (config.mode === 'console') {
    // fw-demo: a simulated FortiGate on loopback, with a throwaway password held only in this process.
    env[DEMO_PASSWORD_ENV] = randomBytes(18).toString('base64url');
    // With a console approver, fw-demo also allows approved changes through a write account of its own.
    const approver = config.consoleApprover;
    if (approver) env[DEMO_WRITE_PASSWORD_ENV] = randomBytes(18).toString('base64url');
    const users = [{ username: 'admin', password: env[DEMO_PASSWORD_ENV] }, ...(approver ? [{ username: DEMO_WRITE_USER, password: env[DEMO_WRITE_PASSWORD_ENV] }] : [])];
    simulator = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users });
    const port = await simulator.start();
    const demo = demoInventoryEntry(port, simulator.hostKeyFingerprint, DEMO_PASSWORD_ENV);
    if (approver) demo.remediation = { username: DEMO_WRITE_USER, auth: { type: 'password', passwordEnv: DEMO_WRITE_PASSWORD_ENV }, approvers: { users: [approver], userGroups: [] } };
    inventory.firewalls.push(demo);
  }
  for (const warning of [...config.warnings, ...(inventory.warnings ?? [])]) log('warn', warning);

  const metrics = new BotMetrics();
  const openSession = instrumentOpener(makeSessionOpener(config.limits, env), metrics);
  // In process by default; in Redis (shared by replicas) with SIP_CHECK_REDIS_URL.
  const coordination = await createCoordination(config, log);
  const { journal, changeJournal } = coordination;
  if (config.redis) log('info', 'replicas: locks, cap, rate limit, crash and change journals and group cache in Redis', { leaseMs: config.redis.leaseMs });
  const audit = new AuditLog(config.auditPath, { secrets: secretValues(env, inventory) });
  for (const f of inventory.firewalls) if (f.remediation) log('info', `${f.name} allows approved changes (remediation: in the inventory)`, { approvers: f.remediation.approvers.users.length + f.remediation.approvers.userGroups.length });
  // Signals first: a stop during the start-up recovery waits for it (it is resetting debug), then exits.
  let stopAdapter: () => Promise<void> = async () => undefined;
  let stopOps: () => Promise<void> = async () => undefined;
  let stopRunning: () => Promise<void> = async () => undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down: stopping running checks and resetting debug', { signal });
    await stopRunning();
    await stopAdapter();
    await stopOps();
    await coordination.close();
    await simulator?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const recovery = coordination.startRecovery({ inventory, openSession, audit, log, commandTimeoutMs: config.limits.commandTimeoutMs, onTakeover: (reset) => metrics.takeover(reset) });
  stopRunning = async () => {
    await recovery;
  };
  const recovered = await recovery;
  if (stopping) return;
  if (recovered.length) log('warn', 'reset debug left over by an earlier run', { firewalls: recovered });
  // Changes cut by a crash or a dropped connection were assessed by the recovery above (complete, partial or absent);
  // every check of a firewall does it again from its own reads, before any debug line.

  // Analysis, report rendering and the ladder PNG run here, off the event loop that answers Slack.
  const tasks = config.workers > 0 ? new WorkerPool({ size: config.workers, maxQueue: config.workerQueue }).warm() : undefined;
  const redact = config.redact === 'none' ? undefined : createRedactor({ users: config.redact !== 'addresses', addresses: config.redact !== 'users' });
  // One lock per device, one global cap and one rate limit, shared by single checks and fleet sweeps (and by
  // every replica when they live in Redis).
  const { locks, slots, rateLimiter } = coordination;
  const service = createCheckService({
    inventory,
    limits: config.limits,
    openSession,
    journal,
    changeJournal,
    audit,
    rateLimiter,
    locks,
    slots,
    metrics,
    maxConcurrent: config.maxConcurrent,
    log,
    redact,
    tasks,
  });

  const fleet = startFleet({ config, inventory, openSession, locks, slots, rateLimiter, audit, log, store: coordination.fleetStore });
  /** Approved changes being applied (Slack): a stop waits for them, bounded, so an apply or rollback is not cut. */
  const changesRunning = new Set<Promise<void>>();
  const trackChange = (run: Promise<void>) => {
    const settled = run.catch(() => undefined);
    changesRunning.add(settled);
    void settled.then(() => changesRunning.delete(settled));
  };
  stopRunning = async () => {
    fleet.watch?.stop();
    const changesDone = Promise.all([...changesRunning]);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, shutdownGraceMs(config.limits)).unref());
    await Promise.all([service.shutdown(shutdownGraceMs(config.limits)), fleet.service.shutdown(shutdownGraceMs(config.limits)), Promise.race([changesDone, grace])]);
    await tasks?.close();
  };

  // /healthz and /metrics on SIP_CHECK_METRICS_PORT (loopback unless SIP_CHECK_METRICS_HOST); in HTTP mode /healthz
  // also on the public Slack port, for the load balancer, never /metrics.
  let slackConnected = config.mode === 'http';
  const probes: HealthProbe[] = [...coordination.probes];
  if (config.mode !== 'console') {
    probes.unshift({ name: 'slack', check: async () => ({ ok: slackConnected, detail: config.mode === 'http' ? 'HTTP receiver' : slackConnected ? 'Socket Mode connected' : 'Socket Mode not connected' }) });
  }
  const ops = opsHandler(metrics, probes);
  if (config.metricsPort !== undefined) {
    const { server, port } = await startOpsServer(config.metricsPort, ops, config.metricsHost);
    stopOps = () => new Promise((resolve) => server.close(() => resolve()));
    const host = config.metricsHost.includes(':') ? `[${config.metricsHost}]` : config.metricsHost;
    log('info', `health and metrics on http://${host}:${port}/healthz and /metrics`);
  }

  const changes = createChangeService({ inventory, env, limits: config.limits, openSession, locks, journal: changeJournal, audit, checks: service });
  if (config.mode === 'console') {
    const consoleChanges = createChangeService({ inventory, env, limits: config.limits, openSession, locks, journal: changeJournal, audit, checks: service, restrict: consoleChangeRestriction });
    await runConsole({
      input: process.stdin,
      output: process.stdout,
      service,
      attachmentsDir: path.resolve(config.attachmentsDir),
      tty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      redact,
      userId: config.consoleUser,
      fleet: fleet.service,
      changes: consoleChanges,
      ...(config.consoleApprover ? { approverId: config.consoleApprover } : {}),
    });
    await shutdown('end of input');
    return;
  }
  // Slack through the proxy of HTTPS_PROXY/NO_PROXY when set; an outage is said once, in our words, not as a
  // stream of client retries (Bolt's own logging goes to our log, at debug for its chatter).
  const transport = slackTransport(env, {
    unreachable: ({ url, cause }) =>
      log('error', `Slack cannot be reached at ${url} (${cause}): check this host's DNS, firewall and routes${transport.route === 'direct' ? ', or set HTTPS_PROXY (and NO_PROXY) if it reaches the internet through a proxy' : `; the bot goes ${transport.route}`}. Retrying.`, { route: transport.route }),
    reachable: ({ url }) => log('info', `Slack is reachable again at ${url}`),
  });
  log('info', `Slack connection: ${transport.route}`);
  // One pace per channel for the checks' threads and the drift watch's posts.
  const channelQueue = new ChannelQueue({ pacing: overrides.channelPacing });
  const app = createSlackApp({
    channelQueue,
    mode: config.mode,
    transport,
    logger: boltLogger(log),
    botToken: config.slack.botToken,
    appToken: config.slack.appToken,
    signingSecret: config.slack.signingSecret,
    ...(overrides.slackApiUrl ? { slackApiUrl: overrides.slackApiUrl } : {}),
    service,
    redact,
    maxCaptureSeconds: config.limits.maxSeconds,
    userGroupIds: [...new Set(inventory.firewalls.flatMap((f) => [...f.allow.userGroups, ...(f.remediation?.approvers.userGroups ?? [])]))],
    changes,
    onChange: trackChange,
    fleet: fleet.service,
    sharedGroupCache: coordination.groupCache,
    seenSignatures: coordination.seenSignatures,
    customRoutes: slackReceiverRoutes(ops),
    observeAck: (seconds) => metrics.observeAck(seconds),
    onConnectionChange: (connected) => (slackConnected = connected),
  });
  if (config.mode === 'http') await app.start(config.port);
  else await app.start();
  await fleet.startWatch((channelId) => slackWatchPoster(app.client, channelQueue, channelId, redact));
  stopAdapter = async () => {
    await app.stop();
  };
  log('info', `sip-check is running in Slack (${config.mode === 'socket' ? 'Socket Mode' : `HTTP on port ${config.port}`})`, { firewalls: inventory.firewalls.length });
}

function makeLog(config: AppConfig): Logger {
  if (config.mode === 'console') {
    // The terminal shows the thread; logs go to a file so they do not interleave with it.
    mkdirSync(path.dirname(config.logFile), { recursive: true });
    return createLogger(config.logLevel, createWriteStream(config.logFile, { flags: 'a', mode: 0o600 }));
  }
  return createLogger(config.logLevel, process.stderr);
}

/** Exits 1 with the error's message (never a stack trace) when the bot cannot start. */
export function exitOnStartFailure(e: unknown): never {
  process.stderr.write(`sip-check: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

if (require.main === module) main().catch(exitOnStartFailure);
