/**
 * Fleet sweeps in Slack, everything real: the Bolt app in HTTP mode (signed requests), the check and fleet
 * services sharing locks and the global cap, SSH to simulated firewalls with mixed outcomes, and the local fake
 * Slack Web API recording what users see.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../src/adapters/slack/app';
import { FLEET_ACTION_IDS } from '../../src/adapters/slack/fleetBlocks';
import { AuditLog } from '../../src/check/audit';
import { makeSessionOpener } from '../../src/check/connect';
import { FirewallLocks, Semaphore } from '../../src/check/locks';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type CheckService, type HandleOutcome } from '../../src/check/service';
import { createFleetService, type FleetOutcome, type FleetService } from '../../src/fleet/service';
import { SweepSlots } from '../../src/fleet/sweep';
import { createLogger } from '../../src/log';
import { FakeSlack, signSlackRequest, TEST_PACING } from '../support/fakeSlack';
import { recordingLogger, testChannelQueue } from '../adapters/slack/fixtures';
import { MemoryJournal, testLimits } from '../support/harness';
import { startFleet, USER, type Fleet } from './support';
import { expectReadOnly } from '../support/readOnly';

const SECRET = 'fleet-signing-secret-0123456789abcdef';
const LIMITED = 'U0LIMITED';
const NOBODY = 'U0NOBODY';

interface SectionBlock {
  type: string;
  text?: { text: string };
  elements?: Array<{ action_id: string; value: string }>;
}

describe('fleet sweep in Slack, end to end', () => {
  let fleet: Fleet;
  let fake: FakeSlack;
  let app: App;
  let service: CheckService;
  let fleetService: FleetService;
  let locks: FirewallLocks;
  let url: string;
  const fleetWaiters: Array<(o: FleetOutcome) => void> = [];
  const checkWaiters: Array<(o: HandleOutcome) => void> = [];

  beforeAll(async () => {
    fleet = await startFleet();
    // LIMITED may check fw-alg only: a sweep must not reveal the others.
    fleet.entries.find((e) => e.name === 'fw-alg')!.allow.users.push(LIMITED);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-fleet-slack-'));
    const limits = testLimits();
    const openSession = makeSessionOpener(limits, fleet.env);
    locks = new FirewallLocks();
    const slots = new Semaphore(10);
    const inventory = { source: 'fleet-e2e', firewalls: fleet.entries };
    const audit = new AuditLog(path.join(dir, 'audit.jsonl'));
    const log = createLogger('error', process.stderr);
    service = createCheckService({ inventory, limits, openSession, journal: new MemoryJournal(), audit, rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }), maxConcurrent: 10, log, locks, slots });
    fleetService = createFleetService({ inventory, limits, openSession, slots: new SweepSlots(slots, 5), concurrency: 4, locks, audit, log, watchStatus: () => 'The drift watch sweeps every firewall in the inventory every 1h.' });
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    app = createSlackApp({
      mode: 'http',
      botToken: 'xoxb-fleet-e2e',
      signingSecret: SECRET,
      service,
      fleet: fleetService,
      slackApiUrl: fake.apiUrl,
      logger: recordingLogger(),
      postRetryConfig: { retries: 0 },
      minEditIntervalMs: 0,
      channelQueue: testChannelQueue(),
      onOutcome: (o) => checkWaiters.shift()?.(o),
      onFleetOutcome: (o) => fleetWaiters.shift()?.(o),
    });
    const server = (await app.start(0)) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    await fleetService.shutdown(5000);
    await service.shutdown(5000);
    await app.stop();
    await fake.close();
    await fleet.close();
  });

  async function post(body: string, contentType: string): Promise<number> {
    const res = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': contentType }, body });
    return res.status;
  }

  async function slash(text: string, user = USER): Promise<FleetOutcome> {
    const next = new Promise<FleetOutcome>((resolve) => fleetWaiters.push(resolve));
    const body = new URLSearchParams({
      team_id: 'T0FAKE', channel_id: 'C0VOIP', channel_name: 'voip', user_id: user, user_name: 'netops',
      command: '/sip-check', text, api_app_id: 'A0SIPCHECK', response_url: fake.responseUrl(), trigger_id: '1.2.3',
    }).toString();
    expect(await post(body, 'application/x-www-form-urlencoded')).toBe(200);
    const outcome = await next;
    if (outcome.kind === 'started') await outcome.done;
    return outcome;
  }

  function lastEdit(ts: string): { text?: string; blocks: SectionBlock[] } {
    const m = fake.message(ts)!;
    const e = m.edits.at(-1) ?? m;
    return { text: e.text, blocks: (e.blocks ?? []) as SectionBlock[] };
  }

  function filesOf(threadTs: string): { csv: string; json: { firewalls: Array<{ name: string; handler: string | null; error: { kind: string } | null }>; counts: Record<string, number> } } {
    const files = fake.uploadedFiles().filter((f) => f.threadTs === threadTs);
    const csv = files.find((f) => f.filename.endsWith('.csv'))!;
    const json = files.find((f) => f.filename.endsWith('.json'))!;
    return { csv: csv.bytes.toString('utf8'), json: JSON.parse(json.bytes.toString('utf8')) };
  }

  it('/sip-check all: one message, progress edits, then counts, exceptions first, the table by handler, and CSV + JSON', async () => {
    const busy = fleet.entries.find((e) => e.name === 'fw-busy')!;
    const release = locks.acquire(`${busy.host}:${busy.port}`, { requestedBy: 'U0OTHER', startedAt: new Date(), checkId: 'chk-running' });
    const outcome = await slash('all');
    (release as () => void)();
    expect(outcome).toMatchObject({ kind: 'started', total: 7 });
    const parents = fake.parents().filter((m) => m.channel === 'C0VOIP');
    expect(parents).toHaveLength(1);
    const ts = parents[0].ts;
    const first = fake.calls('chat.postMessage').filter((c) => c.body.channel === 'C0VOIP').at(-1)!;
    expect(first.body.text).toMatch(/^Sweeping every firewall you may check \(requested by <@U0NETOPS>\): 0\/7$/);
    const progress = parents[0].edits.slice(0, -1).map((e) => e.text ?? '');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p).toMatch(/: [1-7]\/7$/);
    const final = lastEdit(ts);
    expect(final.text).toMatch(/7 firewalls in [\d.]+ s: 1 mismatch, 3 could not be checked, 1 SIP ALG, 1 SIP session helper, 1 nothing/);
    const sections = final.blocks.map((b) => b.text?.text ?? '');
    const exceptions = sections.find((t) => t.startsWith('*Exceptions*'))!;
    expect(exceptions.split('\n').slice(1)).toEqual([
      '• fw-mismatch: mismatch (R8)',
      expect.stringMatching(/^• fw-down: unreachable: /),
      expect.stringMatching(/^• fw-badpass: auth-failed: /),
      expect.stringMatching(/^• fw-busy: busy: A check of fw-busy is already running .*chk-running/),
    ]);
    // exceptions come before the table, and the table is grouped by handler
    const order = sections.map((t) => /^\*([^*]+)\*/.exec(t)?.[1]).filter(Boolean);
    expect(order).toEqual(['Exceptions', 'mismatch', 'SIP ALG', 'SIP session helper', 'nothing (no SIP handler)']);
    const files = filesOf(ts);
    expect(files.json.firewalls.map((f) => f.name)).toEqual(['fw-alg', 'fw-helper', 'fw-none', 'fw-mismatch', 'fw-down', 'fw-badpass', 'fw-busy']);
    expect(files.json.counts).toEqual({ 'sip-alg': 1, 'session-helper': 1, none: 1, mismatch: 1, error: 3 });
    expect(files.csv.split('\r\n')[0]).toBe('name,handler,rule,hostname,version,vdoms,error_kind,error_message,seconds');
    for (const sim of fleet.sims) {
      expect(sim.state.configWrites).toEqual([]);
      expectReadOnly(sim);
      expect(sim.state.debug.enables).toBe(0);
    }
  }, 60_000);

  it('a sweep never reveals a firewall the user may not check; a user with none gets the same refusal as for any tag', async () => {
    const outcome = await slash('all', LIMITED);
    expect(outcome).toMatchObject({ kind: 'started', total: 1 });
    const ts = fake.parents().filter((m) => m.channel === 'C0VOIP').at(-1)!.ts;
    expect(filesOf(ts).json.firewalls.map((f) => f.name)).toEqual(['fw-alg']);
    expect(JSON.stringify(fake.message(ts))).not.toMatch(/fw-helper|fw-none|fw-mismatch|fw-down|fw-badpass|fw-busy/);

    const before = fake.parents().length;
    expect(await slash('all', NOBODY)).toMatchObject({ kind: 'rejected', error: { kind: 'unknown-firewall', message: 'You may not check any firewall from here.' } });
    // A tag that exists (on firewalls NOBODY may not check) and one that does not: the same answer.
    const exists = await slash('tag=branch', NOBODY);
    const missing = await slash('tag=nowhere', NOBODY);
    expect(exists).toMatchObject({ kind: 'rejected', error: { kind: 'unknown-firewall' } });
    expect(missing.kind === 'rejected' && missing.error.message.replace('nowhere', 'branch')).toBe(exists.kind === 'rejected' && exists.error.message);
    // LIMITED: fw-helper and fw-down are tagged branch too, but only fw-alg is swept.
    expect(await slash('tag=branch', LIMITED)).toMatchObject({ kind: 'started', total: 1 });
    expect(fake.parents().length).toBe(before + 1);
  }, 60_000);

  it('/sip-check tag=emea sweeps the tagged firewalls; /sip-check watch shows the watch status; bad words get usage', async () => {
    const outcome = await slash('tag=emea');
    expect(outcome).toMatchObject({ kind: 'started', total: 1 });
    const ts = fake.parents().filter((m) => m.channel === 'C0VOIP').at(-1)!.ts;
    expect(filesOf(ts).json.firewalls).toEqual([expect.objectContaining({ name: 'fw-helper', handler: 'session-helper' })]);
    expect(await slash('watch')).toEqual({ kind: 'text', text: 'The drift watch sweeps every firewall in the inventory every 1h.' });
    expect(await slash('watch', NOBODY)).toMatchObject({ kind: 'rejected' });
    expect(await slash('tag=EMEA!')).toMatchObject({ kind: 'rejected', error: { kind: 'usage' } });
    expect(await slash('all seconds=5')).toMatchObject({ kind: 'rejected', error: { kind: 'usage', message: expect.stringMatching(/`all` takes no options/) } });
  }, 60_000);

  it('@sip-check all in a thread answers in that thread', async () => {
    const root = fake.addUserMessage('C0INCIDENT', 'U0ONCALL', 'P1: one-way audio at every branch since the upgrade');
    const mentionTs = fake.addUserMessage('C0INCIDENT', USER, '<@U0SIPCHECK> all', root);
    const body = JSON.stringify({
      token: 'legacy-verification-token', team_id: 'T0FAKE', api_app_id: 'A0SIPCHECK', type: 'event_callback', event_id: 'Ev0FLEETALL', event_time: 1764000100,
      authorizations: [{ enterprise_id: null, team_id: 'T0FAKE', user_id: 'U0SIPCHECK', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user: USER, text: '<@U0SIPCHECK> all', ts: mentionTs, thread_ts: root, channel: 'C0INCIDENT', event_ts: mentionTs },
    });
    const next = new Promise<FleetOutcome>((resolve) => fleetWaiters.push(resolve));
    expect(await post(body, 'application/json')).toBe(200);
    const outcome = await next;
    expect(outcome.kind).toBe('started');
    if (outcome.kind === 'started') await outcome.done;
    const fromApp = fake.thread(root).filter((m) => m.byUser === undefined);
    expect(fromApp).toHaveLength(1);
    expect(lastEdit(fromApp[0].ts).text).toMatch(/7 firewalls in /);
    expect(fake.uploadedFiles().filter((f) => f.threadTs === root).map((f) => f.filename.split('.').at(-1))).toEqual(['csv', 'json']);
  }, 60_000);

  it('"Run full check" from a watch post goes through the same access checks as a typed command', async () => {
    const click = (user: string, firewall: string) => {
      const payload = {
        type: 'block_actions',
        user: { id: user, username: 'x', name: 'x', team_id: 'T0FAKE' },
        api_app_id: 'A0SIPCHECK', token: 'legacy-verification-token',
        container: { type: 'message', message_ts: '1764000000.000100', channel_id: 'C0WATCH', is_ephemeral: false },
        trigger_id: '1.2.3', team: { id: 'T0FAKE', domain: 'example' }, enterprise: null, is_enterprise_install: false,
        channel: { id: 'C0WATCH', name: 'sip-watch' },
        message: { type: 'message', ts: '1764000000.000100', text: 'SIP drift watch' },
        response_url: fake.responseUrl(),
        actions: [{ type: 'button', action_id: FLEET_ACTION_IDS.fullCheck, block_id: 'b', value: JSON.stringify({ c: firewall, id: 'watch' }), text: { type: 'plain_text', text: 'x' }, action_ts: '1764000100.000100' }],
      };
      return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    };
    const denied = new Promise<HandleOutcome>((resolve) => checkWaiters.push(resolve));
    expect(await post(click(LIMITED, 'fw-helper'), 'application/x-www-form-urlencoded')).toBe(200);
    expect(await denied).toMatchObject({ kind: 'rejected', error: { kind: 'unknown-firewall' } });
    const started = new Promise<HandleOutcome>((resolve) => checkWaiters.push(resolve));
    expect(await post(click(USER, 'fw-helper'), 'application/x-www-form-urlencoded')).toBe(200);
    const outcome = await started;
    expect(outcome).toMatchObject({ kind: 'started', firewall: 'fw-helper' });
    if (outcome.kind === 'started') await outcome.done;
    const parent = fake.parents().filter((m) => m.channel === 'C0WATCH').at(-1)!;
    expect(parent.edits.at(-1)?.text).toMatch(/^fw-helper: SIP handled by/);
  }, 60_000);
});
