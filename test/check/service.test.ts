/**
 * The check service end to end against simulated firewalls: what a user is told before any SSH work
 * (help, refusals, busy, overloaded, rate-limited), what the audit log records, and that shutdown resets debug.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type CheckService, type HandleOutcome } from '../../src/check/service';
import type { Requester } from '../../src/check/types';
import { makeSessionOpener } from '../../src/check/connect';
import { isDebugClean } from '../../src/simulator';
import { MemoryJournal, RecordingReporter, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';

const ALICE: Requester = { userId: 'U0TESTER', channelId: 'C0OTHER', adapter: 'slack' };
const MALLORY: Requester = { userId: 'U0MALLORY', channelId: 'C0OTHER', adapter: 'slack' };

describe('check service', () => {
  const firewalls: SimulatedFirewall[] = [];
  let service: CheckService;
  let auditFile: string;
  let journal: MemoryJournal;

  async function setup(opts: { count?: number; maxConcurrent?: number; rate?: { count: number; windowSeconds: number } } = {}) {
    for (let i = 0; i < (opts.count ?? 1); i++) firewalls.push(await startFirewall({ name: `fw0${i + 1}` }));
    // fw09: in the inventory, but nobody is allowed to use it.
    const hidden = { ...firewalls[0].entry, name: 'fw09', allow: { users: [], userGroups: [], channels: [] } };
    // fw01-mgmt: the same device as fw01 under another name (a second management address in real life).
    const alias = { ...firewalls[0].entry, name: 'fw01-mgmt' };
    auditFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'sip-check-svc-')), 'audit.jsonl');
    journal = new MemoryJournal();
    const rate = opts.rate ?? { count: 100, windowSeconds: 60 };
    service = createCheckService({
      inventory: { source: 'test', firewalls: [...firewalls.map((f) => f.entry), hidden, alias] },
      limits: testLimits(),
      openSession: makeSessionOpener(testLimits(), firewalls[0].env),
      journal,
      audit: new AuditLog(auditFile),
      rateLimiter: new RateLimiter(rate),
      maxConcurrent: opts.maxConcurrent ?? 10,
      log: () => undefined,
    });
  }
  const audit = () => readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const started = (o: HandleOutcome) => {
    if (o.kind !== 'started') throw new Error(`expected a started check, got ${JSON.stringify(o)}`);
    return o;
  };
  const rejected = (o: HandleOutcome) => {
    if (o.kind !== 'rejected') throw new Error(`expected a refusal, got ${o.kind}`);
    return o.error;
  };

  afterEach(async () => {
    await service?.shutdown(5000);
    await Promise.all(firewalls.splice(0).map((f) => closeReadOnly(f.sim)));
  });

  test('help lists only the firewalls this user may check', async () => {
    await setup();
    const help = await service.handle('help', ALICE, () => new RecordingReporter());
    expect(help).toMatchObject({ kind: 'help' });
    expect(help.kind === 'help' && help.text).toMatch(/Firewalls you may check: `fw01`, `fw01-mgmt`$/);
    const none = await service.handle('', MALLORY, () => new RecordingReporter());
    expect(none.kind === 'help' && none.text).toMatch(/Firewalls you may check: none/);
  });

  test('an unknown firewall and a forbidden one get the same answer, and both are audited as denied', async () => {
    await setup();
    const unknown = rejected(await service.handle('fw77', ALICE, () => new RecordingReporter()));
    const forbidden = rejected(await service.handle('fw09', ALICE, () => new RecordingReporter()));
    expect(forbidden.kind).toBe(unknown.kind);
    expect(forbidden.message.replace('fw09', 'X')).toBe(unknown.message.replace('fw77', 'X'));
    expect(forbidden.message).not.toMatch(/not allowed|forbidden|exists/i);
    expect(audit().filter((r) => r.event === 'denied').map((r) => r.firewall)).toEqual(['fw77', 'fw09']);
  });

  const INJECTIONS = [
    'fw01; execute reboot',
    'fw01\nexecute factoryreset',
    'fw01\rend',
    'fw01 vdom=root\nend',
    'fw01 vdom="root"',
    "fw01 vdom='root'",
    'fw01 vdom=root;execute',
    'fw01 peer=1.2.3.4;',
    'fw01 port=5060 port=5061',
    'fw01 level=-1 && diagnose sys kill 11 1',
    'fw01 level=$(reboot)',
    'fw01 seconds=999999999999',
    'fw01 execute',
    'fw01 end',
    `fw01 ${'a'.repeat(10_000)}`,
    'fw０1',
    'fw01\u200b',
    'fw01 vdom=röot',
    'fw01 peer=1.2.3.4\x1b[2J',
  ];
  test.each(INJECTIONS)('refuses %j with usage and sends nothing to the firewall', async (text) => {
    await setup();
    const error = rejected(await service.handle(text, ALICE, () => new RecordingReporter()));
    expect(['usage', 'unknown-firewall']).toContain(error.kind);
    expect(firewalls[0].sim.commandLog).toEqual([]);
  });

  test('one check per firewall: the second request is told who started the running one, and when', async () => {
    await setup();
    const first = started(await service.handle('fw01 seconds=3', ALICE, () => new RecordingReporter()));
    const busy = rejected(await service.handle('fw01', ALICE, () => new RecordingReporter()));
    expect(busy.kind).toBe('busy');
    expect(busy.message).toMatch(/already running.*U0TESTER.*\d{4}-\d\d-\d\dT/);
    // The same device under another name is the same debug session: refused too.
    expect(rejected(await service.handle('fw01-mgmt', ALICE, () => new RecordingReporter())).kind).toBe('busy');
    await first.done;
    await started(await service.handle('fw01-mgmt seconds=1', ALICE, () => new RecordingReporter())).done;
  });

  test('the global limit refuses checks beyond it, and a refusal does not count against the rate limit', async () => {
    await setup({ count: 2, maxConcurrent: 1, rate: { count: 2, windowSeconds: 600 } });
    const first = started(await service.handle('fw01 seconds=3', ALICE, () => new RecordingReporter()));
    expect(rejected(await service.handle('fw02', ALICE, () => new RecordingReporter())).kind).toBe('overloaded');
    await first.done;
    await started(await service.handle('fw02 seconds=1', ALICE, () => new RecordingReporter())).done;
    expect(rejected(await service.handle('fw02', ALICE, () => new RecordingReporter())).kind).toBe('rate-limited');
  });

  test('if the parent message cannot be posted, nothing runs and the firewall is free again', async () => {
    await setup();
    const error = rejected(await service.handle('fw01', ALICE, () => new RecordingReporter({ start: new Error('not_in_channel') })));
    expect(error.message).toMatch(/not_in_channel/);
    expect(firewalls[0].sim.commandLog).toEqual([]);
    await started(await service.handle('fw01 seconds=1', ALICE, () => new RecordingReporter())).done;
  });

  test('a finished check: audited start and end, remediation for allowed users only', async () => {
    await setup();
    const reporter = new RecordingReporter();
    const check = started(await service.handle('fw01 seconds=1', ALICE, () => reporter));
    await check.done;
    expect(reporter.finalResult?.verdict.handler).toBe('sip-alg');
    const records = audit();
    expect(records.find((r) => r.event === 'check-start')).toMatchObject({ checkId: check.checkId, userId: 'U0TESTER', channelId: 'C0OTHER', firewall: 'fw01' });
    expect(records.find((r) => r.event === 'check-end')).toMatchObject({ checkId: check.checkId, outcome: 'ok', verdict: 'sip-alg', debugReset: true });
    const remediation = service.remediation(check.checkId, ALICE);
    expect(remediation).toMatchObject({ kind: 'ok', firewall: 'fw01' });
    expect(remediation.kind === 'ok' && remediation.options.flatMap((o) => o.commands).join('\n')).toMatch(/config system settings/);
    expect(service.remediation(check.checkId, MALLORY)).toMatchObject({ kind: 'rejected' });
    expect(service.remediation('no-such-check', ALICE)).toMatchObject({ kind: 'rejected' });
  });

  test('shutdown stops a running capture, resets debug, and refuses new checks', async () => {
    await setup();
    const reporter = new RecordingReporter();
    const check = started(await service.handle('fw01 seconds=120', ALICE, () => reporter));
    while (!reporter.events.some((e) => e.type === 'progress' && e.update.phase === 'capturing')) await new Promise((r) => setTimeout(r, 50));
    await service.shutdown(10_000);
    await check.done;
    expect(isDebugClean(firewalls[0].sim.state)).toBe(true);
    expect(reporter.failure).toMatchObject({ debugReset: true });
    expect(reporter.failure?.error.kind).toBe('shutdown');
    expect(rejected(await service.handle('fw01', ALICE, () => new RecordingReporter())).kind).toBe('shutdown');
    expect(journal.open.size).toBe(0);
  });
});
