/**
 * The Redis implementations against a real redis-server: two connections stand for two replicas.
 * Leases, fencing, compare-and-delete release, the shared cap and rate limit, the journal, and what happens
 * when Redis goes away (clear `store-unavailable` errors, a lease that is given up before it can expire).
 */
import type { LockHolder } from '../../src/check/locks';
import { CheckError } from '../../src/errors';
import { connectRedis, type RedisStore } from '../../src/redis/client';
import { RedisGroupCache } from '../../src/redis/groupCache';
import { RedisJournal } from '../../src/redis/journal';
import { RedisCheckSlots, RedisDeviceLocks } from '../../src/redis/locks';
import { RedisRateLimiter } from '../../src/redis/rateLimit';
import { webApi } from '@slack/bolt';
import { UserGroupDirectory } from '../../src/adapters/slack/userGroups';
import { FakeSlack } from '../support/fakeSlack';
import { RedisServer } from '../support/redisServer';
import { RedisFleetStore } from '../../src/redis/fleetStore';
import { DriftWatch } from '../../src/fleet/watch';
import { describeChange } from '../../src/fleet/drift';
import { claimWatch } from '../../src/fleet/start';
import { buildReport } from '../../src/fleet/sweep';
import type { FleetService } from '../../src/fleet/service';
import type { SweepRow } from '../../src/fleet/types';

jest.setTimeout(30_000);

const holder = (checkId: string, requestedBy = 'U0ALICE01'): LockHolder => ({ requestedBy, startedAt: new Date('2026-05-01T10:00:00Z'), checkId });

