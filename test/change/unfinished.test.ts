import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { deviceKey, FirewallLocks } from '../../src/check/locks';
import { RateLimiter } from '../../src/check/rateLimit';
import { createCheckService, type CheckService } from '../../src/check/service';
import type { Requester } from '../../src/check/types';
import { ChangeDesk, type ChangeProposal } from '../../src/change/approvals';
import { readConfig, runChange, type ChangeDeps, type ChangeStep } from '../../src/change/engine';
import { entriesOf, FileChangeJournal, type ChangeJournal, type ChangeJournalEntry } from '../../src/change/journal';
import { CONFIG_READS, snapshotOf, type ConfigSnapshot } from '../../src/change/plan';
import { createChangeService } from '../../src/change/service';
import { loadAppConfig } from '../../src/config/env';
import type { FirewallEntry } from '../../src/config/types';
import { createCoordination } from '../../src/coordination';
import { COMMANDS } from '../../src/fortios/cli';
import type { Facts } from '../../src/verdict/facts';
import { decide } from '../../src/verdict/index';
import type { RemediationOption } from '../../src/verdict/types';
import { DEMO_SCENARIO, MemoryJournal, openerFor, PASSWORD_ENV, RecordingReporter, startFirewall, testLimits, TEST_PASSWORD, type SimulatedFirewall } from '../support/harness';

/**
 * A change cut mid-way (the simulator drops the connection on one approved line) leaves a journal entry. The next
 * check of that firewall (any mode) reads the unit with its own config reads, before any debug line, and says
 * whether the change is complete, partial or absent; a new change is refused over a partial one. Never re-applied.
 */

jest.setTimeout(60_000);

const WRITE_USER = 'sipcheck-rw';
const WRITE_PASSWORD = 'Wr1te-Acc0unt-Pa55!';
const WRITE_ENV = 'SIP_CHECK_TEST_WRITE_PASSWORD';
const TESTER: Requester = { userId: 'U0TESTER', channelId: 'C0NOC', adapter: 'slack' };
const APPROVER: Requester = { userId: 'U0APPROVER', channelId: 'C0NOC', adapter: 'slack' };
const MULTI_VDOM = join(__dirname, '..', '..', 'src', 'simulator', 'scenarios', 'fw-multi-vdom.txt');
const HAND_RESTORE = ['config system settings', 'set default-voip-alg-mode proxy-based', 'end'];

let fw: SimulatedFirewall;
let dir: string;
let entry: FirewallEntry;
let env: NodeJS.ProcessEnv;
let audit: AuditLog;
let journal: FileChangeJournal;
let locks: FirewallLocks;
let steps: ChangeStep[];
const services: CheckService[] = [];

async function setup(scenario = DEMO_SCENARIO): Promise<void> {
  fw = await startFirewall({ scenario });
  (fw.sim as unknown as { users: Array<{ username: string; password?: string; keys: unknown[] }> }).users.push({ username: WRITE_USER, password: WRITE_PASSWORD, keys: [] });
  dir = mkdtempSync(join(tmpdir(), 'sip-unfinished-'));
  entry = { ...fw.entry, remediation: { username: WRITE_USER, auth: { type: 'password', passwordEnv: WRITE_ENV }, approvers: { users: ['U0APPROVER'], userGroups: [] } } };
  env = { [PASSWORD_ENV]: TEST_PASSWORD, [WRITE_ENV]: WRITE_PASSWORD };
  audit = new AuditLog(join(dir, 'audit.log'), { secrets: [TEST_PASSWORD, WRITE_PASSWORD] });
  journal = new FileChangeJournal(join(dir, 'changes.json'));
  locks = new FirewallLocks();
  steps = [];
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown(5000)));
  await fw.sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const opener = () => openerFor({ ...fw, env }, testLimits());
const desk = () => new ChangeDesk({ now: () => new Date(), audit, env });
const changeDeps = (): ChangeDeps => ({ entry, env, limits: testLimits(), openSession: opener(), locks, journal, audit, now: () => new Date(), report: (s) => void steps.push(s) });

