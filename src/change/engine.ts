import type { CheckLimits, FirewallEntry } from '../config/types';
import { deviceKey, type DeviceLocks } from '../check/locks';
import type { SessionOpener } from '../check/run';
import { chatErrorSummary, toCheckError } from '../errors';
import { COMMANDS, vdomModeIsMulti } from '../fortios/cli';
import { parseConfig, tokenizeConfigLine } from '../fortios/configParser';
import { parseSystemStatus } from '../fortios/parsers';
import type { CommandResult, FortiSession } from '../fortigate/types';
import { applyCliLines, configOnly } from '../verdict/applyCli';
import { decide, HANDLER_LABEL } from '../verdict/decide';
import { readFacts, type Facts } from '../verdict/facts';
import type { OverallHandler } from '../verdict/types';
import { changeAccess, writeEntry } from './access';
import type { ChangeAudit, ChangeProposal } from './approvals';
import type { ChangeJournal } from './journal';
import { CONFIG_READS, assessChange, backupCommand, inverseLines, pathId, snapshotDiff, snapshotOf, touchedPaths, writeViolation, type TouchedPath } from './plan';

/**
 * Applies one approved change (issue 24): under the firewall's lock (the same lock as checks: never while a check
 * captures), with the write account, on one SSH session:
 *   re-read the affected config and stop if it moved since the proposal → back up every touched path →
 *   journal → type exactly the approved lines (write allow-list) → verify with a config-only check →
 *   on a CLI error or a wrong handler, roll back with the inverse lines computed from the backup and verify that.
 * Every step is reported (the thread or the terminal) and audited with the user ids. Secrets never appear.
 */

export type { ChangeAudit } from './approvals';

export interface ChangeStep {
  step: 'read' | 'stopped' | 'backup' | 'apply' | 'verify' | 'rollback' | 'done' | 'interrupted' | 'refused';
  text: string;
  /** The backup, attached before anything is typed. */
  file?: { name: string; content: string };
}

export interface ChangeDeps {
  entry: FirewallEntry;
  env: NodeJS.ProcessEnv;
  limits: CheckLimits;
  openSession: SessionOpener;
  locks: DeviceLocks;
  journal: ChangeJournal;
  audit: ChangeAudit;
  now: () => Date;
  report: (step: ChangeStep) => void | Promise<void>;
}

export type ChangeState = 'applied' | 'stopped' | 'rolled-back' | 'rollback-failed' | 'interrupted' | 'refused';

export interface ChangeOutcome {
  state: ChangeState;
  /** The VDOM's handler after the change (config only), when verified. */
  handler?: OverallHandler;
  text: string;
  /** Lines typed, in order (approved lines, then any rollback). */
  typed: string[];
}

/** Config-only read of one VDOM (and the global helper table): the check's config reads, no diagnose, no debug. */
export async function readConfig(session: FortiSession, vdom: string): Promise<{ facts: Facts; multiVdom: boolean }> {
  const outputs: CommandResult[] = [];
  const run = async (command: string) => {
    const r = await session.run(command);
    outputs.push(r);
    return r;
  };
  const status = parseSystemStatus((await run(COMMANDS.systemStatus)).output);
  const multiVdom = vdomModeIsMulti(status.vdomMode);
  if (multiVdom) {
    await session.enterGlobal();
    for (const c of CONFIG_READS.global) await run(c);
    await session.leaveContext();
    await session.enterVdom(vdom);
    for (const c of CONFIG_READS.vdom) await run(c);
    await session.leaveContext();
  } else {
    for (const c of [...CONFIG_READS.global, ...CONFIG_READS.vdom]) await run(c);
  }
  return { facts: configOnly(readFacts(outputs)), multiVdom };
}

