import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { runConsole } from './adapters/console/repl';
import { createSlackApp } from './adapters/slack/app';
import { AuditLog } from './check/audit';
import { makeSessionOpener } from './check/connect';
import { DebugJournal } from './check/journal';
import { RateLimiter } from './check/rateLimit';
import { recoverUnfinishedDebug } from './check/recovery';
import { createCheckService } from './check/service';
import { loadAppConfig, type AppConfig } from './config/env';
import { demoInventoryEntry, loadInventory } from './config/inventory';
import { secretValues } from './config/secrets';
import type { CheckLimits, Inventory } from './config/types';
import { createLogger, type Logger } from './log';
import { createRedactor } from './sip/redact';
import { WorkerPool } from './workers/pool';
import { FortiGateSimulator, loadScenario } from './simulator';

/** The built-in demo firewall's scenario, served by the embedded simulator in terminal mode. */
const DEMO_SCENARIO = path.join(__dirname, 'simulator', 'scenarios', 'fw-demo.txt');
const DEMO_PASSWORD_ENV = 'SIP_CHECK_DEMO_PASSWORD';
/**
 * Graceful shutdown waits this long for running checks to reset debug: the worst cleanup is a stuck command,
 * a reconnect, then `diagnose debug disable` and `diagnose debug reset`.
 */
function shutdownGraceMs(limits: CheckLimits): number {
  return limits.commandTimeoutMs * 3 + limits.connectTimeoutMs + 5_000;
}

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadAppConfig(process.env);
  const log = makeLog(config);
  const inventory: Inventory = config.inventoryPath ? loadInventory(config.inventoryPath, process.env) : { source: '(built-in)', firewalls: [], warnings: [] };

  let simulator: FortiGateSimulator | undefined;
  if (config.mode === 'console') {
    // fw-demo: a simulated FortiGate on loopback, with a throwaway password held only in this process.
    process.env[DEMO_PASSWORD_ENV] = randomBytes(18).toString('base64url');
    simulator = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users: [{ username: 'admin', password: process.env[DEMO_PASSWORD_ENV] }] });
    const port = await simulator.start();
    inventory.firewalls.push(demoInventoryEntry(port, simulator.hostKeyFingerprint, DEMO_PASSWORD_ENV));
  }
  for (const warning of inventory.warnings ?? []) log('warn', warning);

  const openSession = makeSessionOpener(config.limits, process.env);
  const journal = new DebugJournal(config.journalPath);
  const audit = new AuditLog(config.auditPath, { secrets: secretValues(process.env, inventory) });
  // Signals first: a stop during the start-up recovery waits for it (it is resetting debug), then exits.
  let stopAdapter: () => Promise<void> = async () => undefined;
  let stopRunning: () => Promise<void> = async () => undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down: stopping running checks and resetting debug', { signal });
    await stopRunning();
    await stopAdapter();
    await simulator?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const recovery = recoverUnfinishedDebug({ journal, inventory, openSession, audit, log, commandTimeoutMs: config.limits.commandTimeoutMs });
  stopRunning = async () => {
    await recovery;
  };
  const recovered = await recovery;
  if (stopping) return;
  if (recovered.length) log('warn', 'reset debug left over by an earlier run', { firewalls: recovered });

  // Analysis, report rendering and the ladder PNG run here, off the event loop that answers Slack.
  const tasks = config.workers > 0 ? new WorkerPool({ size: config.workers, maxQueue: config.workerQueue }).warm() : undefined;
  const redact = config.redact === 'none' ? undefined : createRedactor({ users: config.redact !== 'addresses', addresses: config.redact !== 'users' });
  const service = createCheckService({
    inventory,
    limits: config.limits,
    openSession,
    journal,
    audit,
    rateLimiter: new RateLimiter(config.rateLimit),
    maxConcurrent: config.maxConcurrent,
    log,
    redact,
    tasks,
  });

  stopRunning = async () => {
    await service.shutdown(shutdownGraceMs(config.limits));
    await tasks?.close();
  };

  if (config.mode === 'console') {
    await runConsole({
      input: process.stdin,
      output: process.stdout,
      service,
      attachmentsDir: path.resolve(config.attachmentsDir),
      tty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      redact,
      userId: config.consoleUser,
    });
    await shutdown('end of input');
    return;
  }
  const app = createSlackApp({
    mode: config.mode,
    botToken: config.slack.botToken,
    appToken: config.slack.appToken,
    signingSecret: config.slack.signingSecret,
    service,
    redact,
    maxCaptureSeconds: config.limits.maxSeconds,
    userGroupIds: [...new Set(inventory.firewalls.flatMap((f) => f.allow.userGroups))],
  });
  if (config.mode === 'http') await app.start(config.port);
  else await app.start();
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

main().catch((e: unknown) => {
  process.stderr.write(`sip-check: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
