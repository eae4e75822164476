/**
 * The real Bolt app in HTTP mode on loopback, with signed requests (docs/slack.md "Testing without Slack") and the fake
 * Slack Web API behind it. The check itself is a stub service driving the real reporter.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../../src/adapters/slack/app';
import { ACTION_IDS, decodeButtonValue, SLACK_LIMITS } from '../../../src/adapters/slack/blocks';
import type { HandleOutcome } from '../../../src/check/service';
import { FakeSlack, signSlackRequest, TEST_PACING, type StoredMessage } from '../../support/fakeSlack';
import { happyScript, makeResult, makeSipSummary, recordingLogger, StubService, testChannelQueue } from './fixtures';

const SECRET = 'test-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-test-token';

describe('Slack adapter over HTTP (real Bolt, signed requests)', () => {
  let fake: FakeSlack;
  let service: StubService;
  let app: App;
  let url: string;
  let outcomes: HandleOutcome[];
  let outcomeWaiters: Array<(o: HandleOutcome) => void>;
  let tick: number;

  beforeEach(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    service = new StubService(['fw01', 'fw02']);
    outcomes = [];
    outcomeWaiters = [];
    tick = 0;
    app = createSlackApp({
      mode: 'http',
      botToken: TOKEN,
      signingSecret: SECRET,
      service,
      slackApiUrl: fake.apiUrl,
      botId: 'B0SIPCHECK',
      botUserId: 'U0SIPCHECK',
      logger: recordingLogger(),
      // every reading is 2 s later: no progress edit is held back by coalescing
      clock: () => (tick += 2000),
      postRetryConfig: { retries: 0 },
      maxCaptureSeconds: 120,
      channelQueue: testChannelQueue(),
      onOutcome: (o) => {
        outcomes.push(o);
        outcomeWaiters.shift()?.(o);
      },
    });
    const server = (await app.start(0)) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(async () => {
    await service.settled().catch(() => undefined);
    await app.stop();
    await fake.close();
    // Every text the conversation showed reads right (not escaped twice, no "1 calls"), and nothing was paced out.
    expect(fake.textProblems()).toEqual([]);
    expect(fake.pacedOut()).toEqual([]);
  });

  function nextOutcome(): Promise<HandleOutcome> {
    return new Promise((resolve) => outcomeWaiters.push(resolve));
  }

  function commandBody(text: string, user = 'U024BE7LH', team = 'T0FAKE'): string {
    return new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: team,
      team_domain: 'example',
      channel_id: 'C0INCIDENT',
      channel_name: 'voip-incidents',
      user_id: user,
      user_name: 'alice',
      command: '/sip-check',
      text,
      api_app_id: 'A0SIPCHECK',
      response_url: fake.responseUrl(),
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
    }).toString();
  }

  async function post(body: string, opts: { secret?: string; ageSeconds?: number; alter?: (b: string) => string } = {}): Promise<Response> {
    const ts = Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0);
    const headers = signSlackRequest(opts.secret ?? SECRET, body, ts);
    return fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: opts.alter ? opts.alter(body) : body });
  }

  async function runCheck(text = 'fw01'): Promise<void> {
    const started = nextOutcome();
    const res = await post(commandBody(text));
    expect(res.status).toBe(200);
    const outcome = await started;
    if (outcome.kind !== 'started') throw new Error(`not started: ${outcome.kind}`);
    await outcome.done;
  }

  function firstParentTs(): string {
    const parent = fake.parents()[0];
    if (!parent) throw new Error('no parent posted');
    return parent.ts;
  }

  it('acks with 200 before the check finishes, then reports in one thread with edits and files', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    service.script = async (reporter, request) => {
      await gate;
      await happyScript(reporter, request);
    };
    const started = nextOutcome();
    const res = await post(commandBody('fw01 seconds=20'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const outcome = await started;
    expect(outcome.kind).toBe('started');
    // acked while the check is still held at the gate: nothing but the parent exists yet
    expect(fake.calls('chat.update')).toHaveLength(0);
    release();
    if (outcome.kind === 'started') await outcome.done;

    const parentTs = firstParentTs();
    const parent = fake.message(parentTs)!;
    expect(fake.calls('chat.postMessage')[0].token).toBe(TOKEN);
    expect(fake.calls('chat.postMessage')[0].body.text).toContain('SIP check of fw01 (seconds=20 level=-1): queued');
    expect(parent.edits.length).toBeGreaterThanOrEqual(2);
    expect(parent.edits[0].text).toContain('connecting');
    expect(parent.edits.at(-1)?.text).toMatch(/^fw01: SIP handled by SIP session helper \(kernel\) \(rule R5\)/);

    const replies = fake.thread(parentTs);
    expect(replies.map((m) => m.text?.slice(0, 40))).toEqual([expect.stringContaining('fw01: SIP handled by'), expect.stringContaining('SIP summary for fw01')]);
    const uploadSeq = fake.calls().filter((c) => c.method.startsWith('files.') || c.method === 'upload').map((c) => c.method);
    expect(uploadSeq.filter((m) => m === 'files.getUploadURLExternal')).toHaveLength(4);
    expect(uploadSeq.filter((m) => m === 'upload')).toHaveLength(4);
    expect(uploadSeq.at(-1)).toBe('files.completeUploadExternal');
    expect(fake.uploadedFiles().every((f) => f.completed && f.threadTs === parentTs)).toBe(true);
    expect(fake.ephemeralResponses()).toHaveLength(0);
  });

  it('acks even while Slack is slow to take the parent post', async () => {
    fake.setFault('chat.postMessage', { kind: 'slow', delayMs: 800, times: 1 });
    const o = nextOutcome();
    const res = await post(commandBody('fw01'));
    expect(res.status).toBe(200);
    // the fake records a call only once it answers: the ack came first
    expect(fake.calls('chat.postMessage')).toHaveLength(0);
    const outcome = await o;
    if (outcome.kind === 'started') await outcome.done;
    expect(fake.calls('chat.postMessage').length).toBeGreaterThanOrEqual(3);
  });

  it('falls back to chat.postEphemeral when the response_url has expired', async () => {
    fake.setFault('respond', { kind: 'expired' });
    const o = nextOutcome();
    await post(commandBody('help'));
    await o;
    await waitFor(() => fake.ephemeralResponses().length === 1);
    expect(fake.calls('respond')[0].error).toBe('expired_url');
    expect(fake.ephemeralResponses()[0]).toMatchObject({ via: 'chat.postEphemeral', user: 'U024BE7LH', channel: 'C0INCIDENT' });
  });

  it('refuses a wrong signature, a 6-minute-old timestamp and an altered body with 401', async () => {
    expect((await post(commandBody('fw01'), { secret: 'wrong-secret' })).status).toBe(401);
    expect((await post(commandBody('fw01'), { ageSeconds: 6 * 60 })).status).toBe(401);
    expect((await post(commandBody('fw01'), { alter: (b) => b.replace('text=fw01', 'text=fw02') })).status).toBe(401);
    expect(service.handled).toHaveLength(0);
    expect(fake.calls()).toHaveLength(0);
  });

  it('refuses a correctly signed request dated 6 minutes or a day in the future', async () => {
    expect((await post(commandBody('fw01'), { ageSeconds: -6 * 60 })).status).toBe(401);
    expect((await post(commandBody('fw01'), { ageSeconds: -24 * 3600 })).status).toBe(401);
    expect(service.handled).toEqual([]);
    // Within the window, both ways, it runs.
    const started = nextOutcome();
    expect((await post(commandBody('fw01 seconds=5'), { ageSeconds: -60 })).status).toBe(200);
    expect((await started).kind).toBe('started');
  });

  it('runs a signed request once: the same request posted again is refused', async () => {
    const body = commandBody('fw01 seconds=5');
    const headers = { ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' };
    const started = nextOutcome();
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(200);
    const outcome = await started;
    if (outcome.kind === 'started') await outcome.done;
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(401);
    // Paths Bolt normalises to its events endpoint are checked too (fetch would normalise them: sent raw).
    const { port } = new URL(url);
    for (const path of ['/slack/./events', '/x/../slack/events', `http://127.0.0.1:${port}/slack/events`]) {
      expect(await rawPost(Number(port), path, headers, body)).toBe(401);
    }
    expect(service.handled).toHaveLength(1);
  });

  it('a slash command from another workspace (Slack Connect) is marked external, like a mention or a button', async () => {
    const other = nextOutcome();
    expect((await post(commandBody('fw01', 'U0EXTERNAL', 'T0OTHERORG'))).status).toBe(200);
    await other;
    expect(service.handled.at(-1)?.requester).toMatchObject({ userId: 'U0EXTERNAL', teamId: 'T0OTHERORG', externalUser: true });
    const home = nextOutcome();
    expect((await post(commandBody('help'))).status).toBe(200);
    await home;
    expect(service.handled.at(-1)?.requester).toMatchObject({ teamId: 'T0FAKE', externalUser: false });
  });

  it('answers help and refusals ephemerally through response_url', async () => {
    const help = nextOutcome();
    await post(commandBody('help'));
    await help;
    const refused = nextOutcome();
    await post(commandBody('fw99'));
    await refused;
    await waitFor(() => fake.ephemeralResponses().length === 2);
    // Each answer follows its own command; the two may land in either order.
    const answers = fake.ephemeralResponses();
    const h = answers.find((a) => a.text?.includes('Usage')) ?? answers[0];
    const r = answers.find((a) => a !== h) ?? answers[1];
    expect(h).toMatchObject({ via: 'respond', responseType: 'ephemeral' });
    expect(h.text).toContain('Usage');
    expect(r.text).toContain('Unknown firewall "fw99".');
    expect(fake.calls('chat.postMessage')).toHaveLength(0);
  });

  it('tells the user how to invite the bot on not_in_channel', async () => {
    fake.setFault('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    const o = nextOutcome();
    await post(commandBody('fw01'));
    expect((await o).kind).toBe('rejected');
    await waitFor(() => fake.ephemeralResponses().length === 1);
    expect(fake.ephemeralResponses()[0].text).toContain('/invite @sip-check');
    expect(service.running).toHaveLength(0);
  });

  it('a Slack failure while posting the result does not throw out of the reporter', async () => {
    service.script = async (reporter, request) => {
      await reporter.progress({ phase: 'analysing' });
      fake.setFault('chat.postMessage', { kind: 'http', status: 500 });
      await reporter.result(makeResult({ request }));
    };
    const o = nextOutcome();
    await post(commandBody('fw01'));
    const outcome = await o;
    if (outcome.kind !== 'started') throw new Error('not started');
    await expect(outcome.done).resolves.toBeUndefined();
    expect(fake.calls('chat.postMessage').filter((c) => c.error === 'http_500').length).toBeGreaterThanOrEqual(2);
    // the channel view still ends on the verdict
    expect(fake.message(firstParentTs())?.text).toContain('fw01: SIP handled by');
  });

  it('keeps every recorded block message within limits for a 5,000-call result', async () => {
    service.script = async (reporter, request) => {
      await reporter.result(makeResult({ request, sip: makeSipSummary(5000) }));
    };
    await runCheck();
    const posted = [...fake.calls('chat.postMessage'), ...fake.calls('chat.update')];
    expect(posted.length).toBeGreaterThanOrEqual(4);
    for (const c of posted) {
      expect(c.ok).toBe(true);
      const blocks = (c.body.blocks ?? []) as Array<{ type: string; text?: { text: string } }>;
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      for (const b of blocks) if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(String(c.body.text).length).toBeGreaterThan(0);
    }
  });

  it('runs an @mention inside an incident thread and answers in that thread', async () => {
    const root = fake.addUserMessage('C0INCIDENT', 'U0ONCALL', 'P1: calls to the carrier drop after 32 s');
    const mentionTs = fake.addUserMessage('C0INCIDENT', 'U024BE7LH', '<@U0SIPCHECK> fw01 seconds=30', root);
    const body = JSON.stringify({
      token: 'legacy-verification-token',
      team_id: 'T0FAKE',
      api_app_id: 'A0SIPCHECK',
      type: 'event_callback',
      event_id: 'Ev0MENTION1',
      event_time: 1764000100,
      authorizations: [{ enterprise_id: null, team_id: 'T0FAKE', user_id: 'U0SIPCHECK', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user: 'U024BE7LH', text: '<@U0SIPCHECK> fw01 seconds=30', ts: mentionTs, thread_ts: root, channel: 'C0INCIDENT', event_ts: mentionTs },
    });
    const o = nextOutcome();
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body, ts), 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    const outcome = await o;
    expect(outcome.kind).toBe('started');
    if (outcome.kind === 'started') await outcome.done;
    expect(service.handled[0]).toEqual({ text: 'fw01 seconds=30', requester: { userId: 'U024BE7LH', channelId: 'C0INCIDENT', teamId: 'T0FAKE', externalUser: false, adapter: 'slack' } });
    expect(fake.parents()).toHaveLength(0); // nothing top-level: all in the incident thread
    const replies = fake.thread(root);
    const fromApp = replies.filter((m) => m.byUser === undefined);
    expect(fromApp).toHaveLength(3);
    expect(fromApp[0].edits.at(-1)?.text).toMatch(/^fw01: SIP handled by/); // the status message, edited to the verdict
    expect(fromApp[1].text).toContain('Rule R5');
    expect(fromApp[2].text).toContain('SIP summary for fw01');
    expect(fake.uploadedFiles().every((f) => f.threadTs === root)).toBe(true);
  });

  function mentionBody(user: string, extra: Record<string, unknown> = {}, command = 'fw01', threadTs?: string): string {
    const text = `<@U0SIPCHECK> ${command}`;
    const mentionTs = fake.addUserMessage('C0SHARED', user, text, threadTs);
    return JSON.stringify({
      token: 'legacy-verification-token', team_id: 'T0FAKE', api_app_id: 'A0SIPCHECK', type: 'event_callback', event_id: `Ev0${user}${Object.keys(extra).join('')}${mentionTs}`, event_time: 1764000100,
      authorizations: [{ enterprise_id: null, team_id: 'T0FAKE', user_id: 'U0SIPCHECK', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user, text, ts: mentionTs, channel: 'C0SHARED', event_ts: mentionTs, ...(threadTs ? { thread_ts: threadTs } : {}), ...extra },
    });
  }
  async function postEvent(body: string): Promise<void> {
    const res = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
  }

  it('@mention: a member of another workspace (Slack Connect) is marked external', async () => {
    const o = nextOutcome();
    await postEvent(mentionBody('U0EXTERNAL', { user_team: 'T0OTHERORG' }));
    await o;
    expect(service.handled.at(-1)?.requester.externalUser).toBe(true);
  });

  it('@mention at the top level: a refusal reaches the user as an ephemeral in the channel (no thread exists there)', async () => {
    const o = nextOutcome();
    await postEvent(mentionBody('U024BE7LH', {}, 'fw99 seconds=30'));
    expect((await o).kind).toBe('rejected');
    await waitFor(() => fake.calls('chat.postEphemeral').length === 1);
    const call = fake.calls('chat.postEphemeral')[0];
    expect(call.ok).toBe(true); // a thread_ts here would be refused: Slack shows it to no one
    expect(call.body.thread_ts).toBeUndefined();
    expect(fake.ephemeralResponses()).toEqual([expect.objectContaining({ via: 'chat.postEphemeral', user: 'U024BE7LH', channel: 'C0SHARED', threadTs: undefined })]);
    expect(fake.ephemeralResponses()[0].text).toContain('Unknown firewall "fw99".');
  });

  it('@mention inside a thread: a refusal reaches the user as an ephemeral in that thread', async () => {
    const root = fake.addUserMessage('C0SHARED', 'U0ONCALL', 'P1: one-way audio');
    fake.addUserMessage('C0SHARED', 'U0ONCALL', 'anyone?', root);
    const o = nextOutcome();
    await postEvent(mentionBody('U024BE7LH', {}, 'fw99', root));
    expect((await o).kind).toBe('rejected');
    await waitFor(() => fake.calls('chat.postEphemeral').length === 1);
    expect(fake.calls('chat.postEphemeral')[0].ok).toBe(true);
    expect(fake.ephemeralResponses()[0]).toMatchObject({ threadTs: root, user: 'U024BE7LH' });
  });

  it.each([
    ['a bot or workflow mention', { bot_id: 'B0OTHERBOT' }],
    ['an edited message', { subtype: 'message_changed' }],
  ])('@mention: %s starts nothing', async (_name, extra) => {
    await postEvent(mentionBody('U0IGNORED', extra));
    // A person's mention sent afterwards is the only one that reaches the service.
    const o = nextOutcome();
    await postEvent(mentionBody('U0PERSON'));
    await o;
    expect(service.handled.map((h) => h.requester.userId)).toEqual(['U0PERSON']);
  });

  describe('buttons on the final message', () => {
    async function finalButtons(): Promise<{ parentTs: string; values: Map<string, string> }> {
      await runCheck('fw01 seconds=20');
      const parentTs = firstParentTs();
      const actions = (fake.message(parentTs)!.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions');
      const values = new Map((actions?.elements ?? []).map((e) => [e.action_id, e.value]));
      return { parentTs, values };
    }

    /** A click as Slack sends it: the clicked message (text and blocks as posted) comes with it. */
    function clickBody(actionId: string, value: string, parentTs: string, user = 'U024BE7LH', clicked?: StoredMessage, threadTs?: string): string {
      const payload = {
        type: 'block_actions',
        user: { id: user, username: 'alice', name: 'alice', team_id: 'T0FAKE' },
        api_app_id: 'A0SIPCHECK',
        token: 'legacy-verification-token',
        container: { type: 'message', message_ts: parentTs, channel_id: 'C0INCIDENT', is_ephemeral: false, ...(threadTs ? { thread_ts: threadTs } : {}) },
        trigger_id: '13345224609.738474920.8088930838d88f008e0',
        team: { id: 'T0FAKE', domain: 'example' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: 'C0INCIDENT', name: 'voip-incidents' },
        message: clicked ? { type: 'message', ts: clicked.ts, text: clicked.text, blocks: clicked.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) } : { type: 'message', ts: parentTs, text: 'fw01: SIP handled by ...' },
        response_url: fake.responseUrl(),
        actions: [{ type: 'button', action_id: actionId, block_id: 'sip_check_actions', value, text: { type: 'plain_text', text: 'x' }, action_ts: '1764000100.000100' }],
      };
      return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    }

    it('"Capture again" runs in the clicked message\'s thread, with its own status line, and the clicked message says so', async () => {
      const { parentTs, values } = await finalButtons();
      const before = fake.thread(parentTs).length;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      service.script = async (reporter, request) => {
        await gate;
        await happyScript(reporter, request);
      };
      const o = nextOutcome();
      const res = await post(clickBody(ACTION_IDS.captureAgain, values.get(ACTION_IDS.captureAgain)!, parentTs, 'U024BE7LH', fake.message(parentTs)!));
      expect(res.status).toBe(200);
      const outcome = await o;
      expect(outcome.kind).toBe('started');
      expect(service.handled.map((h) => h.text)).toEqual(['fw01 seconds=20', 'fw01 seconds=20 level=-1']);
      // While it runs: the clicked message says a rerun is running in its thread, and keeps its verdict and buttons.
      await waitFor(() => JSON.stringify(fake.message(parentTs)!.blocks).includes('running in this thread'));
      const running = fake.message(parentTs)!;
      expect(running.text).toMatch(/^fw01: SIP handled by/);
      expect(running.text).toContain('ran `fw01 seconds=20 level=-1` again: running in this thread.');
      expect(running.blocks!.map((b) => (b as { type: string }).type)).toEqual(['section', 'context', 'context', 'actions']);
      release();
      if (outcome.kind === 'started') await outcome.done;
      // Nothing new at the top level: the rerun's status line and its replies are in the same thread.
      expect(fake.parents()).toHaveLength(1);
      expect(fake.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined)).toHaveLength(1);
      const rerun = fake.thread(parentTs).slice(before);
      expect(rerun.map((m) => m.text?.slice(0, 40))).toEqual([
        expect.stringContaining('fw01: SIP handled by'), // its own status line, edited to the verdict
        expect.stringContaining('fw01: SIP handled by'),
        expect.stringContaining('SIP summary for fw01'),
      ]);
      const statusPosts = fake.calls('chat.postMessage').filter((c) => String(c.body.text).startsWith('SIP check of fw01'));
      expect(statusPosts.map((c) => c.body.thread_ts)).toEqual([undefined, parentTs]);
      expect(rerun[0].blocks?.some((b) => (b as { type: string }).type === 'actions')).toBe(true);
      expect(fake.uploadedFiles().filter((f) => f.threadTs === parentTs)).toHaveLength(8);
      // Once done, the clicked message says how the rerun ended.
      const done = fake.message(parentTs)!;
      expect(JSON.stringify(done.blocks)).toContain('again: fw01: SIP handled by SIP session helper');
      expect(JSON.stringify(done.blocks)).not.toContain('running in this thread');
      expect(done.blocks!.filter((b) => (b as { block_id?: string }).block_id === 'sip_check_rerun')).toHaveLength(1);
    });

    it('a rerun from a status line inside a thread stays in that thread', async () => {
      const { parentTs, values } = await finalButtons();
      const o1 = nextOutcome();
      await post(clickBody(ACTION_IDS.captureAgain, values.get(ACTION_IDS.captureAgain)!, parentTs, 'U024BE7LH', fake.message(parentTs)!));
      const first = await o1;
      if (first.kind === 'started') await first.done;
      const statusLine = fake.thread(parentTs).find((m) => m.text?.startsWith('fw01: SIP handled by') && m.blocks?.some((b) => (b as { type: string }).type === 'actions'))!;
      const again = (statusLine.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!.elements!.find((e) => e.action_id === ACTION_IDS.longerCapture)!;
      const o2 = nextOutcome();
      await post(clickBody(ACTION_IDS.longerCapture, again.value, statusLine.ts, 'U024BE7LH', statusLine, parentTs));
      const second = await o2;
      if (second.kind === 'started') await second.done;
      expect(fake.parents()).toHaveLength(1);
      expect(fake.calls('chat.postMessage').every((c) => c.body.thread_ts === undefined ? c === fake.calls('chat.postMessage')[0] : c.body.thread_ts === parentTs)).toBe(true);
      expect(JSON.stringify(fake.message(statusLine.ts)!.blocks)).toContain('ran `fw01 seconds=40 level=-1` again: fw01: SIP handled by');
    });

    it('"Longer capture" doubles the seconds', async () => {
      const { parentTs, values } = await finalButtons();
      expect(decodeButtonValue(values.get(ACTION_IDS.longerCapture))?.command).toBe('fw01 seconds=40 level=-1');
      const o = nextOutcome();
      await post(clickBody(ACTION_IDS.longerCapture, values.get(ACTION_IDS.longerCapture)!, parentTs));
      const outcome = await o;
      if (outcome.kind === 'started') await outcome.done;
      expect(service.handled[1].text).toBe('fw01 seconds=40 level=-1');
      expect(outcome.kind === 'started' && outcome.options.seconds).toBe(40);
    });

    it('"Show remediation" posts the snippet in the thread and runs nothing', async () => {
      const { parentTs, values } = await finalButtons();
      const before = fake.thread(parentTs).length;
      await post(clickBody(ACTION_IDS.showRemediation, values.get(ACTION_IDS.showRemediation)!, parentTs));
      await waitFor(() => fake.thread(parentTs).length === before + 1);
      const reply = fake.thread(parentTs).at(-1)!;
      expect(reply.text).toContain('Remediation for fw01 (not run by the bot)');
      expect(reply.text).toContain('set default-voip-alg-mode proxy-based');
      // One titled section and one code block per option; clearing sessions is its own step with its warning.
      const texts = (reply.blocks as Array<{ text?: { text: string } }>).map((b) => b.text?.text ?? '');
      expect(texts.filter((t) => t.startsWith('```'))).toEqual(['```config system settings\n    set default-voip-alg-mode proxy-based\nend```', '```diagnose sys session filter clear\ndiagnose sys session filter dport 5060\ndiagnose sys session clear```']);
      expect(texts.find((t) => t.startsWith('*Separate step'))).toContain(':warning: Drops every call in progress');
      expect(service.handled).toHaveLength(1);
    });

    it('a denied click gets an ephemeral refusal and starts nothing', async () => {
      const { parentTs, values } = await finalButtons();
      service.denied.add('U0MALLORY');
      const o = nextOutcome();
      await post(clickBody(ACTION_IDS.captureAgain, values.get(ACTION_IDS.captureAgain)!, parentTs, 'U0MALLORY'));
      expect((await o).kind).toBe('rejected');
      await waitFor(() => fake.ephemeralResponses().length === 1);
      expect(fake.ephemeralResponses()[0].text).toContain('You may not check fw01.');
      expect(fake.ephemeralResponses()[0].text).toContain('allow');
      expect(service.handled.at(-1)?.requester.userId).toBe('U0MALLORY');
      await post(clickBody(ACTION_IDS.showRemediation, values.get(ACTION_IDS.showRemediation)!, parentTs, 'U0MALLORY'));
      await waitFor(() => fake.ephemeralResponses().length === 2);
      expect(fake.ephemeralResponses()[1].text).toContain('You may not see this remediation.');
    });
  });
});

/** Polls a condition driven by the loopback servers (no fixed sleeps in assertions). */
async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A POST with the request-target exactly as given (no URL normalisation, unlike fetch); resolves to the status. */
function rawPost(port: number, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
