/**
 * The drift watch with an injected clock and timer (no sleeps): real sweeps over SSH to simulated firewalls,
 * the state in a real file, changes posted through the Slack poster to the fake Web API, and a restart that
 * keeps the schedule and the history.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webApi } from '@slack/bolt';
import { FLEET_ACTION_IDS } from '../../src/adapters/slack/fleetBlocks';
import { slackWatchPoster } from '../../src/adapters/slack/watchPoster';
import { makeSessionOpener } from '../../src/check/connect';
import { FirewallLocks, Semaphore } from '../../src/check/locks';
import { createFleetService, type FleetService } from '../../src/fleet/service';
import { JsonFileStore } from '../../src/fleet/store';
import { SweepSlots } from '../../src/fleet/sweep';
import { DriftWatch } from '../../src/fleet/watch';
import { FortiGateSimulator, parseScenario } from '../../src/simulator';
import { FakeSlack, TEST_PACING } from '../support/fakeSlack';
import { testChannelQueue } from '../adapters/slack/fixtures';
import { TEST_PASSWORD, testLimits } from '../support/harness';
import { FLEET_SCENARIOS, startFleet, type Fleet } from './support';

const HOUR = 3_600_000;

/** The branch firewall after someone put the default VoIP profile (proxy inspection) on its SIP policy. */
function driftedHelperScenario(): string {
  const text = readFileSync(FLEET_SCENARIOS['session-helper'], 'utf8');
  const before = '        set service "SIP" "RTP_10000-20000"\n        set logtraffic all\n        set nat enable\n';
  if (!text.includes(before)) throw new Error('fw-helper.txt changed: update the drift test');
  return text.replace(before, `${before}        set utm-status enable\n        set inspection-mode proxy\n        set voip-profile "default"\n`);
}

class ManualTimer {
  pending: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  set = (fn: () => void, ms: number) => {
    const t = { fn, ms, cancelled: false };
    this.pending.push(t);
    return () => {
      t.cancelled = true;
    };
  };
  /** The one live timer. */
  get live() {
    const live = this.pending.filter((t) => !t.cancelled);
    if (live.length !== 1) throw new Error(`expected one live timer, found ${live.length}`);
    return live[0];
  }
}

