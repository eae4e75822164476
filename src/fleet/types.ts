import type { CheckErrorKind } from '../errors';
import type { OverallHandler } from '../verdict/types';
import type { Requester } from '../check/types';

/** What a sweep covers: every firewall the requester may check, or those holding one tag. */
export type SweepScope = { kind: 'all' } | { kind: 'tag'; tag: string };

export interface SweepRequest {
  id: string;
  scope: SweepScope;
  requester: Requester;
  /** Inventory names, in inventory order (already filtered by access and tag). */
  firewalls: string[];
}

/** One firewall's row. `handler` is null exactly when `error` is set. */
export interface SweepRow {
  name: string;
  handler: OverallHandler | null;
  /** The verdict's rule (`R3`, `root: R1; voice: R5`). */
  rule: string | null;
  hostname: string | null;
  version: string | null;
  vdoms: Array<{ name: string; handler: OverallHandler }>;
  /**
   * Why the firewall could not be read: the whole message (the terminal, the command line, the log) and what a chat
   * user is told instead (`chatErrorSummary`: no address, user name, path or fingerprint). Only `kind` and `message`
   * go into the JSON and the CSV; files posted to Slack carry `chat` as the message. Rows stored by an older
   * version have no `chat`: `chatMessageOf` derives it from the kind.
   */
  error: { kind: CheckErrorKind; message: string; chat?: string } | null;
  seconds: number;
  /**
   * The SIP-relevant config lines (settings, SIP helper entries, SIP policies, their VoIP profiles), each
   * prefixed with its scope (`root: policy 12: set voip-profile "default"`), for drift diffs. Not in the JSON.
   */
  configLines: string[];
}

export interface SweepReport {
  id: string;
  scope: SweepScope;
  generatedAt: string;
  rows: SweepRow[];
  counts: Record<string, number>;
  /** Wall time of the whole sweep. */
  seconds: number;
}

/** Where a sweep reports (Slack, the terminal, tests). Progress must not throw; `start` may (then nothing runs). */
export interface SweepReporter {
  start(request: SweepRequest): Promise<void>;
  progress(done: number, total: number): Promise<void>;
  /** The summary and the CSV and JSON files, rendered for the reporter's audience (fleet/render.ts `sweepFiles`). */
  result(report: SweepReport): Promise<void>;
}

/**
 * Who reads a rendering: the operator (terminal, command line: whole error messages) or a chat channel (files posted
 * to Slack: each error's chat summary, as in the message itself).
 */
export type Audience = 'operator' | 'chat';