/** A check service as main.ts builds it; `changeJournal` null: as before change journals reached checks (none at all). */
function checks(changeJournal: ChangeJournal | null = journal): CheckService {
  const service = createCheckService({
    inventory: { source: 'test', firewalls: [entry] },
    limits: testLimits(),
    openSession: opener(),
    journal: new MemoryJournal(),
    ...(changeJournal ? { changeJournal } : {}),
    audit,
    rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
    locks,
    maxConcurrent: 2,
    log: () => undefined,
  });
  services.push(service);
  return service;
}

/** One check through the service; what the user was shown, and the check id. */
async function check(service: CheckService, text: string): Promise<{ reporter: RecordingReporter; checkId: string; lines: string[] }> {
  const reporter = new RecordingReporter();
  const from = fw.sim.commandLog.length;
  const o = await service.handle(text, TESTER, () => reporter);
  if (o.kind !== 'started') throw new Error(`expected a started check, got ${JSON.stringify(o)}`);
  await o.done;
  return { reporter, checkId: o.checkId, lines: fw.sim.commandLog.slice(from).map((c) => c.command) };
}

async function currentFacts(vdom = 'root'): Promise<Facts> {
  const session = await opener()(fw.entry);
  try {
    return (await readConfig(session, vdom)).facts;
  } finally {
    await session.close();
  }
}

async function approved(d: ChangeDesk, leadsTo?: string): Promise<ChangeProposal> {
  const basis = await currentFacts();
  const options = decide(basis).remediation;
  const option = (leadsTo ? options.find((o) => o.leadsTo === leadsTo) : options[0]) as RemediationOption;
  expect(option).toBeDefined();
  const proposed = d.propose(entry, option, basis, TESTER);
  if (proposed.kind !== 'ok') throw new Error(proposed.reason);
  const ok = d.approve(proposed.proposal.id, entry, APPROVER);
  if (ok.kind !== 'ok') throw new Error(ok.reason);
  return ok.proposal;
}

/** SIP ALG → session helper, cut by a dropped connection on `unset voip-profile`: system settings changed, policy 2 not. */
async function cutChange(): Promise<ChangeProposal> {
  fw.sim.setFaults({ dropOn: { command: 'unset voip-profile' } });
  const p = await approved(desk(), 'session-helper');
  const out = await runChange(p, changeDeps());
  expect(out.state).toBe('interrupted');
  expect(out.text).toContain(`the next check of fw01`);
  fw.sim.setFaults({ dropOn: undefined });
  expect((await journal.pending()).map((e) => e.changeId)).toEqual([p.id]);
  return p;
}

function auditLines(): Array<Record<string, string>> {
  return readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l: string) => JSON.parse(l));
}

