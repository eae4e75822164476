import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceMetrics } from '../check/service';
import type { SessionOpener } from '../check/run';
import type { FortiSession } from '../fortigate/types';

/**
 * What /metrics exposes (Prometheus text, prom-client). One registry per bot (not prom-client's global one), so
 * tests can build several. Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
 */
export class BotMetrics implements ServiceMetrics {
  readonly registry = new Registry();
  readonly checks = new Counter({ name: 'sip_check_checks_total', help: 'Checks finished, by outcome (ok or the error kind).', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly running = new Gauge({ name: 'sip_check_checks_running', help: 'Checks running in this replica.', registers: [this.registry] });
  readonly debugResets = new Counter({
    name: 'sip_check_debug_resets_total',
    help: 'Debug resets after a capture or by recovery: confirmed (diagnose debug disable + reset answered) or not.',
    labelNames: ['confirmed'] as const,
    registers: [this.registry],
  });
  readonly ack = new Histogram({ name: 'sip_check_ack_seconds', help: 'From a Slack command reaching the listener to its ack being sent.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly sshHandshake = new Histogram({ name: 'sip_check_ssh_handshake_seconds', help: 'SSH connect, handshake, auth and first prompt.', labelNames: ['result'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20], registers: [this.registry] });
  readonly sshCommand = new Histogram({ name: 'sip_check_ssh_command_seconds', help: 'One CLI command, from sending it to its prompt.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15], registers: [this.registry] });
  readonly lockWaits = new Histogram({
    name: 'sip_check_lock_wait_seconds',
    help: 'Taking the firewall lock (no queue: a busy firewall is refused at once), by result: acquired, busy, error.',
    labelNames: ['result'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 2],
    registers: [this.registry],
  });
  readonly takeovers = new Counter({
    name: 'sip_check_recovery_takeovers_total',
    help: 'Crash-journal entries taken over by recovery (another replica died or this one restarted), by whether debug was reset.',
    labelNames: ['reset'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'sip_check_' });
    // Present from the start, so dashboards see zeros rather than no series.
    for (const confirmed of ['true', 'false']) this.debugResets.inc({ confirmed }, 0);
    for (const reset of ['true', 'false']) this.takeovers.inc({ reset }, 0);
    this.checks.inc({ outcome: 'ok' }, 0);
  }

  lockAcquired(seconds: number, result: 'acquired' | 'busy' | 'error'): void {
    this.lockWaits.observe({ result }, seconds);
  }

  checkStarted(): void {
    this.running.inc();
  }

  checkEnded(outcome: string, debugReset: boolean | null): void {
    this.running.dec();
    this.checks.inc({ outcome });
    if (debugReset !== null) this.debugResets.inc({ confirmed: String(debugReset) });
  }

  takeover(reset: boolean): void {
    this.takeovers.inc({ reset: String(reset) });
    this.debugResets.inc({ confirmed: String(reset) });
  }

  observeAck(seconds: number): void {
    this.ack.observe(seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The session opener with SSH handshake and per-command latencies recorded. */
export function instrumentOpener(open: SessionOpener, metrics: BotMetrics): SessionOpener {
  return async (entry) => {
    const end = metrics.sshHandshake.startTimer();
    let session: FortiSession;
    try {
      session = await open(entry);
    } catch (e) {
      end({ result: 'error' });
      throw e;
    }
    end({ result: 'ok' });
    const run = session.run.bind(session);
    session.run = async (command, opts) => {
      const done = metrics.sshCommand.startTimer();
      try {
        return await run(command, opts);
      } finally {
        done();
      }
    };
    return session;
  };
}
