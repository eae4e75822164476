import { webApi } from '@slack/bolt';
import { SlackThreadReporter, type SlackReporterDeps } from '../../../src/adapters/slack/reporter';
import { CheckError } from '../../../src/errors';
import { FakeSlack, TEST_PACING } from '../../support/fakeSlack';
import type { CheckResult, ConfigVerdict } from '../../../src/check/types';
import { makeRequest, makeResult, makeSipSummary, recordingLogger, testChannelQueue } from './fixtures';

const TOKEN = 'xoxb-test-token';

describe('SlackThreadReporter against the fake Slack Web API', () => {
  let fake: FakeSlack;
  let now: number;
  let timers: Array<() => void>;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    now = 0;
    timers = [];
    logger = recordingLogger();
  });
  afterEach(async () => {
    await fake.close();
  });

  function deps(overrides: Partial<SlackReporterDeps> = {}): SlackReporterDeps {
    return {
      // As app.ts builds it: a 429 is left to the channel queue (posts) or retryRateLimited (the final edit).
      client: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger }),
      progressClient: new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logger }),
      logger,
      clock: () => now,
      maxSeconds: 120,
      channelQueue: testChannelQueue(),
      schedule: (fn) => {
        timers.push(fn);
        return () => {
          const i = timers.indexOf(fn);
          if (i >= 0) timers.splice(i, 1);
        };
      },
      ...overrides,
    };
  }

  function runTimers(): void {
    const due = timers.splice(0);
    for (const fn of due) fn();
  }

  const editTexts = (ts: string): string[] => (fake.message(ts)?.edits ?? []).map((e) => e.text ?? '');

  it('coalesces progress edits with the injected clock and ends with the verdict line', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    const request = makeRequest();
    await r.start(request);
    const parent = r.parentTs!;
    expect(fake.message(parent)?.text).toContain('queued');

    now = 100;
    await r.progress({ phase: 'connecting' }); // within 1.5 s of the parent post: deferred
    now = 200;
    await r.progress({ phase: 'reading-config' }); // replaces the deferred one
    expect(fake.calls('chat.update')).toHaveLength(0);
    runTimers(); // the trailing wake-up sends the latest state
    await r.idle();
    expect(editTexts(parent)).toEqual([expect.stringContaining('reading config')]);

    now = 1000;
    await r.progress({ phase: 'capturing', elapsedSeconds: 1, totalSeconds: 20 }); // 800 ms after the last edit
    now = 1800;
    await r.progress({ phase: 'capturing', elapsedSeconds: 2, totalSeconds: 20 }); // 1.6 s: sent now
    await r.idle();
    now = 2000;
    await r.progress({ phase: 'analysing' }); // deferred, then superseded by the result
    await r.result(makeResult({ request }));

    const edits = editTexts(parent);
    expect(edits).toHaveLength(3);
    expect(edits[1]).toContain('capturing 2/20 s');
    expect(edits.join('\n')).not.toContain('connecting');
    expect(edits[2]).toMatch(/^fw01: SIP handled by SIP session helper \(kernel\) \(rule R5\)/);
    expect(fake.message(parent)?.blocks?.some((b) => (b as { type: string }).type === 'actions')).toBe(true);
    expect(r.stats.progressDropped).toBeGreaterThanOrEqual(2);
  });

  it('posts the verdict card, the summary and the files in the thread, without broadcasting', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    const request = makeRequest();
    await r.start(request);
    await r.result(makeResult({ request }));
    const parent = r.parentTs!;

    const replies = fake.thread(parent);
    expect(replies).toHaveLength(2);
    expect(replies[0].text).toContain('Rule R5');
    expect(replies[1].text).toContain('SIP summary for fw01');
    for (const call of fake.calls('chat.postMessage').slice(1)) {
      expect(call.body.thread_ts).toBe(parent);
      expect(call.body.reply_broadcast).toBe('false');
    }

    // one filesUploadV2: a URL and a byte POST per file, then one completion naming the thread
    const sequence = fake.calls().filter((c) => c.method.startsWith('files.') || c.method === 'upload').map((c) => c.method);
    expect(sequence).toEqual([...Array(4).fill('files.getUploadURLExternal'), ...Array(4).fill('upload'), 'files.completeUploadExternal']);
    const files = fake.uploadedFiles();
    expect(files.map((f) => f.filename)).toEqual(['fw01-sip-capture.txt', 'fw01-report.txt', 'fw01-ladder.png', 'fw01-transcript.txt']);
    for (const f of files) {
      expect(f.completed).toBe(true);
      expect(f.threadTs).toBe(parent);
      expect(f.channelId).toBe('C0INCIDENT');
    }
    expect(files[2].bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(files[3].bytes.toString()).toContain('FGT-EDGE-01 # get system status');
  });

  it('replies inside an existing (incident) thread when given one', async () => {
    const root = fake.addUserMessage('C0INCIDENT', 'U0ONCALL', 'P1: calls to the carrier drop after 32 s');
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT', threadTs: root });
    await r.start(makeRequest());
    await r.result(makeResult());
    const replies = fake.thread(root);
    expect(replies.map((m) => m.ts)).toContain(r.parentTs);
    expect(replies).toHaveLength(3);
    expect(fake.uploadedFiles().every((f) => f.threadTs === root)).toBe(true);
  });

  it('falls back to a shorter text that says where the output is when Slack refuses the card', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('chat.postMessage', { kind: 'error', error: 'msg_blocks_too_long', times: 1 });
    await expect(r.result(makeResult())).resolves.toBeUndefined();
    const replies = fake.thread(r.parentTs!);
    expect(replies[0].blocks).toBeUndefined();
    expect(replies[0].text).toContain('msg_blocks_too_long');
    expect(replies[0].text).toContain('attached report file');
    // the shared text renderer's wording (src/report/verdictText.ts)
    expect(replies[0].text).toContain('fw01: *SIP handler: SIP session helper* (R5)');
    expect(replies[1].text).toContain('SIP summary');
    expect(fake.uploadedFiles()).toHaveLength(4);
  });

  it('does not throw when Slack fails while posting the result, and still edits the parent', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('chat.postMessage', { kind: 'http', status: 503 });
    fake.setFault('files.getUploadURLExternal', { kind: 'error', error: 'not_allowed_token_type' });
    await expect(r.result(makeResult())).resolves.toBeUndefined();
    expect(logger.lines.some((l) => l.level === 'warn' && l.text.includes('http_503'))).toBe(true);
    expect(logger.lines.some((l) => l.text.includes('not_allowed_token_type'))).toBe(true);
    expect(editTexts(r.parentTs!).at(-1)).toContain('fw01: SIP handled by');
  });

  it('keeps every block message within limits for a 5,000-call capture', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    await r.result(makeResult({ sip: makeSipSummary(5000) }));
    const posts = [...fake.calls('chat.postMessage'), ...fake.calls('chat.update')];
    expect(posts.length).toBeGreaterThanOrEqual(4);
    for (const c of posts) expect(c.ok).toBe(true);
  });

  it('on failure posts the chat summary, the check id and the debug state, and the last edit shows the failure', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    now = 5000;
    await r.progress({ phase: 'capturing', elapsedSeconds: 3, totalSeconds: 20 });
    now = 5100;
    await r.progress({ phase: 'capturing', elapsedSeconds: 4, totalSeconds: 20 }); // deferred
    await r.failed(new CheckError('disconnected', 'The SSH connection to fw01 dropped during the capture.'), { debugReset: false });
    runTimers(); // a late wake-up must not overwrite the final state
    await r.idle();
    const replies = fake.thread(r.parentTs!);
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toContain('The SSH connection to fw01 dropped during the capture.');
    expect(replies[0].text).toContain('The SSH connection was lost.');
    expect(replies[0].text).toContain(`Check id \`${makeRequest().id}\``);
    expect(replies[0].text).toContain('could NOT be confirmed');
    const edits = editTexts(r.parentTs!);
    expect(edits.at(-1)).toContain('failed: The SSH connection to fw01 dropped');
  });

  const NOT_PUT_BACK = 'Not put back on h1: console timestamp (left enabled). `diagnose debug info` did not show its state before the check.';

  it('says a note once, in the card, and the capture line claims nothing it does not know (issue 25 §3)', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    const request = makeRequest({ firewall: 'h1' });
    await r.start(request);
    // run.ts reports each note before the result, and the result carries the same notes for the card.
    await r.note(NOT_PUT_BACK);
    const base = makeResult({ request });
    await r.result({ ...base, notes: [NOT_PUT_BACK], capture: { ...base.capture, settingsRestored: [], settingsUnknown: ['console timestamp (left enabled)'] } });
    const replies = fake.thread(r.parentTs!);
    expect(replies.map((m) => m.text?.split(':')[0])).toEqual(['h1', 'SIP summary for h1']);
    const said = JSON.stringify(replies.map((m) => [m.text, m.blocks]));
    expect(said.split('Not put back on h1').length - 1).toBe(1);
    expect(said).not.toContain('as found');
  });

  it('with nothing unknown, the capture line says the settings were as found', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    const base = makeResult();
    await r.result({ ...base, capture: { ...base.capture, settingsRestored: [], settingsUnknown: [] } });
    expect(JSON.stringify(fake.thread(r.parentTs!)[0].blocks)).toContain('console timestamp and duration as found');
  });

  it('a failure posts the held notes before its error message', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest({ firewall: 'h1' }));
    await r.note(NOT_PUT_BACK);
    await r.failed(new CheckError('timeout', 'The check took longer than 90 s.'), { debugReset: true });
    const replies = fake.thread(r.parentTs!);
    expect(replies.map((m) => m.text?.slice(0, 30))).toEqual([NOT_PUT_BACK.slice(0, 30), expect.stringContaining('SIP check of h1 failed')]);
  });

  it('drops a rate-limited progress edit instead of retrying it late', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('chat.update', { kind: 'rate-limited', retryAfter: 30, times: 1 });
    now = 2000;
    await r.progress({ phase: 'connecting' });
    await r.idle();
    await r.result(makeResult());
    const updates = fake.calls('chat.update');
    expect(updates.map((c) => c.error ?? 'ok')).toEqual(['ratelimited', 'ok']);
    expect(updates[1].body.text).toContain('fw01: SIP handled by');
  });

  it('a rate-limited verdict post and final edit wait Retry-After and arrive, in the thread\'s order', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('chat.postMessage', { kind: 'rate-limited', retryAfter: 1, times: 1 });
    fake.setFault('chat.update', { kind: 'rate-limited', retryAfter: 1, times: 1 });
    await r.result(makeResult());
    expect(fake.calls('chat.postMessage').map((c) => c.error ?? 'ok')).toEqual(['ok', 'ratelimited', 'ok', 'ok']);
    expect(fake.thread(r.parentTs!).map((m) => m.text?.slice(0, 11))).toEqual(['fw01: SIP h', 'SIP summary']);
    expect(fake.calls('chat.update').map((c) => c.error ?? 'ok')).toEqual(['ratelimited', 'ok']);
    expect(fake.message(r.parentTs!)?.text).toMatch(/^fw01: SIP handled by/);
    expect(r.stats.postFailures).toBe(0);
  });

  it('retries a rate-limited verdict post after Retry-After (verdicts must arrive)', async () => {
    const retrying = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 }, logger });
    const r = new SlackThreadReporter(deps({ client: retrying }), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('chat.postMessage', { kind: 'rate-limited', retryAfter: 1, times: 1 });
    await r.result(makeResult());
    const posts = fake.calls('chat.postMessage');
    expect(posts.map((c) => c.error ?? 'ok')).toEqual(['ok', 'ratelimited', 'ok', 'ok']);
    expect(posts[2].body.text).toContain('Rule R5');
    expect(r.stats.postFailures).toBe(0);
  });

  it('start() rethrows not_in_channel and remembers it for the listener', async () => {
    fake.setFault('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    const r = new SlackThreadReporter(deps(), { channelId: 'C0PRIVATE' });
    await expect(r.start(makeRequest())).rejects.toBeInstanceOf(CheckError);
    expect(r.startFailure).toBe('not_in_channel');
    expect(r.parentTs).toBeUndefined();
  });

  it('redacts every posted text; files are uploaded as the check made them (already redacted there)', async () => {
    const r = new SlackThreadReporter(deps({ redact: (s) => s.split('FGT-EDGE-01').join('[host]') }), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    await r.result(makeResult());
    const everything = JSON.stringify(fake.calls().map((c) => c.body));
    expect(everything).not.toContain('FGT-EDGE-01');
    expect(everything).toContain('[host]');
    const result = makeResult();
    for (const a of result.attachments) {
      expect(fake.uploadedFiles().find((f) => f.filename === a.filename)?.bytes.equals(a.content)).toBe(true);
    }
  });

  describe('the answer first (issue 23): the card from the configuration, settled in place', () => {
    /** The verdict the configuration gave before the capture, as the check reports it. */
    function earlyOf(result: CheckResult): ConfigVerdict {
      return { request: result.request, hostname: result.hostname, version: result.version, verdict: result.verdict, config: result.config, captureSeconds: result.request.options.seconds, readAt: new Date('2026-11-25T17:40:01Z') };
    }
    const textsOf = (m: { text?: string; blocks?: unknown[] } | undefined): string => JSON.stringify([m?.text, m?.blocks]);
    const cardUpdates = (ts: string) => fake.calls('chat.update').filter((c) => c.body.ts === ts);
    /** Lets the reporter's awaited Slack calls and timers get registered. */
    const settleIo = async () => {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    };

    it('posts the card marked as from the configuration, says so in the parent, then updates the card once, a second after it was posted at the earliest', async () => {
      const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
      const request = makeRequest();
      await r.start(request);
      const parent = r.parentTs!;
      now = 400;
      const result = makeResult({ request });
      const early = earlyOf(result);
      await r.configVerdict(early);

      const thread = fake.thread(parent);
      expect(thread).toHaveLength(1);
      const card = thread[0];
      expect(r.cardTs).toBe(card.ts);
      expect(textsOf(card)).toContain('From the configuration; runtime evidence in 20 s.');
      expect(card.text).toMatch(/^fw01: SIP handled by SIP session helper \(kernel\) \(rule R5\)\. From the configuration; runtime evidence in 20 s\./);
      // The parent's one-line answer: a coalesced edit, kept by the next progress edit.
      runTimers();
      await r.idle();
      expect(editTexts(parent).at(-1)).toBe('SIP check of fw01 (seconds=20 level=-1): reading config. From the configuration: SIP handled by SIP session helper (kernel) (rule R5); runtime evidence in 20 s.');
      now = 2500;
      await r.progress({ phase: 'capturing', elapsedSeconds: 2, totalSeconds: 20 });
      await r.idle();
      expect(editTexts(parent).at(-1)).toMatch(/: capturing 2\/20 s\. From the configuration: SIP handled by SIP session helper \(kernel\) \(rule R5\); runtime evidence in 20 s\.$/);
      expect(JSON.stringify(fake.message(parent)?.blocks)).toContain('(rule R5), from the configuration; runtime evidence in 20 s.');

      // The result comes 600 ms after the card: its update waits (Tier 3 edits, at most one per card per second).
      now = 1000;
      const done = r.result({ ...result, early });
      await settleIo();
      expect(cardUpdates(card.ts)).toHaveLength(0);
      now = 2000;
      runTimers();
      await done;
      expect(cardUpdates(card.ts)).toHaveLength(1);
      const settled = fake.message(card.ts)!;
      expect(textsOf(settled)).toContain('Confirmed by the runtime evidence: nothing in the 20 s capture contradicts the configuration.');
      expect(textsOf(settled)).not.toContain('runtime evidence in 20 s');
      // Updated in place: the thread holds the card and the summary, not a second card.
      expect(fake.thread(parent).map((m) => m.ts)).toEqual([card.ts, expect.any(String)]);
      expect(fake.thread(parent)[1].text).toContain('SIP summary for fw01');
      expect(editTexts(parent).at(-1)).toMatch(/^fw01: SIP handled by SIP session helper \(kernel\) \(rule R5\), confirmed by the runtime evidence; 2 calls/);
    });

    it('a refused card update falls back to a new reply that says it supersedes the earlier card', async () => {
      const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
      const request = makeRequest();
      await r.start(request);
      const result = makeResult({ request });
      const early = earlyOf(result);
      now = 300;
      await r.configVerdict(early);
      const card = fake.thread(r.parentTs!)[0];
      now = 30_000;
      fake.setFault('chat.update', { kind: 'error', error: 'cant_update_message', times: 1 });
      await r.result({ ...result, early });

      const thread = fake.thread(r.parentTs!);
      expect(thread).toHaveLength(3);
      // The first card is left as it was; the new one says it supersedes it, and why.
      expect(textsOf(thread[0])).toContain('runtime evidence in 20 s');
      expect(thread[0].ts).toBe(card.ts);
      expect(textsOf(thread[1])).toContain('This card supersedes the verdict from the configuration posted above (that card could not be updated: cant_update_message)');
      expect(thread[1].text).toMatch(/^Supersedes the verdict from the configuration posted above\. fw01: SIP handled by/);
      expect(thread[2].text).toContain('SIP summary for fw01');
      expect(logger.lines.some((l) => l.level === 'warn' && l.text.includes('updating the verdict card failed (cant_update_message)'))).toBe(true);
      // The parent still gets its final state.
      expect(editTexts(r.parentTs!).at(-1)).toContain('confirmed by the runtime evidence');
    });

    it('a check that fails after the card keeps the config verdict and says the runtime part is missing', async () => {
      const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
      const request = makeRequest();
      await r.start(request);
      now = 300;
      await r.configVerdict(earlyOf(makeResult({ request })));
      now = 30_000;
      await r.failed(new CheckError('cancelled', 'the check was cancelled'), { debugReset: true });
      const [card, failure] = fake.thread(r.parentTs!);
      expect(cardUpdates(card.ts)).toHaveLength(1);
      expect(textsOf(card)).toContain('Runtime evidence missing: the check was cancelled. This verdict is the configuration');
      expect(failure.text).toContain('SIP check of fw01 failed');
      expect(editTexts(r.parentTs!).at(-1)).toMatch(/^SIP check of fw01 \(seconds=20 level=-1\): failed: the check was cancelled\. From the configuration: SIP handled by SIP session helper \(kernel\) \(rule R5\); runtime evidence missing: the check was cancelled\./);
    });

    it('when the card could not be posted, the result posts the settled card as a new reply', async () => {
      const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
      const request = makeRequest();
      await r.start(request);
      const result = makeResult({ request });
      fake.setFault('chat.postMessage', { kind: 'http', status: 503, times: 2 });
      await r.configVerdict(earlyOf(result));
      expect(r.cardTs).toBeUndefined();
      await r.result({ ...result, early: earlyOf(result) });
      const thread = fake.thread(r.parentTs!);
      expect(thread).toHaveLength(2);
      expect(textsOf(thread[0])).toContain('Confirmed by the runtime evidence');
      expect(fake.calls('chat.update').every((c) => c.body.ts === r.parentTs)).toBe(true);
    });
  });
});