describe('Redis coordination', () => {
  let redis: RedisServer;
  const stores: RedisStore[] = [];
  const store = async () => {
    const s = await connectRedis({ url: redis.url, commandTimeoutMs: 1000 });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    if (!(await redisAnswers())) await redis.run();
    const s = await connectRedis({ url: redis.url });
    await s.client.flushall();
    await s.close();
  });
  afterAll(() => redis.close());
  const redisAnswers = async () => {
    const s = await connectRedis({ url: redis.url, commandTimeoutMs: 500 });
    const ok = await s.ping();
    s.client.disconnect();
    return ok;
  };

  test('one lease per device across replicas; the other sees who holds it; fencing tokens increase', async () => {
    const a = new RedisDeviceLocks(await store(), { leaseMs: 5000 });
    const b = new RedisDeviceLocks(await store(), { leaseMs: 5000 });
    const first = await a.tryAcquire('10.0.0.1:22', holder('c1'));
    if (!('lease' in first)) throw new Error('expected a lease');
    expect(await b.tryAcquire('10.0.0.1:22', holder('c2', 'U0BOB0001'))).toEqual({ busy: holder('c1') });
    // Another device is independent.
    const other = await b.tryAcquire('10.0.0.2:22', holder('c3'));
    expect('lease' in other).toBe(true);
    await first.lease.release();
    const second = await b.tryAcquire('10.0.0.1:22', holder('c4'));
    if (!('lease' in second)) throw new Error('expected a lease after release');
    expect(second.lease.fencingToken).toBe(first.lease.fencingToken + 1);
    await second.lease.confirm();
    // A late second release of the first lease must not free the newer holder's lock.
    await first.lease.release();
    expect(await a.holder('10.0.0.1:22')).toEqual(holder('c4'));
  });

  test('a lease is renewed while held, and a stale owner is fenced off once another took the device', async () => {
    const s = await store();
    // Renewed every second: a stall of this process under 2 s (a loaded CI machine) cannot let it lapse.
    const a = new RedisDeviceLocks(s, { leaseMs: 3000 });
    const got = await a.tryAcquire('fw:22', holder('c1'));
    if (!('lease' in got)) throw new Error('expected a lease');
    // More than two lease lengths later it is still held: the renewals kept it.
    await new Promise((r) => setTimeout(r, 6500));
    expect((await s.client.pttl('sip-check:lock:fw:22')) > 0).toBe(true);
    await got.lease.confirm();
    // Simulate a stall: the key vanished (expired) and another replica took the device.
    await s.client.del('sip-check:lock:fw:22');
    const b = new RedisDeviceLocks(await store(), { leaseMs: 1000 });
    const taken = await b.tryAcquire('fw:22', holder('c2'));
    expect('lease' in taken).toBe(true);
    await expect(got.lease.confirm()).rejects.toMatchObject({ kind: 'lock-lost' });
    expect(got.lease.lost.aborted).toBe(true);
    expect((got.lease.lost.reason as CheckError).kind).toBe('lock-lost');
    if ('lease' in taken) await taken.lease.release();
    await got.lease.release();
  });

  test('Redis gone: no new lock (store-unavailable), and a held lease is given up before it can expire', async () => {
    const a = new RedisDeviceLocks(await store(), { leaseMs: 1500 });
    const got = await a.tryAcquire('fw:22', holder('c1'));
    if (!('lease' in got)) throw new Error('expected a lease');
    const lost = new Promise<void>((resolve) => got.lease.lost.addEventListener('abort', () => resolve()));
    await redis.stop();
    await expect(a.tryAcquire('fw2:22', holder('c2'))).rejects.toMatchObject({ kind: 'store-unavailable' });
    await expect(got.lease.confirm()).rejects.toBeInstanceOf(CheckError);
    // The renewals fail; the lease is given up (the check stops and resets debug) instead of running on unlocked.
    await lost;
    expect((got.lease.lost.reason as CheckError).kind).toBe('lock-lost');
    await got.lease.release();
  });

  test('the global cap holds across replicas; a dead replica\'s slot expires', async () => {
    const a = new RedisCheckSlots(await store(), 2, { leaseMs: 1000 });
    const b = new RedisCheckSlots(await store(), 2, { leaseMs: 1000 });
    const r1 = await a.tryAcquire('c1');
    const r2 = await b.tryAcquire('c2');
    expect(r1).not.toBeNull();
    expect(r2).not.toBeNull();
    expect(await a.tryAcquire('c3')).toBeNull();
    await r1!();
    const r3 = await a.tryAcquire('c3');
    expect(r3).not.toBeNull();
    expect(await b.tryAcquire('c4')).toBeNull();
    // A replica that dies holds its slot only until its lease runs out: one live entry, one nobody renewed.
    await r3!();
    await r2!();
    const s = await store();
    await s.client.zadd('sip-check:slots', Date.now() + 60_000, 'alive', Date.now() - 1, 'dead');
    expect(await a.tryAcquire('c5')).not.toBeNull();
    expect(await a.tryAcquire('c6')).toBeNull();
    expect(await s.client.zrange('sip-check:slots', 0, -1)).toEqual(expect.arrayContaining(['alive', 'c5']));
  });

  test('the rate limit holds across replicas, says when to retry, and refunds', async () => {
    const config = { count: 2, windowSeconds: 60 };
    const a = new RedisRateLimiter(await store(), config);
    const b = new RedisRateLimiter(await store(), config);
    expect(await a.take('U0ALICE01')).toEqual({ ok: true });
    expect(await b.take('U0ALICE01')).toEqual({ ok: true });
    const refused = await a.take('U0ALICE01');
    expect(refused).toEqual({ ok: false, retryAfterSeconds: expect.any(Number) });
    if (!refused.ok) expect(refused.retryAfterSeconds).toBeGreaterThan(55);
    expect(refused.ok || refused.retryAfterSeconds <= 60).toBe(true);
    // Other users are not affected.
    expect(await b.take('U0BOB0001')).toEqual({ ok: true });
    await b.refund('U0ALICE01');
    expect(await a.take('U0ALICE01')).toEqual({ ok: true });
  });

  test('the journal is shared: begun on one replica, seen and finished on another', async () => {
    const a = new RedisJournal(await store());
    const b = new RedisJournal(await store());
    await a.begin({ checkId: 'c1', firewall: 'fw01', startedAt: '2026-05-01T10:00:00.000Z', pid: 42, host: '10.0.0.1', port: 22 });
    expect(await b.pending()).toEqual([{ checkId: 'c1', firewall: 'fw01', startedAt: '2026-05-01T10:00:00.000Z', pid: 42, host: '10.0.0.1', port: 22 }]);
    expect(await b.has('c1')).toBe(true);
    await b.finish('c1');
    expect(await a.pending()).toEqual([]);
    await redis.stop();
    await expect(a.begin({ checkId: 'c2', firewall: 'fw01', startedAt: 'x', pid: 1 })).rejects.toMatchObject({ kind: 'store-unavailable', message: expect.stringMatching(/debug was not enabled/) });
  });

  test('the user-group cache is shared and expires', async () => {
    const a = new RedisGroupCache(await store());
    const b = new RedisGroupCache(await store());
    const s = await store();
    await a.set('S0ADMINS', ['U0ALICE01', 'U0BOB0001'], 60_000);
    expect(await b.get('S0ADMINS')).toEqual(['U0ALICE01', 'U0BOB0001']);
    const ttl = await s.client.pttl('sip-check:usergroup:S0ADMINS');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await b.get('S0OTHERS')).toBeUndefined();
  });

  test('two replicas\' group directories make one Slack lookup between them, and a grant revoked in Slack ends with the TTL', async () => {
    const fake = await FakeSlack.start();
    try {
      fake.setUserGroup('S0ADMINS', ['U0ALICE01']);
      const client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      const a = new UserGroupDirectory(client, ['S0ADMINS'], { shared: new RedisGroupCache(await store()), ttlMs: 60_000 });
      const b = new UserGroupDirectory(client, ['S0ADMINS'], { shared: new RedisGroupCache(await store()), ttlMs: 60_000 });
      expect(await a.groupsOf('U0ALICE01')).toEqual(['S0ADMINS']);
      expect(await b.groupsOf('U0ALICE01')).toEqual(['S0ADMINS']);
      expect(await b.groupsOf('U0BOB0001')).toEqual([]);
      expect(fake.calls('usergroups.users.list')).toHaveLength(1);
      // Revoked in Slack; once the shared entry expires, both replicas see it.
      fake.setUserGroup('S0ADMINS', []);
      const s = await store();
      await s.client.del('sip-check:usergroup:S0ADMINS');
      expect(await b.groupsOf('U0ALICE01')).toEqual([]);
      expect(await a.groupsOf('U0ALICE01')).toEqual([]);
      expect(fake.calls('usergroups.users.list')).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });

  test('the fleet state is one document in Redis; a value that is not one is set aside and a new baseline starts', async () => {
    const s = await store();
    const fleetStore = new RedisFleetStore(s);
    expect((await fleetStore.load()).runs).toEqual([]);
    const state = await fleetStore.load();
    state.runs.push({ id: 'run-1', at: '2026-05-01T10:00:00.000Z', scope: 'all', seconds: 1, counts: { 'sip-alg': 1 } });
    await fleetStore.save(state);
    expect(await new RedisFleetStore(await store()).load()).toEqual(state);
    await s.client.set('sip-check:fleet:state', '{"not":"ours"}');
    const warnings: string[] = [];
    expect((await new RedisFleetStore(s, (_l, m) => warnings.push(m)).load()).runs).toEqual([]);
    expect(await s.client.get('sip-check:fleet:state:corrupt')).toBe('{"not":"ours"}');
    expect(warnings.join('\n')).toMatch(/new baseline/);
  });

  test("two replicas' drift watches sweep and post once per period between them, sharing the state", async () => {
    const HOUR = 3_600_000;
    let clock = Date.parse('2026-05-01T10:00:00Z');
    let handler: 'sip-alg' | 'session-helper' = 'sip-alg';
    let sweeps = 0;
    const row = (): SweepRow => ({ name: 'fw01', handler, rule: handler === 'sip-alg' ? 'R3' : 'R5', hostname: 'FGT-A', version: 'v7.4.3', vdoms: [{ name: 'root', handler }], error: null, seconds: 0.1, configLines: [`root: system settings: set default-voip-alg-mode ${handler === 'sip-alg' ? 'proxy-based' : 'kernel-helper-based'}`] });
    // The sweep itself is tested against simulators in test/fleet/; here it only counts and reports one firewall.
    const fleet = { sweep: async (scope: { kind: 'all' }) => buildReport(`run-${++sweeps}`, scope, [row()], new Date(clock), 0.1) } as unknown as FleetService;
    const posted: string[] = [];
    const replica = async () => {
      const s = await store();
      const locks = new RedisDeviceLocks(s, { leaseMs: 5000 });
      return new DriftWatch({
        fleet,
        store: new RedisFleetStore(s),
        scope: { kind: 'all' },
        everyMs: HOUR,
        post: async (changes) => void posted.push(...changes.map((c) => describeChange(c))),
        destination: '<#C0WATCH>',
        now: () => clock,
        setTimer: () => () => undefined,
        claim: () => claimWatch(locks),
        log: () => undefined,
      });
    };
    const a = await replica();
    const b = await replica();
    await Promise.all([a.runOnce(), b.runOnce()]); // the baseline: one sweep between the two
    expect(sweeps).toBe(1);
    clock += HOUR;
    handler = 'session-helper';
    await Promise.all([b.runOnce(), a.runOnce()]);
    expect(sweeps).toBe(2);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatch(/fw01: sip-alg → session-helper/);
    expect((await new RedisFleetStore(await store()).load()).runs).toHaveLength(2);
    // Within the same period, a late timer on either replica does not sweep again.
    clock += HOUR / 4;
    await a.runOnce();
    expect(sweeps).toBe(2);
  });
});