describe('the next check of a firewall assesses a change cut mid-way', () => {
  it('partial: said in the check (normal and config-only), from its own reads, before any debug line; nothing re-applied; the entry stays', async () => {
    await setup();
    const p = await cutChange();
    const writes = fw.sim.state.configWrites.length;
    // What a check sends on this unit when there is nothing to assess (no change journal at all).
    const baseline = { config: (await check(checks(null), 'fw01 config')).lines, capture: (await check(checks(null), 'fw01 seconds=1')).lines };
    expect(auditLines().filter((r) => r.event === 'recovery')).toEqual([]);
    // When the check read the journal: how many lines the unit had received by then.
    let readAt = -1;
    const service = checks({ begin: (e) => journal.begin(e), finish: (id) => journal.finish(id), pending: async () => ((readAt = fw.sim.commandLog.length), journal.pending()) });
    for (const [mode, text] of [['config', 'fw01 config'], ['capture', 'fw01 seconds=1']] as const) {
      const from = fw.sim.commandLog.length;
      const { reporter, checkId, lines } = await check(service, text);
      const note = reporter.notes.find((n) => n.includes(p.id));
      expect(note).toMatch(new RegExp(`^Change ${p.id} on fw01, cut mid-way \\(begun \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\), is partial; still different from what it should leave \\(now → after the change\\):\\n• policy 2: `));
      expect(note).toContain('Restore from its backup or finish it by hand; the bot does not re-apply.');
      // One of the check's notes: in the card (Slack) or before the error; the terminal prints it.
      expect(reporter.finalResult?.notes).toContain(note);
      expect(reporter.finalResult?.changes).toEqual([expect.objectContaining({ changeId: p.id, state: 'partial', differences: [expect.stringMatching(/^policy 2: .*voip-profile/)] })]);
      // Judged from the check's own reads on a single-VDOM unit: not one line more than without a journal.
      expect(lines).toEqual(baseline[mode]);
      // Before any debug line: the journal was read once the config was, and nothing of debug had been sent yet.
      const before = lines.slice(0, readAt - from);
      expect(before).toContain(COMMANDS.firewallPolicy);
      expect(before.filter((l) => /^diag(nose)? debug/.test(l))).toEqual([]);
      if (mode === 'capture') expect(lines.slice(readAt - from)).toContain('diagnose debug enable');
      else expect(lines.filter((l) => /^diagnose debug/.test(l))).toEqual([]);
      const record = auditLines().filter((r) => r.event === 'recovery' && r.via === `check ${checkId}`);
      expect(record).toEqual([expect.objectContaining({ action: 'change', checkId: p.id, firewall: 'fw01', outcome: 'partial', userId: 'U0TESTER', message: note })]);
    }
    expect(fw.sim.state.configWrites.length).toBe(writes);
    expect((await journal.pending()).map((e) => e.changeId)).toEqual([p.id]);
  });

  it('complete (finished by hand): said, audited, the entry cleared; the next check says nothing of it', async () => {
    await setup();
    const p = await cutChange();
    fw.sim.configure(p.option.commands);
    const service = checks();
    const first = await check(service, 'fw01 config');
    expect(first.reporter.notes.find((n) => n.includes(p.id))).toMatch(/is complete: the configuration is what it should leave\. Its journal entry is cleared\.$/);
    expect(await journal.pending()).toEqual([]);
    expect(auditLines().filter((r) => r.event === 'recovery').map((r) => [r.checkId, r.outcome, r.via])).toEqual([[p.id, 'complete', `check ${first.checkId}`]]);
    const second = await check(service, 'fw01 config');
    expect(second.reporter.notes.filter((n) => n.includes(p.id))).toEqual([]);
    expect(second.reporter.finalResult?.changes).toBeUndefined();
  });

  it('absent (restored by hand): said, the entry cleared', async () => {
    await setup();
    const p = await cutChange();
    fw.sim.configure(HAND_RESTORE);
    const { reporter } = await check(checks(), 'fw01 config');
    expect(reporter.notes.find((n) => n.includes(p.id))).toMatch(/is absent: the configuration is as before it\. Its journal entry is cleared; nothing was re-applied/);
    expect(reporter.finalResult?.changes?.map((c) => c.state)).toEqual(['absent']);
    expect(await journal.pending()).toEqual([]);
  });

  it('an entry of another firewall is left alone, and the check sends exactly what it sends without a change journal', async () => {
    await setup();
    const other = { changeId: 'chg-0ther000', firewall: 'fw02', vdom: 'root', startedAt: '2026-12-06T02:00:00.000Z', commands: [], basis: { policies: {}, profiles: {}, sipHelpers: [] }, expected: { policies: {}, profiles: {}, sipHelpers: [] }, device: '10.9.9.9:22' };
    await journal.begin(other);
    const without = await check(checks(null), 'fw01 seconds=1');
    const withJournal = await check(checks(), 'fw01 seconds=1');
    expect(withJournal.lines).toEqual(without.lines);
    expect(withJournal.reporter.notes).toEqual(without.reporter.notes);
    expect(withJournal.reporter.finalResult?.changes).toBeUndefined();
    expect(await journal.pending()).toEqual([other]);
    expect(auditLines().filter((r) => r.event === 'recovery')).toEqual([]);
  });

  it('multi-VDOM: an entry of a VDOM the check did not read is read on the same session; a VDOM the unit does not list is never entered', async () => {
    await setup(MULTI_VDOM);
    const voice = snapshotOf(await currentFacts('voice'), 'voice');
    // A change of the voice VDOM that did not take at all (the unit is as its basis), and one of a VDOM since deleted.
    await journal.begin({ changeId: 'chg-v01ce000', firewall: 'fw01', vdom: 'voice', startedAt: '2026-12-06T02:00:00.000Z', commands: [], basis: voice, expected: { ...voice, mode: voice.mode === 'proxy-based' ? 'kernel-helper-based' : 'proxy-based' } });
    await journal.begin({ changeId: 'chg-1ab00000', firewall: 'fw01', vdom: 'lab', startedAt: '2026-12-06T02:05:00.000Z', commands: [], basis: voice, expected: voice });
    const { reporter, lines } = await check(checks(), 'fw01 vdom=root config');
    // The verdict is still of the VDOM asked for; the voice VDOM's config reads were made aside, after the check's.
    expect(reporter.finalResult?.verdict.vdoms.map((v) => v.name)).toEqual(['root']);
    const at = lines.indexOf('edit voice');
    expect(at).toBeGreaterThan(lines.indexOf('edit root'));
    expect(lines.slice(at + 1, at + 1 + CONFIG_READS.vdom.length)).toEqual([...CONFIG_READS.vdom]);
    expect(lines).not.toContain('edit lab');
    expect(lines.filter((l) => l === COMMANDS.systemStatus)).toHaveLength(1);
    expect(reporter.finalResult?.changes?.map((c) => [c.changeId, c.state])).toEqual([['chg-v01ce000', 'absent'], ['chg-1ab00000', 'unread']]);
    expect(reporter.notes.find((n) => n.includes('chg-1ab00000'))).toMatch(/\(VDOM lab\), cut mid-way .* could not be assessed: VDOM lab is not among the VDOMs the unit shows\. Its journal entry is kept/);
    expect((await journal.pending()).map((e) => e.changeId)).toEqual(['chg-1ab00000']);
    expect(fw.sim.state.configWrites).toEqual([]);
  });
});

