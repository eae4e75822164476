import type { Inventory } from '../config/types';
import type { CheckService } from '../check/service';
import type { Requester } from '../check/types';
import { HANDLER_LABEL } from '../verdict/decide';
import { changeAccess } from './access';
import { ChangeDesk, type ChangeProposal } from './approvals';
import { runChange, type ChangeDeps, type ChangeOutcome, type ChangeStep } from './engine';
import { entriesOf } from './journal';

/**
 * The platform-neutral change flow (issue 24) the terminal and Slack adapters share: propose an option of a
 * finished check, approve it as a second person, then the engine runs it and reports each step.
 */

/** What one change needs (engine.ts), for every firewall of the inventory: the entry and the reporter come per change. */
export type ChangeServiceDeps = Omit<ChangeDeps, 'entry' | 'now' | 'report'> & {
  inventory: Inventory;
  checks: CheckService;
  now?: () => Date;
  /**
   * Firewalls this service may change beyond what their inventory entry allows: a refusal reason for the others.
   * The terminal passes one (two keys need two people; at one keyboard only the built-in simulated firewall).
   */
  restrict?: (entry: Inventory['firewalls'][number]) => string | undefined;
};

export type ProposeOutcome = { kind: 'proposed'; proposal: ChangeProposal; text: string } | { kind: 'refused'; reason: string };
export type ApproveOutcome = { kind: 'refused'; reason: string } | { kind: 'ran'; proposal: ChangeProposal; outcome: ChangeOutcome };

export interface ChangeService {
  /** Whether a firewall offers changes at all (a Propose button / command). */
  allows(firewall: string): boolean;
  /**
   * `which`: the 1-based option number, or `clear` for clearing the SIP sessions. Refused while the change journal
   * holds an earlier change of that firewall cut mid-way (a check assesses it; a partial one is resolved by hand).
   */
  propose(checkId: string, which: number | 'clear', requester: Requester): Promise<ProposeOutcome>;
  approve(changeId: string, approver: Requester, report: (step: ChangeStep) => void | Promise<void>): Promise<ApproveOutcome>;
}

/** The proposal as posted: exact lines, scope, side effects, who may approve and until when. */
export function proposalText(p: ChangeProposal): string {
  const o = p.option;
  const target = 'leadsTo' in o ? ` → ${HANDLER_LABEL[o.leadsTo]}` : '';
  return [
    `*Proposed change ${p.id}* on ${p.firewall}${target}, by <@${p.proposedBy}>: ${o.title}`,
    `Scope: ${o.scope === 'vdom' ? `VDOM ${o.vdom}` : o.scope === 'global' ? 'global (all VDOMs)' : `VDOM ${o.vdom} + global (all VDOMs)`}`,
    ...o.sideEffects.map((s) => (p.kind === 'clear-sessions' ? `Warning: ${s}` : `• ${s}`)),
    '```',
    ...o.commands,
    '```',
    `Needs approval by a second person among the approvers before ${p.expiresAt.toISOString().slice(11, 16)} UTC (15 minutes). Backup, re-read, verification and rollback are automatic.`,
  ].join('\n');
}

export function createChangeService(deps: ChangeServiceDeps): ChangeService {
  const now = deps.now ?? (() => new Date());
  const desk = new ChangeDesk({ now, audit: deps.audit, env: deps.env });
  const entryOf = (name: string) => deps.inventory.firewalls.find((f) => f.name === name);
  return {
    allows(firewall) {
      const entry = entryOf(firewall);
      return changeAccess(entry, deps.env).ok && !(entry && deps.restrict?.(entry));
    },
    async propose(checkId, which, requester) {
      const basis = deps.checks.changeBasis?.(checkId, requester);
      if (!basis) return { kind: 'refused', reason: 'That check is unknown, no longer in memory, or not yours to see: run it again.' };
      const entry = entryOf(basis.firewall);
      if (!entry) return { kind: 'refused', reason: 'Unknown firewall.' };
      const restricted = deps.restrict?.(entry);
      if (restricted) return { kind: 'refused', reason: restricted };
      const option = which === 'clear' ? basis.clearSessions[0] : basis.options[which - 1];
      if (!option) return { kind: 'refused', reason: which === 'clear' ? 'That check suggests no session clearing.' : `That check has no option ${which} (it has ${basis.options.length}).` };
      // No new change over an unfinished one: the engine assesses it again (and refuses while partial) before typing.
      let unfinished;
      try {
        unfinished = entriesOf(await deps.journal.pending(), entry);
      } catch {
        return { kind: 'refused', reason: 'The change journal cannot be read right now, so no change can be proposed: try again in a minute.' };
      }
      if (unfinished.length) {
        const ids = unfinished.map((e) => e.changeId).join(', ');
        const reason = `An earlier change of ${entry.name} (${ids}) is still running, or was cut mid-way and is not known to be finished, so no new change is proposed. If it is running, propose again when it ends. Otherwise a check of ${entry.name} (\`/sip-check ${entry.name} config\` is the quickest) reads the unit and says whether it is complete, partial or absent, and clears it unless partial. If partial: restore from its backup or finish it by hand; the bot does not re-apply.`;
        deps.audit.record({ event: 'change', action: 'propose', outcome: 'refused', userId: requester.userId, firewall: entry.name, message: `unfinished: ${ids}` });
        return { kind: 'refused', reason };
      }
      const r = desk.propose(entry, option, basis.basis, requester);
      return r.kind === 'ok' ? { kind: 'proposed', proposal: r.proposal, text: proposalText(r.proposal) } : r;
    },
    async approve(changeId, approver, report) {
      const proposal = desk.get(changeId);
      const entry = proposal ? entryOf(proposal.firewall) : undefined;
      if (!proposal || !entry) return { kind: 'refused', reason: 'No such proposed change.' };
      const restricted = deps.restrict?.(entry);
      if (restricted) return { kind: 'refused', reason: restricted };
      const r = desk.approve(changeId, entry, approver);
      if (r.kind !== 'ok') return r;
      await report({ step: 'read', text: `Approved by <@${approver.userId}>. Re-reading ${entry.name} with its write account.` });
      const outcome = await runChange(r.proposal, { entry, env: deps.env, limits: deps.limits, openSession: deps.openSession, locks: deps.locks, journal: deps.journal, audit: deps.audit, now, report });
      return { kind: 'ran', proposal: r.proposal, outcome };
    },
  };
}
