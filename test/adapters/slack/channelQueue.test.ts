/**
 * Posts in one channel, paced (issue 25 §4): the fake Slack enforces Slack's documented pace per channel (429 with
 * Retry-After beyond a short burst, TEST_PACING in tests), and the bot's ChannelQueue keeps within it, in order.
 * Also the fake's other conversation rules: a thread ephemeral needs a thread; texts that read wrong are flagged.
 */
import { webApi } from '@slack/bolt';
import { ChannelQueue } from '../../../src/adapters/slack/channelQueue';
import { SlackThreadReporter, type SlackReporterDeps } from '../../../src/adapters/slack/reporter';
import { FakeSlack, TEST_PACING } from '../../support/fakeSlack';
import { makeRequest, makeResult, makeSipSummary, recordingLogger } from './fixtures';

const TOKEN = 'xoxb-test-token';

describe('one channel, paced', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
  });
  afterEach(async () => {
    await fake.close();
  });

  /** As the app builds its posting client: a 429 is left to the queue. */
  const postingClient = () => new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger: recordingLogger() });

  it('the fake answers 429 with Retry-After to posts beyond the burst, as Slack does', async () => {
    const client = postingClient();
    const root = (await client.chat.postMessage({ channel: 'C0BURST', text: 'root' })).ts!;
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => client.chat.postMessage({ channel: 'C0BURST', thread_ts: root, text: `reply ${i + 1}` })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(1); // a burst of 3, the root among them
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(fake.pacedOut().length).toBe(refused.length);
    // Another channel has its own pace.
    await expect(client.chat.postMessage({ channel: 'C0OTHER', text: 'elsewhere' })).resolves.toMatchObject({ ok: true });
  });

  it('a post refused for the pace leaves a fault the test injected for the retry', async () => {
    // A pace no test outruns: the second post in the channel is always refused.
    const slow = await FakeSlack.start({ pacing: { intervalMs: 600_000, burst: 1 } });
    try {
      const client = new webApi.WebClient(TOKEN, { slackApiUrl: slow.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger: recordingLogger() });
      await client.chat.postMessage({ channel: 'C0FAULT', text: 'first' });
      slow.setFault('chat.postMessage', { kind: 'error', error: 'msg_too_long', times: 1 });
      await expect(client.chat.postMessage({ channel: 'C0FAULT', text: 'paced' })).rejects.toBeInstanceOf(webApi.WebAPIRateLimitedError);
      // Another channel's post is the retry that meets the fault, once.
      await expect(client.chat.postMessage({ channel: 'C0ELSE', text: 'meets the fault' })).rejects.toMatchObject({ data: { error: 'msg_too_long' } });
      await expect(client.chat.postMessage({ channel: 'C0THIRD', text: 'after it' })).resolves.toMatchObject({ ok: true });
    } finally {
      await slow.close();
    }
  });

  function reporterDeps(channelQueue: ChannelQueue): SlackReporterDeps {
    const client = postingClient();
    return { client, progressClient: client, logger: recordingLogger(), clock: () => 0, maxSeconds: 120, channelQueue, schedule: () => () => undefined };
  }

  it('two checks finishing together in one channel: every post lands, each thread in its order', async () => {
    // A pace slow enough that the eight posts of two checks could never fit in it unpaced (they take well under a
    // second on loopback), fast enough to keep the test short. Bot and fake share it.
    await fake.close();
    const pacing = { intervalMs: 300, burst: 3 };
    fake = await FakeSlack.start({ pacing });
    const queue = new ChannelQueue({ pacing });
    const a = new SlackThreadReporter(reporterDeps(queue), { channelId: 'C0VOIP' });
    const b = new SlackThreadReporter(reporterDeps(queue), { channelId: 'C0VOIP' });
    const ra = makeRequest({ id: 'chk-a', firewall: 'fw01' });
    const rb = makeRequest({ id: 'chk-b', firewall: 'fw02' });
    await Promise.all([a.start(ra), b.start(rb)]);
    await Promise.all([a.result(makeResult({ request: ra })), b.result(makeResult({ request: rb, sip: makeSipSummary(3) }))]);
    expect(fake.pacedOut()).toEqual([]);
    expect(fake.calls('chat.postMessage').every((c) => c.ok)).toBe(true);
    expect(fake.calls('chat.postMessage')).toHaveLength(6);
    for (const [r, fw] of [[a, 'fw01'], [b, 'fw02']] as const) {
      expect(fake.thread(r.parentTs!).map((m) => m.text?.split(':')[0])).toEqual([fw, `SIP summary for ${fw}`]);
      expect(fake.uploadedFiles().filter((f) => f.threadTs === r.parentTs && f.completed)).toHaveLength(4);
      expect(r.stats.postFailures).toBe(0);
    }
    // The posts in the channel follow the queue: each thread's card before its summary before its files.
    const order = fake.calls().filter((c) => c.method === 'chat.postMessage' || c.method === 'files.completeUploadExternal').map((c) => `${c.method}:${String(c.body.thread_ts ?? 'top')}`);
    for (const r of [a, b]) {
      const mine = order.filter((o) => o.endsWith(`:${r.parentTs}`));
      expect(mine).toEqual([`chat.postMessage:${r.parentTs}`, `chat.postMessage:${r.parentTs}`, `files.completeUploadExternal:${r.parentTs}`]);
    }
  });

  it('a post Slack refuses with 429 waits Retry-After and goes again before the channel\'s next post', async () => {
    // A bot that bursts further than Slack allows (8 against 3): Slack answers 429, the queue waits and repeats.
    const queue = new ChannelQueue({ pacing: { intervalMs: TEST_PACING.intervalMs, burst: 8 } });
    const client = postingClient();
    const root = (await queue.post('C0RETRY', () => client.chat.postMessage({ channel: 'C0RETRY', text: 'root' }))).ts!;
    await Promise.all(Array.from({ length: 6 }, (_, i) => queue.post('C0RETRY', () => client.chat.postMessage({ channel: 'C0RETRY', thread_ts: root, text: `reply ${i + 1}` }))));
    expect(fake.pacedOut().length).toBeGreaterThanOrEqual(1);
    expect(fake.thread(root).map((m) => m.text)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5', 'reply 6']);
  });
});