describe('recovery without Redis', () => {
  it('a VDOM the check\'s account may not enter: the entry is unread (said, kept), and the check goes on to its verdict and capture', async () => {
    // fw-multi-vdom with an access profile that refuses `edit voice` (a read account limited to its own VDOM).
    const restricted = join(mkdtempSync(join(tmpdir(), 'sip-vdom-refused-')), 'fw-vdom-refused.txt');
    writeFileSync(restricted, readFileSync(MULTI_VDOM, 'utf8').replace('vdoms: [root, voice]\n', 'vdoms: [root, voice]\nrefusedCommands:\n  - edit voice\n'));
    await setup(restricted);
    await journal.begin({ changeId: 'chg-v01ce001', firewall: 'fw01', vdom: 'voice', startedAt: '2026-12-06T02:00:00.000Z', commands: [], basis: { policies: {}, profiles: {}, sipHelpers: [] }, expected: { mode: 'proxy-based', policies: {}, profiles: {}, sipHelpers: [] } });
    const { reporter, lines } = await check(checks(), 'fw01 vdom=root seconds=1');
    expect(reporter.notes.find((n) => n.includes('chg-v01ce001'))).toMatch(/\(VDOM voice\), cut mid-way .* could not be assessed: VDOM voice could not be read \([^)]+\)\. Its journal entry is kept/);
    // The check itself ran to its end: verdict, capture, debug reset.
    expect(reporter.finalResult?.verdict.vdoms.map((v) => v.name)).toEqual(['root']);
    expect(lines).toContain('diagnose debug enable');
    expect(reporter.finalResult?.capture.debugReset).toBe(true);
    expect((await journal.pending()).map((e) => e.changeId)).toEqual(['chg-v01ce001']);
  });

  it('at start-up: the change journal beside SIP_CHECK_JOURNAL is read, the unit assessed with the read-only account, logged and audited', async () => {
    await setup();
    const p = await cutChange();
    const logged: Array<{ level: string; message: string }> = [];
    const log = (level: string, message: string) => void logged.push({ level, message });
    const coordination = await createCoordination(loadAppConfig({ SIP_CHECK_JOURNAL: join(dir, 'journal.json') }), log);
    expect(await coordination.changeJournal.pending()).toEqual(await journal.pending());
    const writes = fw.sim.state.configWrites.length;
    const from = fw.sim.commandLog.length;
    await coordination.startRecovery({ inventory: { source: 'test', firewalls: [entry] }, openSession: opener(), audit, log, commandTimeoutMs: 3000 });
    expect(logged).toContainEqual({ level: 'warn', message: expect.stringMatching(new RegExp(`^Change ${p.id} on fw01, cut mid-way .* is partial`)) });
    expect(auditLines()).toContainEqual(expect.objectContaining({ event: 'recovery', action: 'change', checkId: p.id, outcome: 'partial', via: 'start-up' }));
    expect(fw.sim.state.configWrites.length).toBe(writes);
    expect(fw.sim.commandLog.slice(from).map((c) => c.command)).toEqual([COMMANDS.systemStatus, ...CONFIG_READS.global, ...CONFIG_READS.vdom, 'exit']);
    expect((await journal.pending()).map((e) => e.changeId)).toEqual([p.id]);
    await coordination.close();
  });
});

