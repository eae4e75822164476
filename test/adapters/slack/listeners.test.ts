/**
 * Listener callbacks called directly with fake `ack`/`respond` (bolt-js-starter-template style), a stub
 * CheckService, and the fake Slack Web API behind the reporter's real WebClient.
 */
import { webApi, type BlockButtonAction, type RespondArguments, type SlashCommand } from '@slack/bolt';
import { encodeButtonValue } from '../../../src/adapters/slack/blocks';
import { showRemediationAction } from '../../../src/adapters/slack/listeners/actions/showRemediation';
import { captureAgainAction } from '../../../src/adapters/slack/listeners/actions/captureAgain';
import { sipCheckCommand } from '../../../src/adapters/slack/listeners/commands/sipCheck';
import type { ListenerDeps } from '../../../src/adapters/slack/listeners/deps';
import { appMentionEvent, mentionCommandText } from '../../../src/adapters/slack/listeners/events/appMention';
import { FakeSlack, TEST_PACING } from '../../support/fakeSlack';
import { recordingLogger, StubService, testChannelQueue } from './fixtures';

const TOKEN = 'xoxb-test-token';

function slashCommand(text: string, overrides: Partial<SlashCommand> = {}): SlashCommand {
  return {
    token: 'legacy-verification-token',
    command: '/sip-check',
    text,
    response_url: 'https://hooks.slack.com/commands/T0FAKE/1/abc',
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    user_id: 'U024BE7LH',
    user_name: 'alice',
    team_id: 'T0FAKE',
    team_domain: 'example',
    channel_id: 'C0INCIDENT',
    channel_name: 'voip-incidents',
    api_app_id: 'A0SIPCHECK',
    ...overrides,
  };
}

