import type { CheckError, CheckErrorKind } from '../errors';
import type { CommandResult } from '../fortios/types';
import { readFacts } from '../verdict/facts';

/**
 * Degrade gracefully (issue 11 §3): when the link drops or a command hangs after the configuration was read, the
 * user gets the verdict from what was read, the SIP summary of the capture so far and the debug-cleanup report,
 * not an error alone. A user's cancel and a shutdown still end as errors: nobody asked for an answer then.
 */

/** Errors after which what was read still answers: the link broke, a command hung, or the check ran out of time. */
const CUT_SHORT_KINDS: ReadonlySet<CheckErrorKind> = new Set(['disconnected', 'timeout']);

/** Where the check was when it was cut short. */
export type CutShortPhase = 'before-capture' | 'capture' | 'after-capture';

export interface CutShort {
  kind: CheckErrorKind;
  /** The error's message: what broke (the command that hung, the channel that ended). */
  reason: string;
  phase: CutShortPhase;
  /** Debug lines read before the cut (capture and after-capture phases). */
  lines?: number;
  /** The sentence the thread shows. */
  note: string;
  /** Debug confirmed reset (true), never enabled (null), or not confirmed (false). */
  debugReset: boolean | null;
}

/**
 * Whether an error still leaves an answer: the kind is a cut (not a refusal, a cancel or a bug) and at least one
 * VDOM's settings and policies were read, which is what any verdict rule needs.
 */
export function canAnswerAfter(error: CheckError, outputs: readonly CommandResult[]): boolean {
  if (!CUT_SHORT_KINDS.has(error.kind)) return false;
  return readFacts(outputs).vdoms.some((v) => v.settings !== undefined && v.policies !== undefined);
}

export function cutShortBy(error: CheckError, phase: CutShortPhase, lines: number, debugReset: boolean | null): CutShort {
  const reason = error.message.replace(/\.$/, '');
  const cut: CutShort = { kind: error.kind, reason, phase, note: '', debugReset };
  if (phase !== 'before-capture') cut.lines = lines;
  const count = `${lines.toLocaleString('en-US')} line${lines === 1 ? '' : 's'}`;
  switch (phase) {
    case 'capture':
      cut.note = `Capture cut short after ${count}: ${reason}. The verdict comes from the configuration and evidence read before; the SIP summary covers the ${count} captured.`;
      break;
    case 'after-capture':
      cut.note = `The check was cut short after the capture (${count}): ${reason}. The verdict and SIP summary come from what was read; evidence read after the capture (the closing sip-proxy counters) is missing.`;
      break;
    default:
      cut.note = `The check was cut short before the SIP capture: ${reason}. The verdict comes from what was read until then; no SIP was captured.`;
  }
  return cut;
}
