import path from 'node:path';
import { loadAppConfig } from '../../src/config/env';
import type { CheckLimits, FirewallEntry } from '../../src/config/types';
import type { CheckError } from '../../src/errors';
import { makeSessionOpener } from '../../src/check/connect';
import type { CheckJournal } from '../../src/check/run';
import type { CheckReporter, CheckRequest, CheckResult, ConfigVerdict, ProgressUpdate } from '../../src/check/types';
import { FortiGateSimulator, loadScenario } from '../../src/simulator';
import type { Faults } from '../../src/simulator';

export const DEMO_SCENARIO = path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios', 'fw-demo.txt');
export const TEST_PASSWORD = 'S3cret-Pa55word!';
export const PASSWORD_ENV = 'SIP_CHECK_TEST_PASSWORD';

/** Tight bounds so tests finish quickly; the simulator streams debug lines fast. */
export function testLimits(over: Partial<CheckLimits> = {}): CheckLimits {
  return { ...loadAppConfig({}).limits, defaultSeconds: 2, commandTimeoutMs: 3_000, checkTimeoutMs: 30_000, connectTimeoutMs: 5_000, ...over };
}

export interface SimulatedFirewall {
  sim: FortiGateSimulator;
  entry: FirewallEntry;
  env: NodeJS.ProcessEnv;
}

export async function startFirewall(opts: { scenario?: string; name?: string; faults?: Partial<Faults>; password?: string } = {}): Promise<SimulatedFirewall> {
  const sim = new FortiGateSimulator({
    scenario: loadScenario(opts.scenario ?? DEMO_SCENARIO),
    users: [{ username: 'admin', password: opts.password ?? TEST_PASSWORD }],
    faults: opts.faults,
  });
  const port = await sim.start();
  const entry: FirewallEntry = {
    name: opts.name ?? 'fw01',
    host: '127.0.0.1',
    port,
    username: 'admin',
    auth: { type: 'password', passwordEnv: PASSWORD_ENV },
    hostKey: { fingerprints: [sim.hostKeyFingerprint] },
    allow: { users: ['U0TESTER'], userGroups: [], channels: [] },
    algorithms: 'default',
  };
  return { sim, entry, env: { [PASSWORD_ENV]: TEST_PASSWORD } };
}

export function openerFor(fw: SimulatedFirewall, limits: CheckLimits = testLimits()) {
  return makeSessionOpener(limits, fw.env);
}

/** A reporter that records what a user would see, in order. */
export class RecordingReporter implements CheckReporter {
  readonly events: Array<
    | { type: 'start'; request: CheckRequest }
    | { type: 'progress'; update: ProgressUpdate }
    | { type: 'note'; text: string }
    | { type: 'config-verdict'; early: ConfigVerdict }
    | { type: 'result'; result: CheckResult }
    | { type: 'failed'; error: CheckError; debugReset: boolean | null }
  > = [];
  constructor(
    private readonly failOn: Partial<Record<'start' | 'progress' | 'configVerdict' | 'result' | 'note' | 'failed', Error>> = {},
    /** Called on every progress update (e.g. to cancel once the capture runs). */
    private readonly onProgress?: (update: ProgressUpdate) => void,
  ) {}
  async start(request: CheckRequest) {
    this.events.push({ type: 'start', request });
    if (this.failOn.start) throw this.failOn.start;
  }
  async progress(update: ProgressUpdate) {
    this.events.push({ type: 'progress', update });
    this.onProgress?.(update);
    if (this.failOn.progress) throw this.failOn.progress;
  }
  async note(text: string) {
    this.events.push({ type: 'note', text });
    if (this.failOn.note) throw this.failOn.note;
  }
  async configVerdict(early: ConfigVerdict) {
    this.events.push({ type: 'config-verdict', early });
    if (this.failOn.configVerdict) throw this.failOn.configVerdict;
  }
  async result(result: CheckResult) {
    this.events.push({ type: 'result', result });
    if (this.failOn.result) throw this.failOn.result;
  }
  async failed(error: CheckError, cleanup: { debugReset: boolean | null }) {
    this.events.push({ type: 'failed', error, debugReset: cleanup.debugReset });
    if (this.failOn.failed) throw this.failOn.failed;
  }
  get finalResult(): CheckResult | undefined {
    const e = this.events.find((x) => x.type === 'result');
    return e && e.type === 'result' ? e.result : undefined;
  }
  get failure(): { error: CheckError; debugReset: boolean | null } | undefined {
    const e = this.events.find((x) => x.type === 'failed');
    return e && e.type === 'failed' ? e : undefined;
  }
  /** The verdict posted from the configuration before the capture, if any. */
  get earlyVerdict(): ConfigVerdict | undefined {
    const e = this.events.find((x) => x.type === 'config-verdict');
    return e && e.type === 'config-verdict' ? e.early : undefined;
  }
  get notes(): string[] {
    return this.events.flatMap((e) => (e.type === 'note' ? [e.text] : []));
  }
}

/** An in-memory journal that remembers what was begun and finished. */
export class MemoryJournal implements CheckJournal {
  readonly begun: string[] = [];
  readonly open = new Set<string>();
  begin(entry: { checkId: string }) {
    this.begun.push(entry.checkId);
    this.open.add(entry.checkId);
  }
  finish(checkId: string) {
    this.open.delete(checkId);
  }
}

export function request(firewall = 'fw01', options: Partial<CheckRequest['options']> = {}): CheckRequest {
  return {
    id: `chk-${Math.random().toString(36).slice(2, 10)}`,
    firewall,
    options: { seconds: 2, level: -1, ...options },
    requester: { userId: 'U0TESTER', channelId: 'C0TEST', adapter: 'slack' },
  };
}