describe('no new change over an unfinished one', () => {
  it('the engine assesses first: refused while partial (what differs, nothing typed, audited); once finished by hand, cleared and applied', async () => {
    await setup();
    const p = await cutChange();
    const writes = fw.sim.state.configWrites.length;
    steps = [];
    const next = await approved(desk());
    const out = await runChange(next, changeDeps());
    expect(out.state).toBe('refused');
    expect(out.typed).toEqual([]);
    expect(out.text).toContain(`Refused: an earlier change of fw01 is unfinished. Change ${p.id} on fw01 was cut mid-way and is partial; still different from what it should leave (now → after the change):\n• policy 2: `);
    expect(out.text).toContain('Restore from its backup or finish it by hand; the bot does not re-apply.');
    expect(steps.map((s) => s.step)).toEqual(['refused']);
    expect(fw.sim.state.configWrites.length).toBe(writes);
    expect((await journal.pending()).map((e) => e.changeId)).toEqual([p.id]);
    const records = auditLines();
    expect(records).toContainEqual(expect.objectContaining({ event: 'change', action: 'unfinished', outcome: 'refused', checkId: next.id, message: `${p.id} partial` }));
    expect(records).toContainEqual(expect.objectContaining({ event: 'recovery', action: 'change', checkId: p.id, outcome: 'partial', via: `change ${next.id}`, userId: 'U0APPROVER' }));

    // Finished by hand: the next change finds it complete, clears it, says so, and goes on.
    fw.sim.configure(p.option.commands);
    steps = [];
    const back = await approved(desk(), 'sip-alg');
    const applied = await runChange(back, changeDeps());
    expect(applied.state).toBe('applied');
    expect(steps[0]).toEqual({ step: 'read', text: expect.stringMatching(new RegExp(`^Change ${p.id} on fw01, .* is complete`)) });
    expect(await journal.pending()).toEqual([]);
  });

  it('through the change service: a proposal approved after another was cut is refused; a new proposal is refused until a check finds it resolved', async () => {
    await setup();
    entry.allow = { users: ['U0TESTER', 'U0APPROVER'], userGroups: [], channels: [] };
    const service = checks();
    const changes = createChangeService({ inventory: { source: 'test', firewalls: [entry] }, env, limits: testLimits(), openSession: opener(), locks, journal, audit, checks: service });
    const { checkId } = await check(service, 'fw01 config');
    const one = await changes.propose(checkId, 1, TESTER);
    const two = await changes.propose(checkId, 2, TESTER);
    if (one.kind !== 'proposed' || two.kind !== 'proposed') throw new Error('expected two proposals');
    expect(one.proposal.option).toMatchObject({ leadsTo: 'session-helper' });

    fw.sim.setFaults({ dropOn: { command: 'unset voip-profile' } });
    const cut = await changes.approve(one.proposal.id, APPROVER, () => undefined);
    fw.sim.setFaults({ dropOn: undefined });
    expect(cut).toMatchObject({ kind: 'ran', outcome: { state: 'interrupted' } });
    const writes = fw.sim.state.configWrites.length;

    const said: ChangeStep[] = [];
    const refused = await changes.approve(two.proposal.id, APPROVER, (s) => void said.push(s));
    expect(refused).toMatchObject({ kind: 'ran', outcome: { state: 'refused', typed: [] } });
    expect(said.at(-1)).toEqual({ step: 'refused', text: expect.stringContaining(`Change ${one.proposal.id} on fw01 was cut mid-way and is partial`) });
    expect(said.at(-1)?.text).toContain('the bot does not re-apply');
    expect(fw.sim.state.configWrites.length).toBe(writes);

    // A new proposal is refused at once (no SSH): a check reads the unit first.
    const again = await changes.propose(checkId, 1, TESTER);
    expect(again).toEqual({ kind: 'refused', reason: expect.stringContaining(`An earlier change of fw01 (${one.proposal.id}) is still running, or was cut mid-way`) });
    expect(auditLines()).toContainEqual(expect.objectContaining({ event: 'change', action: 'propose', outcome: 'refused', userId: 'U0TESTER', message: `unfinished: ${one.proposal.id}` }));

    // Restored by hand from the backup: the next check finds it absent and clears it; proposals are taken again.
    fw.sim.configure(HAND_RESTORE);
    const after = await check(service, 'fw01 config');
    expect(after.reporter.finalResult?.changes?.map((c) => c.state)).toEqual(['absent']);
    expect(await changes.propose(after.checkId, 1, TESTER)).toMatchObject({ kind: 'proposed' });
  });
});

