/**
 * The change journal in Redis (a hash, `sip-check:changes`), against a real redis-server and the simulator: a change
 * cut on one replica (its own Redis connection, journal and locks) is assessed by another replica's next check and by
 * its recovery loop, once that loop can take the firewall's lock.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { deviceKey } from '../../src/check/locks';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type CheckService } from '../../src/check/service';
import type { Requester } from '../../src/check/types';
import { ChangeDesk, type ChangeProposal } from '../../src/change/approvals';
import { readConfig, runChange } from '../../src/change/engine';
import type { ChangeJournal } from '../../src/change/journal';
import { loadAppConfig } from '../../src/config/env';
import type { FirewallEntry } from '../../src/config/types';
import { createCoordination } from '../../src/coordination';
import { RedisChangeJournal } from '../../src/redis/changeJournal';
import { connectRedis, type RedisStore } from '../../src/redis/client';
import { RedisDeviceLocks } from '../../src/redis/locks';
import { decide } from '../../src/verdict/index';
import type { RemediationOption } from '../../src/verdict/types';
import { MemoryJournal, openerFor, PASSWORD_ENV, RecordingReporter, startFirewall, testLimits, TEST_PASSWORD, type SimulatedFirewall } from '../support/harness';
import { RedisServer } from '../support/redisServer';

jest.setTimeout(60_000);

const WRITE_USER = 'sipcheck-rw';
const WRITE_PASSWORD = 'Wr1te-Acc0unt-Pa55!';
const WRITE_ENV = 'SIP_CHECK_TEST_WRITE_PASSWORD';
const TESTER: Requester = { userId: 'U0TESTER', channelId: 'C0NOC', adapter: 'slack' };
const APPROVER: Requester = { userId: 'U0APPROVER', channelId: 'C0NOC', adapter: 'slack' };
const HAND_RESTORE = ['config system settings', 'set default-voip-alg-mode proxy-based', 'end'];

describe('the change journal in Redis, shared by replicas', () => {
  let redis: RedisServer;
  let fw: SimulatedFirewall;
  let entry: FirewallEntry;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const stores: RedisStore[] = [];
  const services: CheckService[] = [];
  const store = async () => {
    const s = await connectRedis({ url: redis.url, commandTimeoutMs: 1000 });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  beforeEach(async () => {
    fw = await startFirewall();
    (fw.sim as unknown as { users: Array<{ username: string; password?: string; keys: unknown[] }> }).users.push({ username: WRITE_USER, password: WRITE_PASSWORD, keys: [] });
    entry = { ...fw.entry, remediation: { username: WRITE_USER, auth: { type: 'password', passwordEnv: WRITE_ENV }, approvers: { users: ['U0APPROVER'], userGroups: [] } } };
    env = { [PASSWORD_ENV]: TEST_PASSWORD, [WRITE_ENV]: WRITE_PASSWORD };
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip-redis-changes-'));
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.shutdown(5000)));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    const s = await connectRedis({ url: redis.url });
    await s.client.flushall();
    await s.close();
    await fw.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => redis.close());

  const opener = () => openerFor({ ...fw, env }, testLimits());
  const auditOf = (name: string) => new AuditLog(path.join(dir, `${name}.audit.jsonl`), { secrets: [TEST_PASSWORD, WRITE_PASSWORD] });
  const auditLines = (name: string): Array<Record<string, string>> => {
    try {
      return readFileSync(path.join(dir, `${name}.audit.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  const raw = async (s: RedisStore) => s.client.hgetall('sip-check:changes');

  /** Replica A: a change cut by a dropped connection on `unset voip-profile` (partial), with A's journal and locks. */
  async function cutOnReplicaA(): Promise<ChangeProposal> {
    const a = await store();
    const audit = auditOf('a');
    const session = await opener()(fw.entry);
    const basis = await readConfig(session, 'root').finally(() => session.close());
    const desk = new ChangeDesk({ now: () => new Date(), audit, env });
    const option = decide(basis.facts).remediation.find((o) => o.leadsTo === 'session-helper') as RemediationOption;
    const proposed = desk.propose(entry, option, basis.facts, TESTER);
    if (proposed.kind !== 'ok') throw new Error(proposed.reason);
    const ok = desk.approve(proposed.proposal.id, entry, APPROVER);
    if (ok.kind !== 'ok') throw new Error(ok.reason);
    fw.sim.setFaults({ dropOn: { command: 'unset voip-profile' } });
    const out = await runChange(ok.proposal, { entry, env, limits: testLimits(), openSession: opener(), locks: new RedisDeviceLocks(a, { leaseMs: 5000 }), journal: new RedisChangeJournal(a), audit, now: () => new Date(), report: () => undefined });
    fw.sim.setFaults({ dropOn: undefined });
    expect(out.state).toBe('interrupted');
    return ok.proposal;
  }

  /** Replica B's check service: its own Redis connection, change journal and locks. */
  function checksOnB(b: RedisStore, changeJournal: ChangeJournal, audit: AuditLog): CheckService {
    const service = createCheckService({
      inventory: { source: 'test', firewalls: [entry] },
      limits: testLimits(),
      openSession: opener(),
      journal: new MemoryJournal(),
      changeJournal,
      audit,
      rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
      locks: new RedisDeviceLocks(b, { leaseMs: 5000 }),
      maxConcurrent: 2,
      log: () => undefined,
    });
    services.push(service);
    return service;
  }

  async function check(service: CheckService): Promise<RecordingReporter> {
    const reporter = new RecordingReporter();
    const o = await service.handle('fw01 config', TESTER, () => reporter);
    if (o.kind !== 'started') throw new Error(`expected a started check, got ${JSON.stringify(o)}`);
    await o.done;
    return reporter;
  }

  test('a change cut on replica A is assessed by the next check on replica B; finished by hand, that check clears it in Redis', async () => {
    const p = await cutOnReplicaA();
    const b = await store();
    const stored = await raw(b);
    expect(Object.keys(stored)).toEqual([p.id]);
    expect(JSON.parse(stored[p.id])).toMatchObject({ changeId: p.id, firewall: 'fw01', vdom: 'root', device: `127.0.0.1:${fw.entry.port}`, commands: p.option.commands });

    const service = checksOnB(b, new RedisChangeJournal(b), auditOf('b'));
    const partial = await check(service);
    expect(partial.finalResult?.changes?.map((c) => [c.changeId, c.state])).toEqual([[p.id, 'partial']]);
    expect(partial.notes.find((n) => n.includes(p.id))).toMatch(/is partial; still different from what it should leave \(now → after the change\):\n• policy 2: /);
    expect(Object.keys(await raw(b))).toEqual([p.id]);
    expect(auditLines('b')).toContainEqual(expect.objectContaining({ event: 'recovery', action: 'change', checkId: p.id, outcome: 'partial', userId: 'U0TESTER', via: expect.stringMatching(/^check /) }));

    fw.sim.configure(p.option.commands);
    const complete = await check(service);
    expect(complete.finalResult?.changes?.map((c) => c.state)).toEqual(['complete']);
    expect(await raw(b)).toEqual({});
  });

  test('the recovery loop of replica B assesses the entry once it can take the firewall lock; a partial one once, then the next check', async () => {
    const p = await cutOnReplicaA();
    // Replica A holds fw01 (a check running there): B's loop leaves the device alone.
    const a = await store();
    const held = await new RedisDeviceLocks(a, { leaseMs: 5000 }).tryAcquire(deviceKey(entry), { requestedBy: 'U0OTHER', startedAt: new Date(), checkId: 'running-on-a' });
    if (!('lease' in held)) throw new Error('expected the lock');
    const logged: string[] = [];
    const config = loadAppConfig({ SIP_CHECK_REDIS_URL: redis.url, SIP_CHECK_LOCK_LEASE_MS: '2000', SIP_CHECK_JOURNAL: path.join(dir, 'journal.json'), SIP_CHECK_AUDIT_LOG: path.join(dir, 'b.audit.jsonl') });
    const coordination = await createCoordination(config, (_level, message) => void logged.push(message));
    try {
      const inventory = { source: 'test', firewalls: [entry] };
      await coordination.startRecovery({ inventory, openSession: opener(), audit: auditOf('b'), log: (_level, message) => void logged.push(message), commandTimeoutMs: 3000 });
      const assessments = () => auditLines('b').filter((r) => r.event === 'recovery' && r.action === 'change');
      expect(assessments()).toEqual([]);
      const writes = fw.sim.state.configWrites.length;
      const linesBefore = fw.sim.commandLog.length;

      await held.lease.release();
      const deadline = Date.now() + 20_000;
      while (assessments().length === 0) {
        if (Date.now() > deadline) throw new Error(`no assessment by the recovery loop; log: ${logged.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(assessments()).toEqual([expect.objectContaining({ checkId: p.id, firewall: 'fw01', outcome: 'partial', via: 'recovery' })]);
      expect(logged.some((m) => m.startsWith(`Change ${p.id} on fw01, cut mid-way`))).toBe(true);
      // Read-only lines with the read-only account, nothing re-applied; the partial entry stays for the next check.
      expect(fw.sim.state.configWrites.length).toBe(writes);
      expect(fw.sim.commandLog.slice(linesBefore).every((c) => /^(get|show|diagnose sys vd list|exit)/.test(c.command))).toBe(true);
      expect(Object.keys(await raw(a))).toEqual([p.id]);
      // More passes (every second, half the 2 s lease: long enough that a stalled test process keeps its lease): a
      // partial entry is not read again by this replica.
      await new Promise((r) => setTimeout(r, 2500));
      expect(assessments()).toHaveLength(1);
      // The pass that assessed it holds the firewall's lock until its session has logged out; the check below needs it.
      const lockDeadline = Date.now() + 20_000;
      while ((await a.client.keys('sip-check:lock:*')).length > 0) {
        if (Date.now() > lockDeadline) throw new Error(`the recovery loop still holds ${JSON.stringify(await a.client.keys('sip-check:lock:*'))}`);
        await new Promise((r) => setTimeout(r, 50));
      }

      // Restored by hand: the next check on B (with the coordination's change journal) finds it absent and clears it.
      fw.sim.configure(HAND_RESTORE);
      const b = await store();
      const reporter = await check(checksOnB(b, coordination.changeJournal, auditOf('b')));
      expect(reporter.finalResult?.changes?.map((c) => c.state)).toEqual(['absent']);
      expect(await raw(a)).toEqual({});
    } finally {
      await coordination.close();
    }
  });
});
