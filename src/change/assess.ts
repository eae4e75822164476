import type { AuditRecord } from '../check/audit';
import { readGlobalVdoms } from '../check/vdoms';
import { COMMANDS, vdomModeIsMulti } from '../fortios/cli';
import { parseSystemStatus } from '../fortios/parsers';
import { normaliseCommand } from '../fortios/transcript';
import type { CommandResult, FortiSession } from '../fortigate/types';
import { chatErrorSummary, toCheckError } from '../errors';
import { configOnly } from '../verdict/applyCli';
import { readFacts, type Facts } from '../verdict/facts';
import type { ChangeAssessment, ChangeJournal, ChangeJournalEntry } from './journal';
import { CONFIG_READS, assessChange, snapshotOf } from './plan';

/**
 * Whether a change cut mid-way is in place (issue 24 §"cut mid-way"): the unit is read (read-only lines) and each
 * journal entry judged against it, complete, partial or absent. Complete and absent entries are cleared; a partial
 * one stays (no new change over it). Nothing is re-applied. Used by the start-up and the Redis recovery loop
 * (recovery.ts), by every check of the firewall (check/run.ts, from the reads it makes anyway) and by a change
 * about to be applied (engine.ts).
 */

/** Where an assessment is recorded: the audit log, as `event: recovery`, `action: change`. */
export interface AssessAudit {
  record(record: AuditRecord): void;
}

/** What a check needs to assess the unfinished changes of its firewall (check/run.ts `RunDeps.changes`). */
export interface UnfinishedChanges {
  journal: ChangeJournal;
  audit: AssessAudit;
}

/** Config-only read of one VDOM (and the global helper table): the check's config reads, no diagnose, no debug. */
export async function readConfig(session: FortiSession, vdom: string): Promise<{ facts: Facts; multiVdom: boolean; outputs: CommandResult[] }> {
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
  return { facts: configOnly(readFacts(outputs)), multiVdom, outputs };
}

/** What was read of a unit on one session, and how to read one more VDOM's configuration on that session. */
export interface UnitReads {
  /** `get system status`, the global reads and the config reads of the VDOMs read so far. */
  outputs: readonly CommandResult[];
  multiVdom: boolean;
  /**
   * The config reads of one more VDOM; undefined when the unit does not list it: `edit NAME` under `config vdom`
   * would create a VDOM, so a name the unit did not show is never entered.
   */
  readVdom(vdom: string): Promise<CommandResult[] | undefined>;
}

/** `readVdom` on a session: enters a listed VDOM only, reads its config (CONFIG_READS.vdom), leaves it. */
export function vdomReader(session: Pick<FortiSession, 'enterVdom' | 'leaveContext'>, run: (command: string) => Promise<CommandResult>, known: () => Promise<readonly string[]>): UnitReads['readVdom'] {
  return async (vdom) => {
    if (!(await known()).includes(vdom)) return undefined;
    const out: CommandResult[] = [];
    await session.enterVdom(vdom);
    try {
      for (const c of CONFIG_READS.vdom) out.push(await run(c));
    } finally {
      // Back at the top level whatever happened: the check goes on on this session.
      await session.leaveContext().catch(() => undefined);
    }
    return out;
  };
}

/**
 * What `readConfig` read on a session, and one more VDOM on it: the VDOM list (under `config global`) is read only
 * when a VDOM not read yet is asked for, once.
 */
export function unitOf(session: FortiSession, read: { outputs: readonly CommandResult[]; multiVdom: boolean }): UnitReads {
  const run = (command: string) => session.run(command);
  const listing: CommandResult[] = [];
  let known: Promise<string[]> | undefined;
  const list = () =>
    (known ??= readGlobalVdoms(session, async (command) => {
      const r = await run(command);
      listing.push(r);
      return r;
    }, listing));
  return { outputs: read.outputs, multiVdom: read.multiVdom, readVdom: vdomReader(session, run, list) };
}

/** A session of its own (start-up, recovery): status, the global reads (and the VDOM list), read-only lines only. */
export async function readUnit(session: FortiSession): Promise<UnitReads> {
  const outputs: CommandResult[] = [];
  const run = async (command: string) => {
    const r = await session.run(command);
    outputs.push(r);
    return r;
  };
  const multiVdom = vdomModeIsMulti(parseSystemStatus((await run(COMMANDS.systemStatus)).output).vdomMode);
  if (!multiVdom) {
    for (const c of [...CONFIG_READS.global, ...CONFIG_READS.vdom]) await run(c);
    return { outputs, multiVdom, readVdom: async () => undefined };
  }
  const known = await readGlobalVdoms(session, run, outputs);
  return { outputs, multiVdom, readVdom: vdomReader(session, (c) => session.run(c), async () => known) };
}

