/**
 * Socket Mode end to end (docs/slack.md): the fake answers `apps.connections.open` with a local WebSocket URL,
 * the WebSocket server says `hello` and sends a `slash_commands` envelope; the app must ack the envelope id
 * and run the check.
 */
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../../src/adapters/slack/app';
import type { HandleOutcome } from '../../../src/check/service';
import { FakeSlack } from '../../support/fakeSlack';
import { marginAbove, StallMeter } from '../../support/margins';
import { recordingLogger, StubService } from './fixtures';

describe('Slack adapter in Socket Mode', () => {
  let fake: FakeSlack;
  let app: App | undefined;
  /**
   * The client disconnects when no pong came for `clientPingTimeout`; it checks every third of it, so a stall of
   * two thirds of it looks like a dead link. It is also the reconnect delay. So: measure the worst stall during
   * setup (a loaded 2-core machine stalls for 100+ ms), and set the timeout 6x above it (2 s to 5 s, the default).
   */
  let pingTimeoutMs: number;

  beforeEach(async () => {
    const meter = new StallMeter();
    fake = await FakeSlack.start();
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
    pingTimeoutMs = marginAbove(meter.stop(), { factor: 6, minMs: 2000, maxMs: 5000 });
  });
  afterEach(async () => {
    await app?.stop();
    await fake.close();
  });

  it('connects, acks a slash_commands envelope by id and runs the check', async () => {
    const socket = await fake.openSocketServer();
    const service = new StubService(['fw01']);
    let started!: (o: HandleOutcome) => void;
    const outcome = new Promise<HandleOutcome>((resolve) => (started = resolve));
    app = createSlackApp({
      mode: 'socket',
      botToken: 'xoxb-test-token',
      appToken: 'xapp-1-A0SIPCHECK-test',
      service,
      slackApiUrl: fake.apiUrl,
      logger: recordingLogger(),
      clientPingTimeout: pingTimeoutMs,
      postRetryConfig: { retries: 0 },
      onOutcome: (o) => started(o),
    });
    await app.start();
    await socket.connected;
    expect(fake.calls('apps.connections.open')[0].token).toBe('xapp-1-A0SIPCHECK-test');

    let commandPayload: Record<string, string>;
    const envelopeId = '57d6a792-4d35-4d0b-b6aa-3361493e1caf';
    socket.send({
      envelope_id: envelopeId,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: commandPayload = {
        token: 'legacy-verification-token',
        team_id: 'T0FAKE',
        team_domain: 'example',
        channel_id: 'C0INCIDENT',
        channel_name: 'voip-incidents',
        user_id: 'U024BE7LH',
        user_name: 'alice',
        command: '/sip-check',
        text: 'fw01 seconds=10',
        api_app_id: 'A0SIPCHECK',
        is_enterprise_install: 'false',
        response_url: fake.responseUrl(),
        trigger_id: '13345224609.738474920.8088930838d88f008e0',
      },
    });
    const ack = (await socket.nextFrame((f) => typeof f === 'object' && f !== null && (f as { envelope_id?: string }).envelope_id === envelopeId)) as { envelope_id: string };
    expect(ack.envelope_id).toBe(envelopeId);

    const o = await outcome;
    expect(o.kind).toBe('started');
    if (o.kind === 'started') await o.done;
    expect(service.handled[0].text).toBe('fw01 seconds=10');
    const parent = fake.parents()[0];
    expect(parent.channel).toBe('C0INCIDENT');
    expect(fake.thread(parent.ts).length).toBe(2);

    // Slack asks for a refresh: the app reconnects (a new apps.connections.open) and keeps acking.
    socket.send({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } });
    // The reconnect waits one ping timeout first (the client's back-off unit).
    await waitFor(() => socket.connectionCount() === 2, 3 * pingTimeoutMs + 5000);
    expect(fake.calls('apps.connections.open')).toHaveLength(2);
    const second = 'a1b2c3d4-0000-4000-8000-000000000002';
    // Slack redelivers an envelope until it is acked; the app must ack it on the new connection.
    await socket.sendUntilAcked({ envelope_id: second, type: 'slash_commands', accepts_response_payload: true, payload: { ...commandPayload, text: 'help', response_url: fake.responseUrl() } });
    await waitFor(() => fake.ephemeralResponses().length >= 1);
    expect(fake.ephemeralResponses()[0].text).toContain('Usage');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
