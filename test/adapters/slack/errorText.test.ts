/**
 * Issue 20 §4: errors shown in Slack name no local path, SSH user name or firewall address. The chat gets what to
 * do and the check id; the log keeps the whole message under that id. Through the real reporter and Web API client
 * against the fake Slack.
 */
import { webApi } from '@slack/bolt';
import { buildSweepSummaryMessage } from '../../../src/adapters/slack/fleetBlocks';
import { SlackThreadReporter } from '../../../src/adapters/slack/reporter';
import { refusalText } from '../../../src/adapters/slack/listeners/reply';
import { CheckError } from '../../../src/errors';
import { FakeSlack } from '../../support/fakeSlack';
import { makeRequest, recordingLogger, testChannelQueue } from './fixtures';

const SECRETS = ['/srv/sip-check/keys/id_key', 'netops-bot', '10.20.30.40', ':2222'];

const ERRORS = [
  new CheckError('credentials-missing', 'The private key for fw-nokey cannot be read: /srv/sip-check/keys/id_key (ENOENT).', { firewall: 'fw-nokey', path: '/srv/sip-check/keys/id_key', code: 'ENOENT' }),
  new CheckError('auth-failed', 'authentication failed for user "netops-bot" on fw01 (10.20.30.40:2222)', { user: 'netops-bot' }),
  new CheckError('unreachable', 'fw01 is unreachable on 10.20.30.40:2222 (ECONNREFUSED)', { host: '10.20.30.40', port: 2222 }),
  new CheckError('host-key-mismatch', 'SSH host key of fw01 (10.20.30.40:2222) does not match: expected SHA256:aaa, presented SHA256:bbb'),
];

describe('errors in Slack', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await FakeSlack.start();
  });
  afterEach(() => fake.close());

  it.each(ERRORS.map((e) => [e.kind, e] as const))('%s: the thread and the parent say what to do and the check id; the log has the rest', async (_kind, error) => {
    const logger = recordingLogger();
    const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger });
    const reporter = new SlackThreadReporter({ client, progressClient: client, logger, clock: () => 0, maxSeconds: 120, channelQueue: testChannelQueue() }, { channelId: 'C0VOIP' });
    const request = makeRequest();
    await reporter.start(request);
    await reporter.failed(error, { debugReset: null });
    const posted = JSON.stringify(fake.calls().map((c) => c.body));
    for (const secret of SECRETS) expect(posted).not.toContain(secret);
    expect(posted).toContain(request.id);
    expect(posted).toContain("the bot's log has the details");
    const logged = logger.lines.map((l) => l.text).join('\n');
    expect(logged).toContain(request.id);
    expect(logged).toContain(error.message);
  });

  it('a refusal before the check (no id yet) and a sweep\'s unreadable firewall: no address either', () => {
    for (const error of ERRORS) {
      const text = refusalText(error, undefined, 'check');
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
    const sweep = buildSweepSummaryMessage(
      { id: 's1', scope: { kind: 'all' }, requester: { userId: 'U1', channelId: 'C1', adapter: 'slack' }, firewalls: ['fw01'] },
      { id: 's1', scope: { kind: 'all' }, generatedAt: '2026-11-25T17:00:00.000Z', rows: [{ name: 'fw01', handler: null, rule: null, hostname: null, version: null, vdoms: [], error: { kind: 'unreachable', message: ERRORS[2].message }, seconds: 1, configLines: [] }], counts: { error: 1 }, seconds: 1 },
    );
    const text = JSON.stringify(sweep);
    expect(text).toContain('fw01: unreachable');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
