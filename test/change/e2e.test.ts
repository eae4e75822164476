import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { FirewallLocks } from '../../src/check/locks';
import type { Requester } from '../../src/check/types';
import { ChangeDesk, type ChangeProposal } from '../../src/change/approvals';
import { readConfig, runChange, type ChangeDeps, type ChangeStep } from '../../src/change/engine';
import { recoverUnfinishedChanges } from '../../src/change/recovery';
import { FileChangeJournal } from '../../src/change/journal';
import { writeViolation } from '../../src/change/plan';
import type { FirewallEntry } from '../../src/config/types';
import { readOnlyViolation } from '../../src/fortios/readOnly';
import type { Facts } from '../../src/verdict/facts';
import { decide } from '../../src/verdict/index';
import type { RemediationOption } from '../../src/verdict/types';
import { openerFor, PASSWORD_ENV, startFirewall, testLimits, TEST_PASSWORD, type SimulatedFirewall } from '../support/harness';

/**
 * Issue 24 end to end on the ssh2 simulator: a unit on the SIP ALG goes to the session helper and back through
 * proposal, approval by a second person, re-read, backup, apply with the write account, config-only verification
 * and (when it goes wrong) rollback. One row per fault: drop mid-apply, CLI error, concurrent change, wrong
 * approver, expired approval; plus a change that silently does not take (verification fails → rollback).
 */

const WRITE_USER = 'sipcheck-rw';
const WRITE_PASSWORD = 'Wr1te-Acc0unt-Pa55!';
const WRITE_ENV = 'SIP_CHECK_TEST_WRITE_PASSWORD';
const PROPOSER: Requester = { userId: 'U0PROPOSER', channelId: 'C0NOC', adapter: 'slack' };
const APPROVER: Requester = { userId: 'U0APPROVER', channelId: 'C0NOC', adapter: 'slack' };
const GROUP_MEMBER: Requester = { userId: 'U0NETOPS1', channelId: 'C0NOC', userGroups: ['S0NETOPS'], adapter: 'slack' };
const MALLORY: Requester = { userId: 'U0MALLORY', channelId: 'C0NOC', adapter: 'slack' };

let fw: SimulatedFirewall;
let dir: string;
let entry: FirewallEntry;
let env: NodeJS.ProcessEnv;
let clock: Date;
let audit: AuditLog;
let journal: FileChangeJournal;
let steps: ChangeStep[];

beforeEach(async () => {
  fw = await startFirewall();
  // The write account is a user of its own on the unit; checks keep logging in as `admin`.
  (fw.sim as unknown as { users: Array<{ username: string; password?: string; keys: unknown[] }> }).users.push({ username: WRITE_USER, password: WRITE_PASSWORD, keys: [] });
  dir = mkdtempSync(join(tmpdir(), 'sip-change-'));
  entry = { ...fw.entry, remediation: { username: WRITE_USER, auth: { type: 'password', passwordEnv: WRITE_ENV }, approvers: { users: ['U0APPROVER'], userGroups: ['S0NETOPS'] } } };
  env = { [PASSWORD_ENV]: TEST_PASSWORD, [WRITE_ENV]: WRITE_PASSWORD };
  clock = new Date('2026-12-06T02:00:00Z');
  audit = new AuditLog(join(dir, 'audit.log'), { secrets: [TEST_PASSWORD, WRITE_PASSWORD], now: () => clock });
  journal = new FileChangeJournal(join(dir, 'changes.json'));
  steps = [];
});

afterEach(async () => {
  await fw.sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const opener = () => openerFor({ ...fw, env }, testLimits());
const desk = () => new ChangeDesk({ now: () => clock, audit, env });

function deps(): ChangeDeps {
  return { entry, env, limits: testLimits(), openSession: opener(), locks: new FirewallLocks(), journal, audit, now: () => clock, report: (s) => void steps.push(s) };
}

/** The proposal basis: what a config-only check of the unit reads now, with the read-only account. */
async function currentFacts(): Promise<Facts> {
  const session = await opener()(fw.entry);
  try {
    return (await readConfig(session, 'root')).facts;
  } finally {
    await session.close();
  }
}

async function handlerNow(): Promise<string> {
  return decide(await currentFacts()).handler;
}

async function approved(d: ChangeDesk, leadsTo: string): Promise<ChangeProposal> {
  const basis = await currentFacts();
  const option = decide(basis).remediation.find((o) => o.leadsTo === leadsTo) as RemediationOption;
  expect(option).toBeDefined();
  const proposed = d.propose(entry, option, basis, PROPOSER);
  if (proposed.kind !== 'ok') throw new Error(proposed.reason);
  const ok = d.approve(proposed.proposal.id, entry, APPROVER);
  if (ok.kind !== 'ok') throw new Error(ok.reason);
  return ok.proposal;
}

function auditLines(): Array<Record<string, string>> {
  return readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l: string) => JSON.parse(l));
}

