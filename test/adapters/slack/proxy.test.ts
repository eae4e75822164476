/**
 * Slack through a proxy (issue 21 §5): many firewall admins reach the internet only through an HTTP proxy. The
 * Web API calls and the Socket Mode WebSocket both go through HTTPS_PROXY (CONNECT), NO_PROXY is honoured, and
 * an unreachable Slack is said once, in our words. Against a real CONNECT proxy on loopback and the fake Slack.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../../src/adapters/slack/app';
import { boltLogger, maskProxyUrl, slackTransport, type SlackTransport } from '../../../src/adapters/slack/transport';
import type { HandleOutcome } from '../../../src/check/service';
import { BotProcess } from '../../support/bot';
import { ConnectProxy } from '../../support/connectProxy';
import { FakeSlack } from '../../support/fakeSlack';
import { unusedPort as closedPort } from '../../support/ports';
import { StubService } from './fixtures';

jest.setTimeout(60_000);

describe('Slack through an HTTP proxy', () => {
  let fake: FakeSlack;
  let proxy: ConnectProxy;
  let app: App | undefined;
  let transport: SlackTransport | undefined;
  beforeEach(async () => {
    fake = await FakeSlack.start();
    proxy = await ConnectProxy.start();
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await transport?.dispatcher?.destroy();
    transport = undefined;
    await fake.close();
    await proxy.close();
  });

  /** Socket Mode against the fake, by names only the proxy can reach (`.invalid` never resolves). */
  async function startSocketApp(env: NodeJS.ProcessEnv, apiHost: string, wsHost: string) {
    const socket = await fake.openSocketServer();
    socket.url = socket.url.replace('127.0.0.1', wsHost);
    const service = new StubService(['fw01']);
    let started!: (o: HandleOutcome) => void;
    const outcome = new Promise<HandleOutcome>((resolve) => (started = resolve));
    const log: Array<{ level: string; message: string }> = [];
    app = createSlackApp({
      mode: 'socket',
      botToken: 'xoxb-test-token',
      appToken: 'xapp-1-A0SIPCHECK-test',
      service,
      slackApiUrl: fake.apiUrl.replace('127.0.0.1', apiHost),
      transport: (transport = slackTransport(env)),
      logger: boltLogger((level, message) => log.push({ level, message })),
      postRetryConfig: { retries: 0 },
      onOutcome: (o) => started(o),
    });
    await app.start();
    await socket.connected;
    socket.send({
      envelope_id: 'e0000000-0000-4000-8000-000000000001',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { team_id: 'T0FAKE', channel_id: 'C0INCIDENT', user_id: 'U024BE7LH', command: '/sip-check', text: 'fw01', api_app_id: 'A0SIPCHECK', response_url: fake.responseUrl() },
    });
    const o = await outcome;
    if (o.kind === 'started') await o.done;
    return { o, log };
  }

  it('HTTPS_PROXY: the API calls and the Socket Mode WebSocket are tunnelled through it', async () => {
    const { o } = await startSocketApp({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }, 'slack-api.invalid', 'slack-ws.invalid');
    expect(o.kind).toBe('started');
    expect(fake.calls('apps.connections.open')).toHaveLength(1);
    expect(fake.parents()).toHaveLength(1); // chat.postMessage went through too
    expect(proxy.targets).toEqual(expect.arrayContaining([`slack-api.invalid:${new URL(fake.apiUrl).port}`, expect.stringMatching(/^slack-ws\.invalid:\d+$/)]));
  });

  it('NO_PROXY: hosts it names are reached directly', async () => {
    const { o } = await startSocketApp({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' }, '127.0.0.1', '127.0.0.1');
    expect(o.kind).toBe('started');
    expect(fake.parents()).toHaveLength(1);
    expect(proxy.targets).toEqual([]);
  });

  it('lower-case variables count too; no variable means direct', () => {
    expect(slackTransport({ https_proxy: 'http://proxy.corp:3128' }).route).toBe('via proxy http://proxy.corp:3128');
    expect(slackTransport({}).route).toBe('direct');
    expect(slackTransport({ HTTPS_PROXY: '  ' }).route).toBe('direct');
  });

  it('never logs the proxy password', () => {
    expect(slackTransport({ HTTPS_PROXY: 'http://svc-bot:S3cret!@proxy.corp:3128', NO_PROXY: '.corp' }).route).toBe('via proxy http://***@proxy.corp:3128 (NO_PROXY: .corp)');
    expect(maskProxyUrl('not a url')).toBe('(not a URL)');
  });
});

describe('Slack unreachable', () => {
  let fake: FakeSlack;
  beforeEach(async () => (fake = await FakeSlack.start()));
  afterEach(() => fake.close());

  it('the bot in Socket Mode says it once, in its own JSON log line, and no client chatter', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'sip-check-unreachable-'));
    writeFileSync(path.join(cwd, 'inventory.yml'), 'firewalls: []\n');
    const api = `http://127.0.0.1:${await closedPort()}/api/`;
    const bot = new BotProcess(
      cwd,
      { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-1-test', SIP_CHECK_INVENTORY: 'inventory.yml', SIP_CHECK_TEST_SLACK_API_URL: api },
      path.join(__dirname, '..', '..', 'support', 'botMain.ts'),
    );
    try {
      await bot.waitFor(/Slack cannot be reached/, 60_000, 'stderr');
      // Give the client time to retry a few times (its retries are what used to flood the terminal).
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      bot.kill('SIGKILL');
      await bot.exited;
    }
    const lines = bot.stderr.trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { level: string; message: string });
    const ours = records.filter((r) => r.message.startsWith('Slack cannot be reached'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ level: 'error' });
    expect(ours[0].message).toBe(`Slack cannot be reached at ${api} (connect ECONNREFUSED ${api.slice(7, -5)}): check this host's DNS, firewall and routes, or set HTTPS_PROXY (and NO_PROXY) if it reaches the internet through a proxy. Retrying.`);
    expect(records.filter((r) => r.level === 'warn' && /http request failed/.test(r.message))).toEqual([]);
  }, 150_000);

  it('is said once per outage, with the cause, and again when Slack answers', async () => {
    const events: string[] = [];
    const transport = slackTransport({}, { unreachable: ({ url, cause }) => events.push(`down ${url} ${cause}`), reachable: ({ url }) => events.push(`up ${url}`) });
    const closed = `http://127.0.0.1:${await closedPort()}/api/`; // a port nothing listens on
    for (let i = 0; i < 3; i++) await expect(transport.fetch(`${closed}apps.connections.open`, { method: 'POST' })).rejects.toThrow();
    expect(events).toEqual([`down ${closed} connect ECONNREFUSED ${closed.slice(7, -5)}`]);
    const ok = await transport.fetch(`${fake.apiUrl}auth.test`, { method: 'POST', body: 'token=xoxb-test' });
    expect(ok.status).toBe(200);
    expect(events).toHaveLength(2);
    expect(events[1]).toBe(`up ${fake.apiUrl}`);
  });
});
