/**
 * Everything real: the Bolt app in HTTP mode receiving signed slash commands, the check service, the FortiGate
 * driver over SSH to the simulator, and the local Slack Web API recording what users would see.
 * Also the secrets test: a known password and a known private-key passphrase appear nowhere the bot wrote.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { App } from '@slack/bolt';
import { utils } from 'ssh2';
import { createSlackApp } from '../../src/adapters/slack/app';
import { AuditLog } from '../../src/check/audit';
import { makeSessionOpener } from '../../src/check/connect';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type CheckService, type HandleOutcome } from '../../src/check/service';
import type { FirewallEntry } from '../../src/config/types';
import { createLogger } from '../../src/log';
import { FortiGateSimulator, isDebugClean, loadScenario } from '../../src/simulator';
import { FakeSlack, signSlackRequest, TEST_PACING } from '../support/fakeSlack';
import { recordingLogger, testChannelQueue } from '../adapters/slack/fixtures';
import { DEMO_SCENARIO, MemoryJournal, PASSWORD_ENV, TEST_PASSWORD, testLimits } from '../support/harness';
import { closeReadOnly, expectReadOnly } from '../support/readOnly';
import { parseableKeyPair } from '../support/sshKeys';

const SIGNING_SECRET = 'e2e-signing-secret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-e2e-bot-token-value';
const PASSPHRASE = 'Key-Passphrase-9f8e7d';
const PASSPHRASE_ENV = 'SIP_CHECK_TEST_PASSPHRASE';
const USER = 'U0NETOPS';

describe('slash command to thread, end to end (Bolt HTTP + service + SSH to the simulator)', () => {
  let fake: FakeSlack;
  let sims: FortiGateSimulator[];
  let app: App;
  let service: CheckService;
  let url: string;
  let dir: string;
  let logText: () => string;
  let boltLogger: ReturnType<typeof recordingLogger>;
  let outcomeWaiters: Array<(o: HandleOutcome) => void> = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-slack-e2e-'));
    const key = parseableKeyPair(() => utils.generateKeyPairSync('ed25519', { passphrase: PASSPHRASE, cipher: 'aes256-cbc', rounds: 16 }), PASSPHRASE);
    const keyFile = path.join(dir, 'fw02.key');
    writeFileSync(keyFile, key.private, { mode: 0o600 });
    sims = [
      new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users: [{ username: 'admin', password: TEST_PASSWORD }] }),
      new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users: [{ username: 'keyadmin', publicKeys: [key.public] }] }),
    ];
    const ports = await Promise.all(sims.map((s) => s.start()));
    const base = { host: '127.0.0.1', algorithms: 'default' as const, allow: { users: [USER], userGroups: [], channels: [] } };
    const firewalls: FirewallEntry[] = [
      { ...base, name: 'fw01', port: ports[0], username: 'admin', auth: { type: 'password', passwordEnv: PASSWORD_ENV }, hostKey: { fingerprints: [sims[0].hostKeyFingerprint] } },
      { ...base, name: 'fw02', port: ports[1], username: 'keyadmin', auth: { type: 'privateKey', privateKeyPath: keyFile, passphraseEnv: PASSPHRASE_ENV }, hostKey: { fingerprints: [sims[1].hostKeyFingerprint] } },
    ];
    const env = { [PASSWORD_ENV]: TEST_PASSWORD, [PASSPHRASE_ENV]: PASSPHRASE };
    const logStream = new PassThrough();
    let logged = '';
    logStream.on('data', (d: Buffer) => (logged += d.toString()));
    logText = () => logged;
    const log = createLogger('debug', logStream);
    const limits = testLimits();
    service = createCheckService({
      inventory: { source: 'e2e', firewalls },
      limits,
      // The SSH handshake trace too: it is what a bug report would contain.
      openSession: makeSessionOpener(limits, env, { sshDebug: (line) => log('debug', 'ssh', { line }) }),
      journal: new MemoryJournal(),
      audit: new AuditLog(path.join(dir, 'audit.jsonl'), { secrets: [TEST_PASSWORD, PASSPHRASE] }),
      rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
      maxConcurrent: 10,
      log,
    });
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    boltLogger = recordingLogger();
    app = createSlackApp({
      mode: 'http',
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      service,
      slackApiUrl: fake.apiUrl,
      logger: boltLogger,
      postRetryConfig: { retries: 0 },
      maxCaptureSeconds: limits.maxSeconds,
      channelQueue: testChannelQueue(),
      onOutcome: (o) => outcomeWaiters.shift()?.(o),
    });
    const server = (await app.start(0)) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(() => {
    for (const [i, sim] of sims.entries()) expectReadOnly(sim, `fw0${i + 1}`);
    // Slack's conversation rules held: within the channel's pace, every text reads right.
    expect(fake.pacedOut()).toEqual([]);
    expect(fake.textProblems()).toEqual([]);
  });

  afterAll(async () => {
    await service.shutdown(5000);
    await app.stop();
    await fake.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  async function slash(text: string, opts: { secret?: string } = {}): Promise<{ status: number; outcome?: HandleOutcome }> {
    const body = new URLSearchParams({
      team_id: 'T0FAKE', channel_id: 'C0VOIP', channel_name: 'voip', user_id: USER, user_name: 'netops',
      command: '/sip-check', text, api_app_id: 'A0SIPCHECK', response_url: fake.responseUrl(), trigger_id: '1.2.3',
    }).toString();
    const next = new Promise<HandleOutcome>((resolve) => outcomeWaiters.push(resolve));
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...signSlackRequest(opts.secret ?? SIGNING_SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    if (res.status !== 200) {
      outcomeWaiters = [];
      return { status: res.status };
    }
    const outcome = await next;
    if (outcome.kind === 'started') await outcome.done;
    return { status: res.status, outcome };
  }

  test('/sip-check fw01: ack, parent, progress edits, verdict and summary in the thread, files, debug reset', async () => {
    const { status, outcome } = await slash('fw01 seconds=2');
    expect(status).toBe(200);
    expect(outcome?.kind).toBe('started');
    const parent = fake.parents().at(-1)!;
    expect(parent.channel).toBe('C0VOIP');
    expect(parent.text).toMatch(/fw01/);
    // The channel view alone answers the question.
    expect(parent.edits.at(-1)?.text).toMatch(/^fw01: SIP handled by SIP ALG/);
    const thread = fake.thread(parent.ts);
    expect(thread[0].text).toMatch(/SIP ALG/);
    expect(JSON.stringify(thread[0].blocks)).toMatch(/R1/);
    expect(thread.some((m) => /SIP summary for fw01/.test(m.text ?? ''))).toBe(true);
    const files = fake.uploadedFiles().filter((f) => f.threadTs === parent.ts);
    expect(files.map((f) => f.filename).sort()).toEqual([expect.stringMatching(/^sip-check-fw01-\d{8}T\d{6}Z\.pcap$/), 'sip-check-fw01-ladder.png', 'sip-check-fw01-report.txt', 'sip-check-fw01-sip-debug.log', 'sip-check-fw01-transcript.txt']);
    // The capture file arrives whole through filesUploadV2 (a pcapng Section Header Block first).
    const pcap = files.find((f) => f.filename.endsWith('.pcap'))!;
    expect(pcap.bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(isDebugClean(sims[0].state)).toBe(true);
    expect(sims[0].state.configWrites).toEqual([]);
  });

  /** Posts a signed Events API or interactivity body; resolves with the check's outcome once it has reported. */
  async function signed(body: string, contentType: string): Promise<HandleOutcome> {
    const next = new Promise<HandleOutcome>((resolve) => outcomeWaiters.push(resolve));
    const res = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': contentType }, body });
    expect(res.status).toBe(200);
    const outcome = await next;
    if (outcome.kind === 'started') await outcome.done;
    return outcome;
  }
  const debugLinesSince = (from: number) => sims[0].commandLog.slice(from).map((e) => e.command).filter((c) => /^diag(?:nose)?\s+debug\b/.test(c));

  test('the answer first: the card from the configuration is posted, then settled in place by the runtime evidence', async () => {
    await slash('fw01 seconds=2');
    const parent = fake.parents().at(-1)!;
    const [card, summary] = fake.thread(parent.ts);
    // One card, posted before the capture and updated once in place: first from the configuration, then confirmed.
    const cardPost = fake.calls('chat.postMessage').find((c) => c.body.thread_ts === parent.ts);
    expect(String(cardPost?.body.text)).toMatch(/^fw01: SIP handled by SIP ALG .*\. From the configuration; runtime evidence in 2 s\./);
    expect(card.edits).toHaveLength(1);
    expect(JSON.stringify(card.blocks)).toContain('Confirmed by the runtime evidence');
    expect(summary.text).toMatch(/SIP summary for fw01/);
    // The parent said the same while the capture ran, and ends with the settled answer.
    expect(parent.edits.some((e) => /^SIP check of fw01 .*\. From the configuration: SIP handled by SIP ALG .*; runtime evidence in 2 s\.$/.test(e.text ?? ''))).toBe(true);
    expect(parent.edits.at(-1)?.text).toMatch(/^fw01: SIP handled by SIP ALG .*, confirmed by the runtime evidence; /);
  });

  test('/sip-check fw01 config, @sip-check fw01 config and the Config only button: the card, and no diagnose debug line', async () => {
    const from = sims[0].commandLog.length;
    const { outcome } = await slash('fw01 config');
    expect(outcome?.kind === 'started' && outcome.options.configOnly).toBe(true);
    expect(sims[0].commandLog.slice(from).map((e) => e.command)).toEqual(expect.arrayContaining(['show firewall policy', 'diagnose sys sip-proxy stats']));
    expect(debugLinesSince(from)).toEqual([]);
    const parent = fake.parents().at(-1)!;
    expect(parent.edits.at(-1)?.text).toMatch(/^fw01: SIP handled by SIP ALG .*; config only, no SIP capture$/);
    const thread = fake.thread(parent.ts);
    // The card only: no SIP summary (nothing was captured), and it says why.
    expect(thread).toHaveLength(1);
    expect(JSON.stringify(thread[0].blocks)).toContain('no `diagnose debug` command was sent');
    const files = fake.uploadedFiles().filter((f) => f.threadTs === parent.ts);
    expect(files.map((f) => f.filename).sort()).toEqual(['sip-check-fw01-report.txt', 'sip-check-fw01-transcript.txt']);
    const transcript = files.find((f) => f.filename.endsWith('transcript.txt'))!.bytes.toString();
    expect(transcript).toContain('show firewall policy');
    expect(transcript).not.toMatch(/diag(?:nose)? debug/);

    // The same through a mention (slash commands cannot run in threads).
    const fromMention = sims[0].commandLog.length;
    const mentionTs = fake.addUserMessage('C0VOIP', USER, '<@U0SIPCHECK> fw01 config');
    const mention = await signed(JSON.stringify({
      token: 'legacy-verification-token', team_id: 'T0FAKE', api_app_id: 'A0SIPCHECK', type: 'event_callback', event_id: 'Ev0CONFIGONLY', event_time: 1764000100,
      authorizations: [{ enterprise_id: null, team_id: 'T0FAKE', user_id: 'U0SIPCHECK', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user: USER, text: '<@U0SIPCHECK> fw01 config', ts: mentionTs, channel: 'C0VOIP', event_ts: mentionTs },
    }), 'application/json');
    expect(mention.kind === 'started' && mention.options.configOnly).toBe(true);
    expect(sims[0].commandLog.length).toBeGreaterThan(fromMention);
    expect(debugLinesSince(fromMention)).toEqual([]);
    expect(JSON.stringify(fake.thread(mentionTs).map((m) => m.blocks))).toContain('no `diagnose debug` command was sent');

    // And the Config only button of a check with a capture.
    await slash('fw01 seconds=1');
    const captured = fake.parents().at(-1)!;
    const actions = (captured.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions');
    const button = actions?.elements?.find((e) => e.action_id === 'sip_check_config_only');
    expect(button).toBeDefined();
    const fromButton = sims[0].commandLog.length;
    const clicked = await signed(new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', user: { id: USER, username: 'netops', name: 'netops', team_id: 'T0FAKE' }, api_app_id: 'A0SIPCHECK', token: 'legacy-verification-token',
      container: { type: 'message', message_ts: captured.ts, channel_id: 'C0VOIP', is_ephemeral: false }, trigger_id: '1.2.3', team: { id: 'T0FAKE', domain: 'example' },
      enterprise: null, is_enterprise_install: false, channel: { id: 'C0VOIP', name: 'voip' }, message: { type: 'message', ts: captured.ts, text: 'fw01: SIP handled by ...' },
      response_url: fake.responseUrl(), actions: [{ type: 'button', action_id: 'sip_check_config_only', block_id: 'sip_check_actions', value: button!.value, text: { type: 'plain_text', text: 'Config only' }, action_ts: '1764000100.000100' }],
    }) }).toString(), 'application/x-www-form-urlencoded');
    expect(clicked.kind === 'started' && clicked.options.configOnly).toBe(true);
    expect(sims[0].commandLog.length).toBeGreaterThan(fromButton);
    expect(debugLinesSince(fromButton)).toEqual([]);
    expect(isDebugClean(sims[0].state)).toBe(true);
  });

  test('a request with a bad signature is rejected and nothing runs', async () => {
    const before = sims[0].commandLog.length;
    const { status } = await slash('fw01', { secret: 'not-the-signing-secret' });
    expect(status).toBe(401);
    expect(sims[0].commandLog.length).toBe(before);
  });

  test('the known password and key passphrase appear nowhere the bot wrote', async () => {
    const { outcome } = await slash('fw02 seconds=1');
    expect(outcome?.kind).toBe('started');
    expect(isDebugClean(sims[1].state)).toBe(true);
    // An auth failure path too: its error text must not carry the secret either.
    const badEnvService = makeSessionOpener(testLimits(), { [PASSWORD_ENV]: `${TEST_PASSWORD}-wrong` });
    await badEnvService({ name: 'fw01', host: '127.0.0.1', port: sims[0].port, username: 'admin', auth: { type: 'password', passwordEnv: PASSWORD_ENV }, hostKey: { fingerprints: [sims[0].hostKeyFingerprint] }, allow: { users: [], userGroups: [], channels: [] }, algorithms: 'default' }).then(
      () => { throw new Error('expected auth failure'); },
      (e: Error) => expect(e.message).not.toContain(TEST_PASSWORD),
    );

    const written: Array<[string, string]> = [
      ['bot log', logText()],
      ['bolt log', boltLogger.lines.map((l) => l.text).join('\n')],
      // Bodies only: the bot token is rightly in each call's Authorization header.
      ['Slack API calls', JSON.stringify(fake.calls().map((c) => c.body))],
      ['ephemeral replies', JSON.stringify(fake.ephemeralResponses())],
      ['audit log', readFileSync(path.join(dir, 'audit.jsonl'), 'utf8')],
      ...fake.uploadedFiles().map((f): [string, string] => [`file ${f.filename}`, (f.filename.endsWith('.gz') ? gunzipSync(f.bytes) : f.bytes).toString('latin1')]),
    ];
    expect(logText()).toMatch(/ssh/); // the SSH trace was captured, so the check below means something
    expect(fake.uploadedFiles().length).toBeGreaterThanOrEqual(8);
    for (const [where, text] of written) {
      for (const secret of [TEST_PASSWORD, PASSPHRASE, BOT_TOKEN, SIGNING_SECRET]) {
        if (text.includes(secret)) throw new Error(`${where} contains a secret: ${text.slice(Math.max(0, text.indexOf(secret) - 300), text.indexOf(secret) + 50)}`);
      }
    }
  });
});

