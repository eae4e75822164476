/** The Slack sweep message: progress edits coalesced (manual clock and scheduler), then the summary and the files. */
import { webApi } from '@slack/bolt';
import { SlackSweepReporter } from '../../src/adapters/slack/sweepReporter';
import { buildReport } from '../../src/fleet/sweep';
import { CheckError, chatErrorSummary } from '../../src/errors';
import type { SweepRequest } from '../../src/fleet/types';
import { FakeSlack, TEST_PACING } from '../support/fakeSlack';
import { recordingLogger, testChannelQueue } from '../adapters/slack/fixtures';

describe('SlackSweepReporter', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('sends at most one progress edit per interval, always the latest count, and the summary last', async () => {
    let clock = 1_000_000;
    const timers: Array<() => void> = [];
    const client = new webApi.WebClient('xoxb-t', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const reporter = new SlackSweepReporter(
      { client, progressClient: client, logger: recordingLogger(), clock: () => clock, maxSeconds: 120, minEditIntervalMs: 1500, channelQueue: testChannelQueue(), schedule: (fn) => (timers.push(fn), () => undefined) },
      { channelId: 'C0VOIP' },
    );
    const request: SweepRequest = { id: 's1', scope: { kind: 'tag', tag: 'emea' }, requester: { userId: 'U0NETOPS', channelId: 'C0VOIP', adapter: 'slack' }, firewalls: ['a', 'b', 'c', 'd'] };
    await reporter.start(request);
    for (let done = 1; done <= 3; done++) await reporter.progress(done, 4);
    expect(fake.calls('chat.update')).toHaveLength(0); // within the interval after the post: held back
    expect(timers).toHaveLength(1);
    clock += 1500;
    timers[0]();
    await new Promise((resolve) => setImmediate(resolve));
    await reporter.progress(4, 4); // too soon after that edit: pending, then superseded by the summary
    const rows = ['a', 'b', 'c', 'd'].map((name) => ({ name, handler: 'sip-alg' as const, rule: 'R3', hostname: name, version: 'v7.4.3', vdoms: [], error: null, seconds: 0.3, configLines: [] }));
    const report = buildReport('s1', request.scope, rows, new Date('2026-12-01T10:00:00Z'), 1.2);
    await reporter.result(report);
    const edits = fake.message(reporter.ts!)!.edits.map((e) => e.text);
    expect(edits).toEqual([expect.stringMatching(/: 3\/4$/), expect.stringMatching(/4 firewalls in 1\.2 s: 4 SIP ALG$/)]);
    expect(reporter.stats.progressDropped).toBe(3); // 1/4 and 2/4 were replaced before they were sent, 4/4 by the summary
    expect(fake.uploadedFiles().filter((f) => f.threadTs === reporter.ts).map((f) => f.filename)).toEqual(['sip-check-sweep-2026-12-01T10-00-00-000Z.csv', 'sip-check-sweep-2026-12-01T10-00-00-000Z.json']);
  });

  it('the files posted to the channel carry each error as chat shows it: no address, user or fingerprint', async () => {
    const client = new webApi.WebClient('xoxb-t', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const reporter = new SlackSweepReporter({ client, progressClient: client, logger: recordingLogger(), clock: () => 0, maxSeconds: 120, channelQueue: testChannelQueue() }, { channelId: 'C0FILES' });
    const request: SweepRequest = { id: 's2', scope: { kind: 'all' }, requester: { userId: 'U0NETOPS', channelId: 'C0FILES', adapter: 'slack' }, firewalls: ['edge1'] };
    await reporter.start(request);
    // As the connect layer words it: the address, the port and the SSH user.
    const error = new CheckError('auth-failed', 'SSH authentication to 10.20.30.40:22 as sipcheck-ro failed: All configured authentication methods failed');
    const rows = [{ name: 'edge1', handler: null, rule: null, hostname: null, version: null, vdoms: [], error: { kind: error.kind, message: error.message, chat: chatErrorSummary(error) }, seconds: 0.2, configLines: [] }];
    await reporter.result(buildReport('s2', request.scope, rows, new Date('2026-12-01T11:00:00Z'), 0.2));
    const files = fake.uploadedFiles().filter((f) => f.threadTs === reporter.ts);
    expect(files.map((f) => f.filename)).toEqual(['sip-check-sweep-2026-12-01T11-00-00-000Z.csv', 'sip-check-sweep-2026-12-01T11-00-00-000Z.json']);
    const [csv, json] = files.map((f) => f.bytes.toString('utf8'));
    expect(csv).toContain("edge1,,,,,,auth-failed,SSH authentication failed: the firewall refused the bot's login.,0.2");
    expect(JSON.parse(json).firewalls[0].error).toEqual({ kind: 'auth-failed', message: "SSH authentication failed: the firewall refused the bot's login." });
    for (const text of [csv, json]) {
      expect(text).not.toContain('10.20.30.40');
      expect(text).not.toContain('sipcheck-ro');
    }
  });
});
