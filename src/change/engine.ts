import type { CheckLimits, FirewallEntry } from '../config/types';
import { deviceKey, type DeviceLocks } from '../check/locks';
import type { SessionOpener } from '../check/run';
import { chatErrorSummary, toCheckError } from '../errors';
import { parseConfig, tokenizeConfigLine } from '../fortios/configParser';
import type { FortiSession } from '../fortigate/types';
import { applyCliLines } from '../verdict/applyCli';
import { decide, HANDLER_LABEL } from '../verdict/decide';
import type { Facts } from '../verdict/facts';
import type { OverallHandler } from '../verdict/types';
import { changeAccess, writeEntry } from './access';
import type { ChangeAudit, ChangeProposal } from './approvals';
import { assessEntries, readConfig, unitOf } from './assess';
import { entriesOf, type ChangeJournal } from './journal';
import { backupCommand, inverseLines, pathId, snapshotDiff, snapshotOf, touchedPaths, writeViolation, type TouchedPath } from './plan';

export { readConfig } from './assess';

/**
 * Applies one approved change (issue 24): under the firewall's lock (the same lock as checks: never while a check
 * captures), with the write account, on one SSH session:
 *   re-read the affected config → assess any earlier change of this firewall left in the journal (cut mid-way) and
 *   refuse while one is partial → stop if the config moved since the proposal → back up every touched path →
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
  /**
   * The change is done (verified, or rolled back and verified): its journal entry goes. If the journal cannot be
   * written (Redis gone), the outcome stands and the entry stays: the next check finds the change complete (or
   * absent) and clears it. Returns what to add to the message.
   */
  const clearJournal = async (): Promise<string> => {
    journaled = false;
    try {
      await deps.journal.finish(proposal.id);
      return '';
    } catch (e) {
      audit('journal', 'error', toCheckError(e).message);
      return ` (Its journal entry could not be cleared: ${chatErrorSummary(toCheckError(e))}; the next check of ${entry.name} clears it.)`;
    }
  };
  try {
    session = await deps.openSession(writeEntry(entry));
    audit('connect', 'ok', `as the write account of ${entry.name}`);

    const before = await readConfig(session, option.vdom);

    // 1. No new change over an unfinished one: an earlier change of this firewall cut mid-way is judged from the unit
    // first. Complete or absent: cleared, and this one goes on. Partial (or unreadable): refused, nothing typed.
    const earlier = entriesOf(await deps.journal.pending(), entry).filter((e) => e.changeId !== proposal.id);
    if (earlier.length) {
      const found = await assessEntries(earlier, unitOf(session, before), { journal: deps.journal, audit: deps.audit, via: `change ${proposal.id}`, userId: proposal.approvedBy });
      for (const f of found) if (f.state === 'complete' || f.state === 'absent') await say({ step: 'read', text: f.text });
      const blocking = found.filter((f) => f.state === 'partial' || f.state === 'unread');
      if (blocking.length) {
        audit('unfinished', 'refused', blocking.map((f) => `${f.changeId} ${f.state}`).join(', '));
        const why = blocking.map((f) =>
          f.state === 'partial'
            ? `Change ${f.changeId} on ${f.firewall} was cut mid-way and is partial; still different from what it should leave (now → after the change):\n${f.differences.map((d) => `• ${d}`).join('\n')}`
            : f.text,
        );
        return await finish('refused', `Refused: an earlier change of ${entry.name} is unfinished. ${why.join('\n')}\nRestore from its backup or finish it by hand; the bot does not re-apply. Nothing of ${proposal.id} was typed; propose it again once a check finds the earlier change complete or absent.`);
      }
    }

    // 2. The config the proposal was based on must still be there.
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

    // 3. Backup of every path the lines write.
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

    // 4. Exactly the approved lines, and for a rollback their inverse; any other line is refused before it is sent.
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
    await deps.journal.begin({ changeId: proposal.id, firewall: entry.name, vdom: option.vdom, startedAt: deps.now().toISOString(), commands: option.commands, basis: snapshotOf(proposal.basis, option.vdom), expected: snapshotOf(expected.facts, option.vdom), device: deviceKey(entry) });
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

    // 5. Verify with a config-only check.
    let after: Facts | undefined;
    if (!failure) {
      await session.leaveContext().catch(() => undefined);
      after = (await readConfig(session, option.vdom)).facts;
      const handler = decide(after).vdoms.find((v) => v.name === option.vdom)?.handler;
      audit('verify', handler === (option as { leadsTo?: string }).leadsTo ? 'ok' : 'wrong-handler', String(handler));
      if (handler === (option as { leadsTo?: string }).leadsTo) {
        const kept = await clearJournal();
        return await finish('applied', `Verified: a config-only check now gives the ${HANDLER_LABEL[handler as OverallHandler]}${before.multiVdom ? ` in VDOM ${option.vdom}` : ''}. Calls already up keep their old handler until their SIP sessions are cleared (a separate step).${kept}`, handler);
      }
      failure = `verification gave ${HANDLER_LABEL[handler ?? 'unknown']}, not the promised ${HANDLER_LABEL[(option as { leadsTo: OverallHandler }).leadsTo]}`;
    }
    await say({ step: 'verify', text: `${failure}: rolling back with the inverse lines computed from the backup.` });

    // 6. Rollback: close what the failed line left open, then the inverse lines.
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
    const kept = await clearJournal();
    const handler = decide(restored).vdoms.find((v) => v.name === option.vdom)?.handler;
    return await finish('rolled-back', `${failure}. Rolled back and verified: the configuration is as in the backup (${HANDLER_LABEL[handler ?? 'unknown']}).${kept}`, handler);
  } catch (e) {
    const err = toCheckError(e);
    // The whole message (addresses, users, fingerprints) goes to the audit log; the thread gets the summary.
    audit('error', err.kind, err.message);
    if (journaled) {
      return await finish('interrupted', `The change was cut (${chatErrorSummary(err)}). A journal entry is kept: the next check of ${entry.name} (\`/sip-check ${entry.name} config\` is the quickest) reads the unit and says whether the change is complete, partial or absent, as does the bot's recovery; no new change of ${entry.name} is applied while it is partial. Nothing is re-applied.`);
    }
    return await finish('stopped', `Stopped before typing any change (${chatErrorSummary(err)}).`);
  } finally {
    await session?.close();
    await lease.lease.release();
  }
}
