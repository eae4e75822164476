import { randomUUID } from 'node:crypto';
import type { FirewallEntry } from '../config/types';
import type { Requester } from '../check/types';
import type { Facts } from '../verdict/facts';
import type { RemediationOption, SessionClearing } from '../verdict/types';
import { changeAccess } from './access';
import type { AuditRecord } from '../check/audit';

/** Where every step of a change is recorded (the audit log). */
export interface ChangeAudit {
  record(record: AuditRecord): void;
}

/**
 * Two keys: a change is proposed by one person and approved by another among the firewall's approvers, within
 * 15 minutes. The proposer cannot approve; anyone else is refused and audited. Proposals live in memory: a
 * restart forgets them (nothing is applied without a fresh approval).
 */

export const APPROVAL_TTL_MS = 15 * 60 * 1000;

export interface ChangeProposal {
  id: string;
  firewall: string;
  /** A handler change (backed up, verified, rolled back) or clearing SIP sessions (its own step). */
  kind: 'config' | 'clear-sessions';
  option: RemediationOption | SessionClearing;
  /** The config the proposal was made from (config only): re-read and compared before anything is typed. */
  basis: Facts;
  proposedBy: string;
  proposedAt: Date;
  expiresAt: Date;
  state: 'pending' | 'approved' | 'refused' | 'expired';
  approvedBy?: string;
}

export type DeskResult = { kind: 'ok'; proposal: ChangeProposal } | { kind: 'refused'; reason: string };

export class ChangeDesk {
  private readonly proposals = new Map<string, ChangeProposal>();

  constructor(private readonly deps: { now: () => Date; audit: ChangeAudit; env: NodeJS.ProcessEnv; ttlMs?: number }) {}

  propose(entry: FirewallEntry, option: RemediationOption | SessionClearing, basis: Facts, proposer: Requester): DeskResult {
    const access = changeAccess(entry, this.deps.env);
    if (!access.ok) {
      this.deps.audit.record({ event: 'change', action: 'propose', outcome: 'refused', userId: proposer.userId, firewall: entry.name, message: access.reason });
      return { kind: 'refused', reason: access.reason };
    }
    const now = this.deps.now();
    const proposal: ChangeProposal = {
      id: `chg-${randomUUID().slice(0, 8)}`,
      firewall: entry.name,
      kind: 'leadsTo' in option ? 'config' : 'clear-sessions',
      option,
      basis,
      proposedBy: proposer.userId,
      proposedAt: now,
      expiresAt: new Date(now.getTime() + (this.deps.ttlMs ?? APPROVAL_TTL_MS)),
      state: 'pending',
    };
    this.proposals.set(proposal.id, proposal);
    this.deps.audit.record({ event: 'change', action: 'propose', outcome: 'pending', checkId: proposal.id, userId: proposer.userId, firewall: entry.name, message: `${option.title}: ${option.commands.join(' | ')}` });
    return { kind: 'ok', proposal };
  }

  get(id: string): ChangeProposal | undefined {
    return this.proposals.get(id);
  }

  /** A click on Approve (or the console approver): every refusal is audited and said. */
  approve(id: string, entry: FirewallEntry, approver: Requester): DeskResult {
    const proposal = this.proposals.get(id);
    const refuse = (reason: string): DeskResult => {
      this.deps.audit.record({ event: 'change', action: 'approve', outcome: 'refused', checkId: id, userId: approver.userId, firewall: entry.name, message: reason });
      return { kind: 'refused', reason };
    };
    if (!proposal || proposal.firewall !== entry.name) return refuse('No such proposed change (it may have been decided already or the bot restarted).');
    if (proposal.state === 'pending' && this.deps.now().getTime() > proposal.expiresAt.getTime()) {
      proposal.state = 'expired';
      return refuse(`The approval window of ${Math.round((this.deps.ttlMs ?? APPROVAL_TTL_MS) / 60000)} minutes has passed: propose the change again.`);
    }
    if (proposal.state !== 'pending') return refuse(`This change is already ${proposal.state}.`);
    if (approver.userId === proposal.proposedBy) return refuse('The person who proposed a change cannot approve it: a second approver is needed.');
    const approvers = entry.remediation?.approvers;
    const inGroup = (approver.userGroups ?? []).some((g) => approvers?.userGroups.includes(g));
    if (!approvers || (!approvers.users.includes(approver.userId) && !inGroup)) return refuse(`<@${approver.userId}> is not among the approvers of ${entry.name}.`);
    proposal.state = 'approved';
    proposal.approvedBy = approver.userId;
    this.deps.audit.record({ event: 'change', action: 'approve', outcome: 'approved', checkId: id, userId: approver.userId, firewall: entry.name, message: `proposed by ${proposal.proposedBy}` });
    return { kind: 'ok', proposal };
  }
}