describe('drift watch', () => {
  let fleet: Fleet;
  let fake: FakeSlack;
  let dir: string;
  let clock: number;
  let fleetService: FleetService;

  beforeAll(async () => {
    fleet = await startFleet();
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-watch-'));
    clock = Date.parse('2026-12-01T09:00:00.000Z');
    const limits = testLimits();
    fleetService = createFleetService({
      inventory: { source: 'watch-test', firewalls: fleet.entries },
      limits,
      openSession: makeSessionOpener(limits, fleet.env),
      slots: new SweepSlots(new Semaphore(10), 5),
      concurrency: 4,
      locks: new FirewallLocks(),
      now: () => new Date(clock),
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await fleetService.shutdown(5000);
    await fake.close();
    await fleet.close();
  });

  /** Replaces a simulated firewall in place (same port and host key), e.g. after a config change. */
  async function replaceSim(index: number, scenarioText: string | null): Promise<void> {
    const old = fleet.sims[index];
    const port = old.port;
    await old.close();
    if (scenarioText === null) return;
    const sim = new FortiGateSimulator({ scenario: parseScenario(scenarioText, 'replaced'), users: [{ username: 'admin', password: TEST_PASSWORD }], port });
    await sim.start();
    fleet.sims[index] = sim;
  }

  function watchPosts(): Array<{ text: string; buttons: Array<{ action_id: string; value: string }> }> {
    return fake
      .calls('chat.postMessage')
      .filter((c) => c.body.channel === 'C0WATCH')
      .map((c) => ({
        text: String(c.body.text),
        buttons: ((c.body.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])),
      }));
  }

  it('posts only changes, naming the config lines; unreachable and recovery; the schedule and history survive a restart', async () => {
    const file = path.join(dir, 'fleet-state.json');
    const client = new webApi.WebClient('xoxb-watch', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const makeWatch = (timer: ManualTimer) =>
      new DriftWatch({
        fleet: fleetService,
        store: new JsonFileStore(file),
        scope: { kind: 'all' },
        everyMs: HOUR,
        post: slackWatchPoster(client, testChannelQueue(), 'C0WATCH'),
        destination: '<#C0WATCH>',
        now: () => clock,
        setTimer: timer.set,
        log: () => undefined,
      });

    // First start: nothing stored, so the first sweep is due at once. It is the baseline: only firewalls that
    // cannot be read are posted.
    const timer1 = new ManualTimer();
    const watch1 = makeWatch(timer1);
    await watch1.start();
    expect(timer1.live.ms).toBe(0);
    expect(watch1.status()).toMatch(/Last run: none yet\.\nNext run: 2026-12-01T09:00:00.000Z\./);
    const first = await watch1.runOnce();
    expect(first.map((c) => `${c.kind} ${c.firewall}`)).toEqual(['unreachable fw-down', 'unreachable fw-badpass']);
    let posts = watchPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0].text).toMatch(/fw-down: could not be read \(unreachable: /);
    expect(posts[0].text).toMatch(/fw-badpass: could not be read \(auth-failed: /);
    expect(posts[0].buttons.map((b) => [b.action_id, JSON.parse(b.value).c])).toEqual([
      [FLEET_ACTION_IDS.fullCheck, 'fw-down'],
      [FLEET_ACTION_IDS.fullCheck, 'fw-badpass'],
    ]);

    // An hour later nothing changed: nothing is posted.
    clock += HOUR;
    expect(await watch1.runOnce()).toEqual([]);
    expect(watchPosts()).toHaveLength(1);

    // Someone puts the default VoIP profile on fw-helper's SIP policy: the handler changes, and the post names the lines.
    await replaceSim(1, driftedHelperScenario());
    clock += HOUR;
    const drift = await watch1.runOnce();
    expect(drift).toHaveLength(1);
    posts = watchPosts();
    expect(posts).toHaveLength(2);
    expect(posts[1].text).toContain(
      'fw-helper: session-helper → ' + (drift[0].kind === 'handler' ? drift[0].to : '?') + '; policy 5 gained `set voip-profile default`, `set inspection-mode proxy`, `set utm-status enable`',
    );
    expect(drift[0]).toMatchObject({ kind: 'handler', from: 'session-helper' });
    expect(posts[1].buttons.map((b) => JSON.parse(b.value).c)).toEqual(['fw-helper']);

    // The bot restarts: the schedule continues from the stored last run, and the status shows it.
    watch1.stop();
    const lastRunAt = clock;
    clock += 10 * 60_000;
    const timer2 = new ManualTimer();
    const watch2 = makeWatch(timer2);
    await watch2.start();
    expect(timer2.live.ms).toBe(50 * 60_000);
    expect(watch2.status()).toContain(`Last run: ${new Date(lastRunAt).toISOString()}: 7 firewalls`);
    expect(watch2.status()).toContain('1 change posted');
    expect(watch2.status()).toContain(`Next run: ${new Date(lastRunAt + HOUR).toISOString()}.`);

    // fw-alg goes down, then comes back: both are posted once, by the scheduled runs.
    await replaceSim(0, null);
    clock = lastRunAt + HOUR;
    timer2.live.fn();
    await new Promise((resolve) => setImmediate(resolve));
    await watch2.runOnce(); // joins the run the timer started
    expect(watchPosts().at(-1)!.text).toMatch(/fw-alg: could not be read \(unreachable: /);
    await replaceSim(0, readFileSync(FLEET_SCENARIOS['sip-alg'], 'utf8'));
    clock += HOUR;
    await watch2.runOnce();
    expect(watchPosts().at(-1)!.text).toMatch(/fw-alg: reachable again \(down since 2026-12-01T12:00:00.000Z\): sip-alg/);
    expect(watchPosts()).toHaveLength(4);

    // The history on disk holds every change, across the restart.
    const state = JSON.parse(readFileSync(file, 'utf8')) as { runs: unknown[]; history: Array<{ change: { kind: string; firewall: string } }> };
    expect(state.runs).toHaveLength(5);
    expect(state.history.map((h) => `${h.change.kind} ${h.change.firewall}`)).toEqual([
      'unreachable fw-down',
      'unreachable fw-badpass',
      'handler fw-helper',
      'unreachable fw-alg',
      'recovered fw-alg',
    ]);
    watch2.stop();
  }, 120_000);

  it('keeps changes for the next run when posting fails', async () => {
    const timer = new ManualTimer();
    const posted: string[][] = [];
    let fail = true;
    const watch = new DriftWatch({
      fleet: fleetService,
      store: new JsonFileStore(path.join(dir, 'retry-state.json')),
      scope: { kind: 'tag', tag: 'branch' },
      everyMs: HOUR,
      post: async (changes) => {
        if (fail) throw new Error('channel_not_found');
        posted.push(changes.map((c) => c.firewall));
      },
      destination: '<#C0WATCH>',
      now: () => clock,
      setTimer: timer.set,
      log: () => undefined,
    });
    await watch.start();
    await expect(watch.runOnce()).rejects.toThrow('channel_not_found');
    expect(watch.status()).toContain('Last run: none yet.');
    fail = false;
    await watch.runOnce();
    expect(posted).toEqual([['fw-down']]);
    watch.stop();
  }, 60_000);

  it('starts even when its state cannot be read yet (Redis not up), and tries again within a minute', async () => {
    const timer = new ManualTimer();
    const file = path.join(dir, 'later-state.json');
    mkdirSync(file); // a directory where the state file should be: reading it fails, as an unreachable store does
    const logged: string[] = [];
    const watch = new DriftWatch({
      fleet: fleetService,
      store: new JsonFileStore(file),
      scope: { kind: 'tag', tag: 'branch' },
      everyMs: HOUR,
      post: async () => undefined,
      destination: '<#C0WATCH>',
      now: () => clock,
      setTimer: timer.set,
      log: (_level, message) => void logged.push(message),
    });
    await watch.start();
    expect(logged.join('\n')).toMatch(/cannot read its state yet; retrying/);
    expect(timer.live.ms).toBe(60_000);
    rmSync(file, { recursive: true });
    const retry = timer.live;
    retry.cancelled = true; // fired
    retry.fn();
    await new Promise((resolve) => setImmediate(resolve));
    // Readable now: nothing stored yet, so the first run is due at once.
    expect(timer.live.ms).toBe(0);
    watch.stop();
  });
});
