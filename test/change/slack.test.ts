import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '@slack/bolt';
import { createSlackApp } from '../../src/adapters/slack/app';
import { ACTION_IDS, encodeButtonValue } from '../../src/adapters/slack/blocks';
import { CHANGE_ACTION_IDS } from '../../src/adapters/slack/changeBlocks';
import { AuditLog } from '../../src/check/audit';
import { FirewallLocks } from '../../src/check/locks';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type HandleOutcome } from '../../src/check/service';
import { ChangeDesk } from '../../src/change/approvals';
import { readConfig, runChange } from '../../src/change/engine';
import { FileChangeJournal } from '../../src/change/journal';
import { createChangeService } from '../../src/change/service';
import type { FirewallEntry } from '../../src/config/types';
import { decide } from '../../src/verdict/index';
import type { RemediationOption } from '../../src/verdict/types';
import { FakeSlack, signSlackRequest, TEST_PACING } from '../support/fakeSlack';
import { recordingLogger, testChannelQueue } from '../adapters/slack/fixtures';
import { openerFor, PASSWORD_ENV, startFirewall, testLimits, TEST_PASSWORD } from '../support/harness';

/**
 * Issue 24 §4 in Slack, with the real Bolt app (HTTP mode) against the fake Web API and the ssh2 simulator:
 * check → Show remediation → Propose this change → a refused click by the proposer, visible in the thread →
 * Approve by an approver → backup, apply and verification posted in the thread. And a change cut mid-way: the next
 * check's thread says it is partial.
 */

const SECRET = 'test-signing-secret-0123456789abcdef';
const WRITE_ENV = 'SIP_CHECK_TEST_WRITE_PASSWORD';
const WRITE_PASSWORD = 'Wr1te-Acc0unt-Pa55!';