describe('listeners', () => {
  let fake: FakeSlack;
  let service: StubService;
  let deps: ListenerDeps;
  let responses: RespondArguments[];
  let order: string[];

  beforeEach(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    service = new StubService(['fw01']);
    const logger = recordingLogger();
    const client = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger });
    deps = { service, logger, client, reporterDeps: { client, progressClient: client, logger, clock: () => 0, maxSeconds: 120, channelQueue: testChannelQueue() } };
    responses = [];
    order = [];
    const handle = service.handle.bind(service);
    service.handle = async (...args) => {
      order.push('handle');
      return handle(...args);
    };
  });
  afterEach(async () => {
    await service.settled();
    await fake.close();
  });

  const ack = async (): Promise<void> => {
    order.push('ack');
  };
  const respond = async (msg: string | RespondArguments): Promise<Response> => {
    responses.push(typeof msg === 'string' ? { text: msg } : msg);
    return new Response('ok');
  };

  it('acks before any I/O, then starts the check with the requester by IDs', async () => {
    await sipCheckCommand(deps)({ command: slashCommand('fw01 seconds=30'), ack, respond });
    expect(order).toEqual(['ack', 'handle']);
    expect(service.handled[0]).toEqual({ text: 'fw01 seconds=30', requester: { userId: 'U024BE7LH', channelId: 'C0INCIDENT', teamId: 'T0FAKE', adapter: 'slack' } });
    expect(responses).toEqual([]); // started: the reporter speaks, in the thread
    await service.settled();
    expect(fake.calls('chat.postMessage')[0].body.channel).toBe('C0INCIDENT');
  });

  it('answers help ephemerally', async () => {
    await sipCheckCommand(deps)({ command: slashCommand('help'), ack, respond });
    expect(responses).toHaveLength(1);
    expect(responses[0].response_type).toBe('ephemeral');
    expect(responses[0].text).toContain('Usage: `/sip-check &lt;firewall&gt;'); // escaped: Slack would read <…> as a link
    expect(fake.calls('chat.postMessage')).toHaveLength(0);
  });

  it('renders a refusal with describeError, ephemerally', async () => {
    await sipCheckCommand(deps)({ command: slashCommand('fw99'), ack, respond });
    expect(responses[0].response_type).toBe('ephemeral');
    expect(responses[0].text).toBe('Unknown firewall "fw99".\nCheck the name; `/sip-check help` lists the firewalls you may check.');
  });

  it('tells the user how to invite the bot when the parent post gets not_in_channel', async () => {
    fake.setFault('chat.postMessage', { kind: 'error', error: 'not_in_channel' });
    await sipCheckCommand(deps)({ command: slashCommand('fw01'), ack, respond });
    expect(service.running).toHaveLength(0);
    expect(responses).toHaveLength(1);
    expect(responses[0].text).toContain('/invite @sip-check');
    expect(responses[0].text).toContain('chat:write.public');
    expect(responses[0].text).toContain('not_in_channel');
  });

  it('falls back to chat.postEphemeral when respond() fails (expired response_url)', async () => {
    const failing = async (): Promise<Response> => {
      throw new Error('Unsuccessful respond() call (status 404)');
    };
    await sipCheckCommand(deps)({ command: slashCommand('help'), ack, respond: failing });
    const eph = fake.ephemeralResponses();
    expect(eph).toHaveLength(1);
    expect(eph[0]).toMatchObject({ via: 'chat.postEphemeral', user: 'U024BE7LH', channel: 'C0INCIDENT' });
    expect(eph[0].text).toContain('Usage');
  });

  it('takes the command text after the bot mention and answers in the mention thread', async () => {
    expect(mentionCommandText('<@U0SIPCHECK> fw01 seconds=30')).toBe('fw01 seconds=30');
    expect(mentionCommandText('<@U0SIPCHECK|sip-check>   help ')).toBe('help');
    const root = fake.addUserMessage('C0INCIDENT', 'U0ONCALL', 'P1: one-way audio on the trunk');
    const mentionTs = fake.addUserMessage('C0INCIDENT', 'U024BE7LH', '<@U0SIPCHECK> fw01 seconds=30', root);
    await appMentionEvent(deps)({
      event: { type: 'app_mention', user: 'U024BE7LH', text: '<@U0SIPCHECK> fw01 seconds=30', ts: mentionTs, thread_ts: root, channel: 'C0INCIDENT', event_ts: mentionTs },
      body: { token: 't', team_id: 'T0FAKE', api_app_id: 'A0SIPCHECK', type: 'event_callback', event_id: 'Ev1', event_time: 1, authorizations: [], event: {} as never } as never,
    });
    expect(service.handled[0].text).toBe('fw01 seconds=30');
    await service.settled();
    const replies = fake.thread(root);
    expect(replies.length).toBeGreaterThanOrEqual(3);
    expect(fake.calls('chat.postMessage').every((c) => c.body.thread_ts === root)).toBe(true);
  });

  function buttonArgs(actionId: string, value: string, user = 'U024BE7LH') {
    const body = {
      type: 'block_actions',
      user: { id: user, username: 'alice', name: 'alice', team_id: 'T0FAKE' },
      api_app_id: 'A0SIPCHECK',
      token: 't',
      container: { type: 'message', message_ts: '1764000001.000001', channel_id: 'C0INCIDENT', is_ephemeral: false },
      trigger_id: 'x',
      team: { id: 'T0FAKE', domain: 'example' },
      channel: { id: 'C0INCIDENT', name: 'voip-incidents' },
      response_url: 'https://hooks.slack.com/actions/T0FAKE/1/abc',
      actions: [{ type: 'button', action_id: actionId, block_id: 'sip_check_actions', value, text: { type: 'plain_text', text: 'x' }, action_ts: '1' }],
    } as unknown as BlockButtonAction;
    return { body, action: body.actions[0], ack, respond };
  }

  it('a button runs its carried command through the same service.handle', async () => {
    await captureAgainAction(deps)(buttonArgs('sip_check_again', encodeButtonValue({ command: 'fw01 seconds=20 level=-1', checkId: 'chk-9' })));
    expect(order).toEqual(['ack', 'handle']);
    expect(service.handled[0].text).toBe('fw01 seconds=20 level=-1');
  });

  it('rejects a button value that is not ours, ephemerally', async () => {
    await captureAgainAction(deps)(buttonArgs('sip_check_again', 'fw01; diagnose sys session clear'));
    expect(service.handled).toHaveLength(0);
    expect(responses[0].text).toContain('not one sip-check understands');
  });

  it('remediation for an unknown check is refused via describeError', async () => {
    await showRemediationAction(deps)(buttonArgs('sip_check_remediation', encodeButtonValue({ command: 'fw01', checkId: 'chk-404' })));
    expect(responses[0].text).toContain('No finished check chk-404.');
    expect(fake.calls('chat.postMessage')).toHaveLength(0);
  });
});
