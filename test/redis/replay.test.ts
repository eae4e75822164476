/**
 * Issue 20 §4: a signed Slack request replayed to another replica is refused. Two real Bolt apps in HTTP mode
 * (two replicas) share their seen signatures through a real redis-server.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../src/adapters/slack/app';
import type { HandleOutcome } from '../../src/check/service';
import { connectRedis, type RedisStore } from '../../src/redis/client';
import { RedisSeenSignatures } from '../../src/redis/seenSignatures';
import { FakeSlack, signSlackRequest } from '../support/fakeSlack';
import { RedisServer } from '../support/redisServer';
import { recordingLogger, StubService } from '../adapters/slack/fixtures';

jest.setTimeout(60_000);

const SECRET = 'test-signing-secret-0123456789abcdef';

describe('replay refusal shared by replicas (Redis)', () => {
  let redis: RedisServer;
  let fake: FakeSlack;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis.close());
  beforeEach(async () => {
    fake = await FakeSlack.start();
  });
  afterEach(() => fake.close());

  test('the same signed request, posted to replica A then to replica B, runs once', async () => {
    const stores: RedisStore[] = [];
    const apps: App[] = [];
    const services: StubService[] = [];
    const urls: string[] = [];
    const outcomes: Array<Promise<HandleOutcome>> = [];
    try {
      for (let i = 0; i < 2; i++) {
        const store = await connectRedis({ url: redis.url });
        stores.push(store);
        const service = new StubService(['fw01']);
        services.push(service);
        let started!: (o: HandleOutcome) => void;
        outcomes.push(new Promise((resolve) => (started = resolve)));
        const app = createSlackApp({ mode: 'http', botToken: 'xoxb-test-token', signingSecret: SECRET, service, slackApiUrl: fake.apiUrl, logger: recordingLogger(), postRetryConfig: { retries: 0 }, seenSignatures: new RedisSeenSignatures(store), onOutcome: (o) => started(o) });
        apps.push(app);
        const server = (await app.start(0)) as Server;
        urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
      }
      const body = new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C0VOIP', user_id: 'U024BE7LH', command: '/sip-check', text: 'fw01 seconds=5', api_app_id: 'A0SIPCHECK', response_url: fake.responseUrl(), trigger_id: '1.2.3' }).toString();
      const signed = signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000));
      const headers = { ...signed, 'content-type': 'application/x-www-form-urlencoded' };
      expect((await fetch(urls[0], { method: 'POST', headers, body })).status).toBe(200);
      const first = await outcomes[0];
      if (first.kind === 'started') await first.done;
      expect((await fetch(urls[1], { method: 'POST', headers, body })).status).toBe(401);
      expect(services[0].handled).toHaveLength(1);
      expect(services[1].handled).toHaveLength(0);
      // Kept no longer than the replay window.
      const ttl = await stores[0].client.pttl(stores[0].key('slack-signature', signed['x-slack-signature']));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300_000);
    } finally {
      for (const s of services) await s.settled().catch(() => undefined);
      for (const a of apps) await a.stop();
      for (const s of stores) await s.close();
    }
  });
});