function writeUserLines(): string[] {
  return fw.sim.commandLog.map((c) => c.command);
}

describe('an approved change, end to end on the simulator', () => {
  it('ALG → session helper → back to the ALG: proposal, two keys, re-read, backup, apply, verify', async () => {
    expect(await handlerNow()).toBe('sip-alg');
    const d = desk();
    const basis = await currentFacts();
    const toHelper = decide(basis).remediation.find((o) => o.leadsTo === 'session-helper') as RemediationOption;
    const proposed = d.propose(entry, toHelper, basis, PROPOSER);
    expect(proposed.kind).toBe('ok');
    const id = proposed.kind === 'ok' ? proposed.proposal.id : '';
    // The proposer cannot approve; someone outside the approvers is refused; a member of the approvers' group can.
    expect(d.approve(id, entry, PROPOSER)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('cannot approve') });
    expect(d.approve(id, entry, MALLORY)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('not among the approvers') });
    const ok = d.approve(id, entry, GROUP_MEMBER);
    expect(ok.kind).toBe('ok');

    const before = fw.sim.commandLog.length;
    const out = await runChange((ok as { proposal: ChangeProposal }).proposal, deps());
    expect(out).toMatchObject({ state: 'applied', handler: 'session-helper' });
    expect(out.typed).toEqual(toHelper.commands);
    expect(await handlerNow()).toBe('session-helper');
    // What the unit received during the change: the read-only allow-list plus exactly the approved lines.
    const received = writeUserLines().slice(before);
    for (const line of received) expect(writeViolation(line, toHelper.commands, { vdoms: [] })).toBeNull();
    expect(received.filter((l) => readOnlyViolation(l, { vdoms: [] }) !== null)).toEqual(toHelper.commands.map((l) => l.trim()).filter((l) => l !== 'end'));
    const backup = steps.find((s) => s.step === 'backup');
    expect(backup?.file?.content).toContain('show full-configuration system settings');
    expect(backup?.file?.content).toMatch(/set default-voip-alg-mode proxy-based/);
    expect(steps.map((s) => s.step)).toEqual(['read', 'backup', 'apply', 'done']);

    // And back: a new proposal from the new verdict leads to the ALG again.
    const back = await approved(d, 'sip-alg');
    expect(await runChange(back, deps())).toMatchObject({ state: 'applied', handler: 'sip-alg' });
    expect(await handlerNow()).toBe('sip-alg');

    const records = auditLines().filter((r) => r.event === 'change');
    expect(records.map((r) => r.action)).toEqual(expect.arrayContaining(['propose', 'approve', 'connect', 'backup', 'apply-line', 'verify', 'end']));
    expect(records.find((r) => r.action === 'approve' && r.outcome === 'approved')?.userId).toBe('U0NETOPS1');
    expect(records.filter((r) => r.action === 'approve' && r.outcome === 'refused').map((r) => r.userId)).toEqual(['U0PROPOSER', 'U0MALLORY']);
    const raw = readFileSync(join(dir, 'audit.log'), 'utf8') as string;
    expect(raw).not.toContain(WRITE_PASSWORD);
    expect(raw).not.toContain(TEST_PASSWORD);
    expect(await journal.pending()).toEqual([]);
  });

  it('a line that silently does not take: verification fails, rollback from the backup, rollback verified', async () => {
    fw.sim.setFaults({ ignoreOn: 'unset voip-profile' });
    const p = await approved(desk(), 'session-helper');
    const out = await runChange(p, deps());
    expect(out.state).toBe('rolled-back');
    expect(out.text).toContain('not the promised SIP session helper');
    expect(out.text).toContain('Rolled back and verified');
    expect(out.typed).toContain('set default-voip-alg-mode proxy-based');
    expect(await handlerNow()).toBe('sip-alg');
    expect(await journal.pending()).toEqual([]);
  });

  it('a CLI error on one line stops at once and rolls back', async () => {
    fw.sim.setFaults({ cliErrorOn: 'unset voip-profile' });
    const p = await approved(desk(), 'session-helper');
    const out = await runChange(p, deps());
    expect(out.state).toBe('rolled-back');
    expect(out.text).toContain('`unset voip-profile` failed: command parse error');
    // Nothing after the failing line was typed from the approved lines.
    const i = out.typed.indexOf('        unset voip-profile');
    expect(out.typed.slice(i + 1).filter((l) => p.option.commands.includes(l) && l.trim() !== 'end' && l.trim() !== 'next')).not.toContain('next');
    expect(await handlerNow()).toBe('sip-alg');
    const settings = (await currentFacts()).vdoms[0].settings;
    expect(settings?.defaultVoipAlgMode).toBe('proxy-based');
  });

  it('a drop mid-apply leaves a journal entry; recovery says partial and re-applies nothing', async () => {
    fw.sim.setFaults({ dropOn: { command: 'unset voip-profile' } });
    const p = await approved(desk(), 'session-helper');
    const out = await runChange(p, deps());
    expect(out.state).toBe('interrupted');
    expect(out.text).toContain('journal entry is kept');
    expect((await journal.pending()).map((e) => e.changeId)).toEqual([p.id]);
    fw.sim.setFaults({ dropOn: undefined });
    const writesBefore = fw.sim.state.configWrites.length;
    const assessed = await recoverUnfinishedChanges({ journal, inventory: { source: 'test', firewalls: [fw.entry] }, openSession: opener(), audit, log: () => undefined, locks: new FirewallLocks(), via: 'start-up' });
    expect(assessed).toEqual([expect.objectContaining({ changeId: p.id, state: 'partial', text: expect.stringContaining('policy 2') })]);
    expect(fw.sim.state.configWrites.length).toBe(writesBefore);
    expect(auditLines().some((r) => r.event === 'recovery' && r.outcome === 'partial')).toBe(true);
  });

  it('a concurrent change between proposal and apply: stops, says what changed, types nothing', async () => {
    const p = await approved(desk(), 'session-helper');
    fw.sim.configure(['config firewall policy', 'edit 2', 'set inspection-mode flow', 'next', 'end']);
    const writes = fw.sim.state.configWrites.length;
    const out = await runChange(p, deps());
    expect(out.state).toBe('stopped');
    expect(out.text).toContain('policy 2:');
    expect(out.text).toMatch(/inspection-mode proxy.*→.*inspection-mode flow/);
    expect(out.typed).toEqual([]);
    expect(fw.sim.state.configWrites.length).toBe(writes);
  });

  it('an expired approval is refused, and an unapproved proposal types nothing', async () => {
    const d = desk();
    const basis = await currentFacts();
    const option = decide(basis).remediation[0];
    const proposed = d.propose(entry, option, basis, PROPOSER);
    const id = proposed.kind === 'ok' ? proposed.proposal.id : '';
    clock = new Date(clock.getTime() + 16 * 60 * 1000);
    expect(d.approve(id, entry, APPROVER)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('15 minutes') });
    const out = await runChange(d.get(id) as ChangeProposal, deps());
    expect(out).toMatchObject({ state: 'refused', typed: [] });
    expect(fw.sim.state.configWrites).toEqual([]);
  });

  it('a firewall without `remediation:` (or without its write credential) cannot be proposed a change', async () => {
    const basis = await currentFacts();
    const option = decide(basis).remediation[0];
    const d = desk();
    expect(d.propose(fw.entry, option, basis, PROPOSER)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('does not allow changes') });
    const noCred = new ChangeDesk({ now: () => clock, audit, env: { [PASSWORD_ENV]: TEST_PASSWORD } });
    expect(noCred.propose(entry, option, basis, PROPOSER)).toMatchObject({ kind: 'refused', reason: expect.stringContaining(WRITE_ENV) });
  });
});

describe('the write allow-list', () => {
  const approvedLines = ['config system settings', '    set default-voip-alg-mode kernel-helper-based', 'end'];
  it.each([
    'set default-voip-alg-mode proxy-based',
    'config system admin',
    'set password x',
    'config system session-helper',
    'delete 13',
    'execute reboot',
    'diagnose sys session clear',
    'set default-voip-alg-mode kernel-helper-based\x03',
  ])('refuses %j: not approved, not a read', (line) => {
    expect(writeViolation(line, approvedLines, { vdoms: [] })).not.toBeNull();
  });
  it('allows the approved lines and the reads', () => {
    for (const line of [...approvedLines, 'show full-configuration system settings', 'get system status']) expect(writeViolation(line, approvedLines, { vdoms: [] })).toBeNull();
  });
});