it('propose and approve in the thread, two keys, steps posted', async () => {
  const fw = await startFirewall();
  (fw.sim as unknown as { users: Array<{ username: string; password?: string; keys: unknown[] }> }).users.push({ username: 'sipcheck-rw', password: WRITE_PASSWORD, keys: [] });
  const fake = await FakeSlack.start({ pacing: TEST_PACING });
  const dir = mkdtempSync(join(tmpdir(), 'sip-slack-change-'));
  const entry: FirewallEntry = {
    ...fw.entry,
    allow: { users: ['U0ALICE01', 'U0BOB0001'], userGroups: [], channels: [] },
    remediation: { username: 'sipcheck-rw', auth: { type: 'password', passwordEnv: WRITE_ENV }, approvers: { users: ['U0BOB0001'], userGroups: [] } },
  };
  const env = { [PASSWORD_ENV]: TEST_PASSWORD, [WRITE_ENV]: WRITE_PASSWORD };
  const limits = testLimits();
  const locks = new FirewallLocks();
  const audit = new AuditLog(join(dir, 'audit.log'), { secrets: [TEST_PASSWORD, WRITE_PASSWORD] });
  const inventory = { source: 'test', firewalls: [entry] };
  const openSession = openerFor({ ...fw, env }, limits);
  const service = createCheckService({ inventory, limits, openSession, journal: { begin: () => undefined, finish: () => undefined }, audit, rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }), locks, maxConcurrent: 2, log: () => undefined });
  const changes = createChangeService({ inventory, env, limits, openSession, locks, journal: new FileChangeJournal(join(dir, 'changes.json')), audit, checks: service });
  let started!: (o: HandleOutcome) => void;
  const outcome = new Promise<HandleOutcome>((resolve) => (started = resolve));
  const runs: Array<Promise<void>> = [];
  const app: App = createSlackApp({ mode: 'http', botToken: 'xoxb-test-token', signingSecret: SECRET, service, slackApiUrl: fake.apiUrl, logger: recordingLogger(), postRetryConfig: { retries: 0 }, onOutcome: (o) => started(o), changes, onChange: (r) => runs.push(r), channelQueue: testChannelQueue() });
  const server = (await app.start(0)) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  const post = (body: string) => fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' }, body });
  const click = (actionId: string, value: string, ts: string, user: string) =>
    post(new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', user: { id: user, username: user, name: user, team_id: 'T0FAKE' }, api_app_id: 'A0SIPCHECK', token: 't',
      container: { type: 'message', message_ts: ts, thread_ts: ts, channel_id: 'C0INCIDENT', is_ephemeral: false }, trigger_id: '1.2.3', team: { id: 'T0FAKE', domain: 'example' },
      channel: { id: 'C0INCIDENT', name: 'voip' }, message: { type: 'message', ts, text: 'x' }, response_url: fake.responseUrl(),
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, text: { type: 'plain_text', text: 'x' }, action_ts: '1764000100.000100' }],
    }) }).toString());
  try {
    await post(new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C0INCIDENT', user_id: 'U0ALICE01', command: '/sip-check', text: 'fw01 seconds=1', response_url: fake.responseUrl(), trigger_id: '1.2.3' }).toString());
    const o = await outcome;
    if (o.kind !== 'started') throw new Error(JSON.stringify(o));
    await o.done;
    const parentTs = fake.parents()[0].ts;
    const threadLen = () => fake.thread(parentTs).length;
    const waitFor = async (f: () => boolean) => {
      for (let i = 0; i < 400 && !f(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(f()).toBe(true);
    };
    let n = threadLen();
    await click(ACTION_IDS.showRemediation, encodeButtonValue({ command: 'fw01', checkId: o.checkId }), parentTs, 'U0ALICE01');
    // Other posts of the check may still be landing (paced per channel): find the remediation by what it says.
    const remediationPost = () => fake.thread(parentTs).slice(n).find((m) => (m.text ?? '').startsWith('Remediation for fw01'));
    await waitFor(() => remediationPost() !== undefined);
    const remediation = remediationPost()!;
    const propose = (remediation.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')?.elements ?? [];
    expect(propose.map((e) => e.action_id)).toEqual([`${CHANGE_ACTION_IDS.propose}_1`, `${CHANGE_ACTION_IDS.propose}_2`, `${CHANGE_ACTION_IDS.propose}_clear`]);

    n = threadLen();
    await click(propose[0].action_id, propose[0].value, parentTs, 'U0ALICE01');
    await waitFor(() => threadLen() === n + 1);
    const proposal = fake.thread(parentTs).at(-1)!;
    expect(proposal.text).toContain('set default-voip-alg-mode kernel-helper-based');
    const approve = (proposal.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!.elements![0];

    n = threadLen();
    await click(CHANGE_ACTION_IDS.approve, approve.value, parentTs, 'U0ALICE01');
    await waitFor(() => runs.length === 1);
    await runs[0];
    expect(fake.thread(parentTs).at(-1)!.text).toContain('refused: The person who proposed a change cannot approve it');

    await click(CHANGE_ACTION_IDS.approve, approve.value, parentTs, 'U0BOB0001');
    await waitFor(() => runs.length === 2);
    await runs[1];
    const texts = fake.thread(parentTs).map((m) => m.text ?? '');
    expect(texts.some((t) => t.includes('[backup]'))).toBe(true);
    expect(texts.at(-1)).toMatch(/\[done\] Verified: a config-only check now gives the SIP session helper/);
    expect(fake.calls('files.completeUploadExternal').length).toBeGreaterThanOrEqual(1);
    expect(fw.sim.state.configWrites.map((w) => w.path)).toEqual(['system settings', 'firewall policy']);
  } finally {
    await app.stop();
    await fake.close();
    await fw.sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('a check of a firewall whose change was cut says so in its thread: partial, in the verdict card', async () => {
  const fw = await startFirewall();
  (fw.sim as unknown as { users: Array<{ username: string; password?: string; keys: unknown[] }> }).users.push({ username: 'sipcheck-rw', password: WRITE_PASSWORD, keys: [] });
  const fake = await FakeSlack.start({ pacing: TEST_PACING });
  const dir = mkdtempSync(join(tmpdir(), 'sip-slack-cut-'));
  const entry: FirewallEntry = {
    ...fw.entry,
    allow: { users: ['U0ALICE01'], userGroups: [], channels: [] },
    remediation: { username: 'sipcheck-rw', auth: { type: 'password', passwordEnv: WRITE_ENV }, approvers: { users: ['U0BOB0001'], userGroups: [] } },
  };
  const env = { [PASSWORD_ENV]: TEST_PASSWORD, [WRITE_ENV]: WRITE_PASSWORD };
  const limits = testLimits();
  const locks = new FirewallLocks();
  const audit = new AuditLog(join(dir, 'audit.log'), { secrets: [TEST_PASSWORD, WRITE_PASSWORD] });
  const openSession = openerFor({ ...fw, env }, limits);
  const changeJournal = new FileChangeJournal(join(dir, 'changes.json'));
  // The change, cut by a dropped connection on one of its lines (the Slack flow itself is the test above).
  const session = await openSession(fw.entry);
  const basis = (await readConfig(session, 'root').finally(() => session.close())).facts;
  const desk = new ChangeDesk({ now: () => new Date(), audit, env });
  const proposed = desk.propose(entry, decide(basis).remediation.find((o) => o.leadsTo === 'session-helper') as RemediationOption, basis, { userId: 'U0ALICE01', channelId: 'C0INCIDENT', adapter: 'slack' });
  if (proposed.kind !== 'ok') throw new Error(proposed.reason);
  const approved = desk.approve(proposed.proposal.id, entry, { userId: 'U0BOB0001', channelId: 'C0INCIDENT', adapter: 'slack' });
  if (approved.kind !== 'ok') throw new Error(approved.reason);
  fw.sim.setFaults({ dropOn: { command: 'unset voip-profile' } });
  expect((await runChange(approved.proposal, { entry, env, limits, openSession, locks, journal: changeJournal, audit, now: () => new Date(), report: () => undefined })).state).toBe('interrupted');
  fw.sim.setFaults({ dropOn: undefined });

  const service = createCheckService({ inventory: { source: 'test', firewalls: [entry] }, limits, openSession, journal: { begin: () => undefined, finish: () => undefined }, changeJournal, audit, rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }), locks, maxConcurrent: 2, log: () => undefined });
  let started!: (o: HandleOutcome) => void;
  const outcome = new Promise<HandleOutcome>((resolve) => (started = resolve));
  const app: App = createSlackApp({ mode: 'http', botToken: 'xoxb-test-token', signingSecret: SECRET, service, slackApiUrl: fake.apiUrl, logger: recordingLogger(), postRetryConfig: { retries: 0 }, onOutcome: (o) => started(o), channelQueue: testChannelQueue() });
  const server = (await app.start(0)) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  try {
    const body = new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C0INCIDENT', user_id: 'U0ALICE01', command: '/sip-check', text: 'fw01 config', response_url: fake.responseUrl(), trigger_id: '1.2.3' }).toString();
    await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' }, body });
    const o = await outcome;
    if (o.kind !== 'started') throw new Error(JSON.stringify(o));
    await o.done;
    const thread = fake.thread(fake.parents()[0].ts);
    const card = thread.find((m) => JSON.stringify(m.blocks ?? []).includes(`Change ${approved.proposal.id} on fw01`));
    expect(card).toBeDefined();
    const contexts = (card!.blocks as Array<{ type: string; elements?: Array<{ text?: string }> }>).filter((b) => b.type === 'context').flatMap((b) => (b.elements ?? []).map((e) => e.text ?? ''));
    expect(contexts.find((t) => t.includes(approved.proposal.id))).toMatch(/is partial; still different from what it should leave \(now → after the change\):\n• policy 2: [^\n]+\nRestore from its backup or finish it by hand; the bot does not re-apply\./);
    // Said once: in the card, not again as a reply of its own.
    expect(thread.filter((m) => (m.text ?? '').includes(approved.proposal.id) || JSON.stringify(m.blocks ?? []).includes(approved.proposal.id))).toHaveLength(1);
    expect((await changeJournal.pending()).map((e) => e.changeId)).toEqual([approved.proposal.id]);
  } finally {
    await app.stop();
    await fake.close();
    await fw.sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