describe('which entries belong to a firewall', () => {
  const EMPTY_SNAPSHOT: ConfigSnapshot = { policies: {}, profiles: {}, sipHelpers: [] };
  const entry = (changeId: string, firewall: string, device?: string): ChangeJournalEntry => ({ changeId, firewall, vdom: 'root', startedAt: '2026-12-06T10:00:00.000Z', commands: [], basis: EMPTY_SNAPSHOT, expected: EMPTY_SNAPSHOT, ...(device ? { device } : {}) });
  const branchA = { name: 'branch-a', host: '192.168.1.1', port: 22, via: [{ host: '10.0.0.1', port: 22 }] };
  const branchB = { name: 'branch-b', host: '192.168.1.1', port: 22, via: [{ host: '10.0.0.2', port: 22 }] };

  it('by name, or by the device (jump hops and address) recorded: one private address behind two bastions is two devices', () => {
    const entries = [entry('chg-aaaaaaaa', 'branch-a', deviceKey(branchA)), entry('chg-bbbbbbbb', 'branch-b', deviceKey(branchB)), entry('chg-cccccccc', 'old-name-of-a', deviceKey(branchA))];
    expect(entriesOf(entries, branchA).map((e) => e.changeId)).toEqual(['chg-aaaaaaaa', 'chg-cccccccc']);
    expect(entriesOf(entries, branchB).map((e) => e.changeId)).toEqual(['chg-bbbbbbbb']);
    // The same address reached directly is a third device.
    expect(entriesOf(entries, { name: 'lab', host: '192.168.1.1', port: 22 })).toEqual([]);
  });
});