/** How many `end`s close the blocks the typed lines left open (an `edit` closes with its block's `end`). */
function openBlocks(lines: readonly string[]): number {
  const stack: Array<'config' | 'edit' | 'picker' | 'vdom'> = [];
  for (const line of lines) {
    const [verb, arg] = tokenizeConfigLine(line.trim());
    const top = stack[stack.length - 1];
    if (verb === 'config') stack.push(arg === 'vdom' && stack.length === 0 ? 'picker' : 'config');
    else if (verb === 'edit') {
      if (top === 'picker') stack[stack.length - 1] = 'vdom';
      else stack.push('edit');
    } else if (verb === 'next' && top === 'edit') stack.pop();
    else if (verb === 'end') {
      if (top === 'edit') stack.pop();
      stack.pop();
    }
  }
  return stack.filter((f) => f !== 'edit').length;
}

async function enter(session: FortiSession, p: TouchedPath, multiVdom: boolean): Promise<void> {
  if (!multiVdom || p.context === null) return;
  if (p.context === 'global') await session.enterGlobal();
  else await session.enterVdom(p.context);
}

export async function runChange(proposal: ChangeProposal, deps: ChangeDeps): Promise<ChangeOutcome> {
  const { entry } = deps;
  const option = proposal.option;
  const typed: string[] = [];
  const audit = (action: string, outcome: string, message?: string) =>
    deps.audit.record({ event: 'change', action, outcome, checkId: proposal.id, userId: proposal.approvedBy ?? proposal.proposedBy, firewall: entry.name, vdom: option.vdom, ...(message ? { message } : {}) });
  const say = async (step: ChangeStep) => {
    try {
      await deps.report(step);
    } catch {
      // Reporting is best effort: the change itself must finish its steps (rollback above all).
    }
  };
  const finish = async (state: ChangeState, text: string, handler?: OverallHandler): Promise<ChangeOutcome> => {
    audit('end', state, text);
    await say({ step: state === 'applied' ? 'done' : state === 'interrupted' ? 'interrupted' : state === 'refused' ? 'refused' : state === 'stopped' ? 'stopped' : 'rollback', text });
    return { state, text, typed, ...(handler ? { handler } : {}) };
  };

  if (proposal.state !== 'approved' || !proposal.approvedBy) return finish('refused', 'This change is not approved: nothing was typed.');
  const access = changeAccess(entry, deps.env);
  if (!access.ok) return finish('refused', access.reason);

  const lease = await deps.locks.tryAcquire(deviceKey(entry), { requestedBy: proposal.approvedBy, startedAt: deps.now(), checkId: proposal.id });
  if ('busy' in lease) return finish('refused', `${entry.name} is busy (${lease.busy.checkId} by <@${lease.busy.requestedBy}>): one check or change at a time. Nothing was typed; try again when it ends.`);
  let session: FortiSession | undefined;
  let journaled = false;
  try {
    session = await deps.openSession(writeEntry(entry));
    audit('connect', 'ok', `as the write account of ${entry.name}`);

    // 1. The config the proposal was based on must still be there.
    const before = await readConfig(session, option.vdom);
    const moved = snapshotDiff(snapshotOf(proposal.basis, option.vdom), snapshotOf(before.facts, option.vdom));
    if (moved.length) {
      return await finish('stopped', `Stopped before typing anything: the configuration of ${entry.name} changed since the proposal:\n${moved.map((m) => `• ${m}`).join('\n')}\nCheck again and propose anew.`);
    }
    await say({ step: 'read', text: 'The configuration is as it was when the change was proposed.' });

    if (proposal.kind === 'clear-sessions') {
      for (const line of option.commands) {
        const why = writeViolation(line, option.commands, { vdoms: [option.vdom] });
        if (why) return await finish('refused', `Refused \`${line}\`: ${why}. Nothing more was typed.`);
      }
      for (const line of option.commands) {
        await lease.lease.confirm();
        typed.push(line);
        const r = await session.run(line);
        audit('apply-line', r.error ? 'cli-error' : 'ok', line);
        if (r.error) return await finish('stopped', `\`${line}\` failed: ${r.error.text}`);
      }
      return await finish('applied', `SIP sessions cleared in ${before.multiVdom ? `VDOM ${option.vdom}` : entry.name}.`);
    }

    // 2. Backup of every path the lines write.
    const paths = touchedPaths(option.commands);
    const backups = new Map<string, string>();
    for (const p of paths) {
      await enter(session, p, before.multiVdom);
      const r = await session.run(backupCommand(p));
      await session.leaveContext();
      if (r.error) return await finish('stopped', `The backup \`${backupCommand(p)}\` failed (${r.error.text}): nothing was typed.`);
      // No backup, no change: the rollback is computed from it.
      if (!parseConfig(r.output).root.tables[p.path]) return await finish('stopped', `The backup \`${backupCommand(p)}\` printed no \`config ${p.path}\` block: nothing was typed.`);
      backups.set(pathId(p), r.output);
    }
    const backupText = paths.map((p) => `# ${p.context ?? 'top level'}: ${backupCommand(p)}\n${backups.get(pathId(p))}`).join('\n\n');
    await say({ step: 'backup', text: `Backup of ${paths.map((p) => `\`${p.path}\`${p.context ? ` (${p.context})` : ''}`).join(', ')} attached.`, file: { name: `${entry.name}-${proposal.id}-backup.conf`, content: backupText } });
    audit('backup', 'ok', paths.map(pathId).join(', '));

    // 3. Exactly the approved lines, and for a rollback their inverse; any other line is refused before it is sent.
    const inverse = inverseLines(option.commands, backups, before.multiVdom);
    const allowed = [...option.commands, ...inverse, 'end'];
    for (const line of option.commands) {
      const why = writeViolation(line, option.commands, { vdoms: [option.vdom] });
      if (why) return await finish('refused', `Refused \`${line}\`: ${why}. Nothing was typed.`);
    }
    const expected = applyCliLines(proposal.basis, option.commands);
    if (!expected.ok) return await finish('refused', `The lines do not apply to the configuration read (${expected.error.reason}): nothing was typed.`);
    // The device's lock must still be ours (with Redis, a lease can be lost): checked before the first write and
    // before each line, so no line is typed while another replica may hold the unit.
    await lease.lease.confirm();
    await deps.journal.begin({ changeId: proposal.id, firewall: entry.name, vdom: option.vdom, startedAt: deps.now().toISOString(), commands: option.commands, basis: snapshotOf(proposal.basis, option.vdom), expected: snapshotOf(expected.facts, option.vdom) });
    journaled = true;

    const sent: string[] = [];
    let failure: string | undefined;
    for (const line of option.commands) {
      await lease.lease.confirm();
      typed.push(line);
      sent.push(line);
      const r = await session.run(line);
      audit('apply-line', r.error ? 'cli-error' : 'ok', line);
      if (r.error) {
        failure = `\`${line.trim()}\` failed: ${r.error.text}`;
        break;
      }
    }
    if (!failure) await say({ step: 'apply', text: `Applied ${option.commands.length} lines.` });

    // 4. Verify with a config-only check.
    let after: Facts | undefined;
    if (!failure) {
      await session.leaveContext().catch(() => undefined);
      after = (await readConfig(session, option.vdom)).facts;
      const handler = decide(after).vdoms.find((v) => v.name === option.vdom)?.handler;
      audit('verify', handler === (option as { leadsTo?: string }).leadsTo ? 'ok' : 'wrong-handler', String(handler));
      if (handler === (option as { leadsTo?: string }).leadsTo) {
        await deps.journal.finish(proposal.id);
        journaled = false;
        return await finish('applied', `Verified: a config-only check now gives the ${HANDLER_LABEL[handler as OverallHandler]}${before.multiVdom ? ` in VDOM ${option.vdom}` : ''}. Calls already up keep their old handler until their SIP sessions are cleared (a separate step).`, handler);
      }
      failure = `verification gave ${HANDLER_LABEL[handler ?? 'unknown']}, not the promised ${HANDLER_LABEL[(option as { leadsTo: OverallHandler }).leadsTo]}`;
    }
    await say({ step: 'verify', text: `${failure}: rolling back with the inverse lines computed from the backup.` });

    // 5. Rollback: close what the failed line left open, then the inverse lines.
    for (let i = openBlocks(sent); i > 0; i--) {
      typed.push('end');
      await session.run('end');
    }
    for (const line of inverse) {
      const why = writeViolation(line, allowed, { vdoms: [option.vdom] });
      if (why) return await finish('rollback-failed', `Rollback refused \`${line}\`: ${why}. The journal entry is kept.`);
      typed.push(line);
      const r = await session.run(line);
      audit('rollback-line', r.error ? 'cli-error' : 'ok', line);
    }
    await session.leaveContext().catch(() => undefined);
    const restored = (await readConfig(session, option.vdom)).facts;
    const left = snapshotDiff(snapshotOf(proposal.basis, option.vdom), snapshotOf(restored, option.vdom));
    if (left.length) return await finish('rollback-failed', `${failure}. The rollback did not restore the backup:\n${left.map((l) => `• ${l}`).join('\n')}\nThe journal entry is kept; restore from the attached backup.`);
    await deps.journal.finish(proposal.id);
    journaled = false;
    const handler = decide(restored).vdoms.find((v) => v.name === option.vdom)?.handler;
    return await finish('rolled-back', `${failure}. Rolled back and verified: the configuration is as in the backup (${HANDLER_LABEL[handler ?? 'unknown']}).`, handler);
  } catch (e) {
    const err = toCheckError(e);
    // The whole message (addresses, users, fingerprints) goes to the audit log; the thread gets the summary.
    audit('error', err.kind, err.message);
    if (journaled) {
      return await finish('interrupted', `The change was cut (${chatErrorSummary(err)}). A journal entry is kept: at its next start the bot reads ${entry.name} and says whether the change is complete, partial or absent; a config-only check (\`/sip-check ${entry.name} config\`) shows the unit now. Nothing is re-applied.`);
    }
    return await finish('stopped', `Stopped before typing any change (${chatErrorSummary(err)}).`);
  } finally {
    await session?.close();
    await lease.lease.release();
  }
}