/** The config facts of one VDOM from what was read, or why they cannot be judged (a read missing or refused). */
function factsOf(outputs: readonly CommandResult[], vdom: string, multiVdom: boolean): Facts | string {
  if (!multiVdom && vdom !== 'root') return `the unit runs without VDOMs now, so VDOM ${vdom} cannot be read`;
  const read = (command: string, context: string | null) =>
    outputs.some((o) => o.context === context && !o.error && normaliseCommand(o.command) === normaliseCommand(command));
  const missing = [...CONFIG_READS.global.filter((c) => !read(c, multiVdom ? 'global' : null)), ...CONFIG_READS.vdom.filter((c) => !read(c, multiVdom ? vdom : null))];
  if (missing.length) return `\`${missing[0]}\`${multiVdom && !CONFIG_READS.global.some((c) => c === missing[0]) ? ` in VDOM ${vdom}` : ''} could not be read`;
  return configOnly(readFacts(outputs));
}

export interface AssessContext {
  journal: ChangeJournal;
  audit: AssessAudit;
  /** What read the unit, for the audit log: `start-up`, `recovery`, `check <id>`, `change <id>`. */
  via: string;
  /** Who asked for the check or change that read it. */
  userId?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

function when(startedAt: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(startedAt) ? `${startedAt.slice(0, 10)} ${startedAt.slice(11, 16)} UTC` : startedAt;
}

/**
 * Judges journal entries against the unit as read now, says each in words, audits it, and clears the entries found
 * complete or absent (cleared before the audit says so). Partial and unread entries stay.
 */
export async function assessEntries(entries: readonly ChangeJournalEntry[], unit: UnitReads, ctx: AssessContext): Promise<ChangeAssessment[]> {
  /** Per VDOM read here: its outputs, undefined (not listed by the unit), or why it could not be read. */
  const extra = new Map<string, CommandResult[] | undefined | { failed: string }>();
  const out: ChangeAssessment[] = [];
  for (const j of entries) {
    let facts = factsOf(unit.outputs, j.vdom, unit.multiVdom);
    if (unit.multiVdom && !unit.outputs.some((o) => o.context === j.vdom)) {
      // A VDOM this session has not read yet (the check was of another one): its config reads, if the unit lists it.
      if (!extra.has(j.vdom)) {
        try {
          extra.set(j.vdom, await unit.readVdom(j.vdom));
        } catch (e) {
          // An account that may not enter that VDOM, a timeout: this entry cannot be judged here, and the check that
          // asked goes on (said as a note; the entry stays for a read that can).
          extra.set(j.vdom, { failed: chatErrorSummary(toCheckError(e)) });
        }
      }
      const more = extra.get(j.vdom);
      facts =
        more === undefined ? `VDOM ${j.vdom} is not among the VDOMs the unit shows`
        : 'failed' in more ? `VDOM ${j.vdom} could not be read (${more.failed})`
        : factsOf([...unit.outputs, ...more], j.vdom, true);
    }
    const head = `Change ${j.changeId} on ${j.firewall}${unit.multiVdom ? ` (VDOM ${j.vdom})` : ''}, cut mid-way (begun ${when(j.startedAt)}),`;
    let state: ChangeAssessment['state'];
    let differences: string[] = [];
    let text: string;
    if (typeof facts === 'string') {
      state = 'unread';
      text = `${head} could not be assessed: ${facts}. Its journal entry is kept and nothing was re-applied; no new change of ${j.firewall} is applied until it is assessed.`;
    } else {
      const a = assessChange(j.basis, j.expected, snapshotOf(facts, j.vdom));
      state = a.state;
      differences = a.differences;
      text =
        a.state === 'complete' ? `${head} is complete: the configuration is what it should leave. Its journal entry is cleared.`
        : a.state === 'absent' ? `${head} is absent: the configuration is as before it. Its journal entry is cleared; nothing was re-applied: propose it again if still wanted.`
        : `${head} is partial; still different from what it should leave (now → after the change):\n${a.differences.map((d) => `• ${d}`).join('\n')}\nRestore from its backup or finish it by hand; the bot does not re-apply. Its journal entry stays, and no new change of ${j.firewall} is applied until a check finds it complete or absent.`;
    }
    if (state === 'complete' || state === 'absent') {
      try {
        await ctx.journal.finish(j.changeId);
      } catch (e) {
        text += ` (Clearing the journal entry failed: ${toCheckError(e).message}; the next check reads the unit again.)`;
        ctx.log?.('warn', 'could not clear a change journal entry', { changeId: j.changeId, firewall: j.firewall, message: toCheckError(e).message });
      }
    }
    ctx.audit.record({ event: 'recovery', action: 'change', via: ctx.via, checkId: j.changeId, firewall: j.firewall, vdom: j.vdom, outcome: state, message: text, ...(ctx.userId ? { userId: ctx.userId } : {}) });
    out.push({ changeId: j.changeId, firewall: j.firewall, vdom: j.vdom, state, differences, text });
  }
  return out;
}