describe('ChannelQueue pacing (injected clock)', () => {
  it('lets a burst through, then spaces posts by the interval, counted from each answer', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const queue = new ChannelQueue({ pacing: { intervalMs: 1000, burst: 2 }, now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; } });
    const sent: number[] = [];
    const post = (latency: number) => async () => {
      sent.push(now);
      now += latency;
    };
    await Promise.all([queue.post('C1', post(10)), queue.post('C1', post(10)), queue.post('C1', post(10))]);
    // Two at once; the third waits until one interval after the first answer, less the burst.
    expect(sent).toEqual([0, 10, 1010]);
    expect(sleeps).toEqual([990]);
    // Another channel is not held by this one's pace.
    await queue.post('C2', post(10));
    expect(sent.at(-1)).toBe(1020);
    expect(sleeps).toEqual([990]);
  });

  it('a failed post does not stop the channel: the next one still goes, in order', async () => {
    const queue = new ChannelQueue({ pacing: { intervalMs: 0, burst: 1 } });
    const seen: string[] = [];
    const failing = queue.post('C1', async () => {
      seen.push('a');
      throw new Error('not_in_channel');
    });
    const next = queue.post('C1', async () => {
      seen.push('b');
      return 'ok';
    });
    await expect(failing).rejects.toThrow('not_in_channel');
    await expect(next).resolves.toBe('ok');
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('the fake Slack\'s conversation rules', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('refuses a thread ephemeral where no thread exists (Slack would show it to no one), accepts it once there is one', async () => {
    const client = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const mention = fake.addUserMessage('C0SHARED', 'U0ALICE', '<@U0SIPCHECK> fw01 seconds=abc');
    await expect(client.chat.postEphemeral({ channel: 'C0SHARED', user: 'U0ALICE', thread_ts: mention, text: 'usage' })).rejects.toMatchObject({ data: { error: 'fake_thread_ephemeral_not_shown' } });
    await expect(client.chat.postEphemeral({ channel: 'C0SHARED', user: 'U0ALICE', text: 'usage' })).resolves.toMatchObject({ ok: true });
    fake.addUserMessage('C0SHARED', 'U0BOB', 'a reply', mention);
    await expect(client.chat.postEphemeral({ channel: 'C0SHARED', user: 'U0ALICE', thread_ts: mention, text: 'usage' })).resolves.toMatchObject({ ok: true });
  });

  it('flags texts that read wrong: an entity escaped twice, a plural after 1', async () => {
    const client = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    await client.chat.postMessage({ channel: 'C0TEXT', text: 'Sweep (requested by &amp;lt;@U0HOLDOUT1&amp;gt;)' });
    await client.chat.postMessage({ channel: 'C0TEXT', text: 'fw01: 1 calls, 1 problem', blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: '1 problems · 11 calls · 21 lines' }] }] });
    await client.chat.postMessage({ channel: 'C0TEXT', text: 'fw01: 1 call, 2 problems, 0 messages &lt;sip:a@b&gt;' });
    expect(fake.textProblems().map((p) => `${p.problem}: ${p.text}`)).toEqual([
      'escaped twice: Sweep (requested by &amp;lt;@U0HOLDOUT1&amp;gt;)',
      'plural after 1: fw01: 1 calls, 1 problem',
      'plural after 1: 1 problems · 11 calls · 21 lines',
    ]);
  });
});