/** After a cut: reads the unit and says, for each journal entry of this firewall, whether the change is in place. */
export async function assessPendingChanges(deps: Pick<ChangeDeps, 'entry' | 'openSession' | 'journal' | 'audit'>): Promise<Array<{ changeId: string; state: 'complete' | 'partial' | 'absent'; text: string }>> {
  const pending = deps.journal.pending().filter((e) => e.firewall === deps.entry.name);
  if (!pending.length) return [];
  const session = await deps.openSession(deps.entry);
  try {
    const out: Array<{ changeId: string; state: 'complete' | 'partial' | 'absent'; text: string }> = [];
    for (const j of pending) {
      const now = snapshotOf((await readConfig(session, j.vdom)).facts, j.vdom);
      const a = assessChange(j.basis, j.expected, now);
      const text =
        a.state === 'complete' ? `Change ${j.changeId} on ${j.firewall} is complete: the configuration is what it should leave.`
        : a.state === 'absent' ? `Change ${j.changeId} on ${j.firewall} is absent: the configuration is as before it. Nothing was re-applied; propose it again if still wanted.`
        : `Change ${j.changeId} on ${j.firewall} is partial; still different from what it should leave:\n${a.differences.map((d) => `• ${d}`).join('\n')}\nNothing was re-applied: restore from its backup or finish it by hand.`;
      deps.audit.record({ event: 'recovery', action: 'change', checkId: j.changeId, firewall: j.firewall, outcome: a.state, message: text });
      if (a.state !== 'partial') await deps.journal.finish(j.changeId);
      out.push({ changeId: j.changeId, state: a.state, text });
    }
    return out;
  } finally {
    await session.close();
  }
}