describe('user-group grants (Slack sends no groups with a command)', () => {
  let fake: FakeSlack;
  let sim: FortiGateSimulator;
  let app: App;
  let service: CheckService;
  let url: string;

  beforeAll(async () => {
    sim = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users: [{ username: 'admin', password: TEST_PASSWORD }] });
    const port = await sim.start();
    const limits = testLimits();
    const entry: FirewallEntry = {
      name: 'fw01', host: '127.0.0.1', port, username: 'admin', algorithms: 'default',
      auth: { type: 'password', passwordEnv: PASSWORD_ENV }, hostKey: { fingerprints: [sim.hostKeyFingerprint] },
      allow: { users: [], userGroups: ['S0VOIPTEAM'], channels: [] },
    };
    service = createCheckService({
      inventory: { source: 'e2e', firewalls: [entry] },
      limits,
      openSession: makeSessionOpener(limits, { [PASSWORD_ENV]: TEST_PASSWORD }),
      journal: new MemoryJournal(),
      audit: new AuditLog(path.join(mkdtempSync(path.join(os.tmpdir(), 'sip-check-ug-')), 'audit.jsonl')),
      rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
      maxConcurrent: 10,
      log: () => undefined,
    });
    fake = await FakeSlack.start({ pacing: TEST_PACING });
    fake.setUserGroup('S0VOIPTEAM', ['U0MEMBER']);
    app = createSlackApp({ mode: 'http', botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, service, slackApiUrl: fake.apiUrl, logger: recordingLogger(), postRetryConfig: { retries: 0 }, userGroupIds: ['S0VOIPTEAM'] });
    const server = (await app.start(0)) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await service.shutdown(5000);
    await app.stop();
    await fake.close();
    await closeReadOnly(sim);
  });

  async function helpFor(user: string): Promise<string> {
    const body = new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C0VOIP', user_id: user, command: '/sip-check', text: 'help', response_url: fake.responseUrl(), trigger_id: '1.2.3' }).toString();
    const before = fake.ephemeralResponses().length;
    const res = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(200);
    for (let i = 0; i < 200 && fake.ephemeralResponses().length === before; i++) await new Promise((r) => setTimeout(r, 20));
    return fake.ephemeralResponses().at(-1)?.text ?? '';
  }

  test('a member of a granted group may check the firewall; others may not', async () => {
    expect(await helpFor('U0MEMBER')).toMatch(/Firewalls you may check: `fw01`/);
    expect(await helpFor('U0OUTSIDER')).toMatch(/Firewalls you may check: none/);
    expect(fake.calls('usergroups.users.list').length).toBeGreaterThanOrEqual(1);
  });
});
