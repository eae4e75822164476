import type { CheckResult } from '../check/types';
import { HANDLER_LABEL } from '../verdict/decide';
import type { Evidence, Verdict } from '../verdict/types';

/**
 * What the runtime evidence did to the verdict posted from the configuration (issue 23): one line, the same in
 * Slack and in the terminal. Pure: reads the two verdicts and how the check ended, never re-parses.
 */
export interface VerdictSettlement {
  /** `confirmed`: same handler; `changed`: the evidence moved it (e.g. to a mismatch); `missing`: the runtime part did not come. */
  kind: 'confirmed' | 'changed' | 'missing';
  /** One line, plain text with `code` spans. */
  line: string;
}

const MAX_QUOTED = 2;
const MAX_QUOTE_CHARS = 160;

function firstSentence(text: string): string {
  const line = text.split('\n')[0];
  const end = line.search(/\.(?:\s|$)/);
  const sentence = end >= 0 ? line.slice(0, end + 1) : line;
  return sentence.length > 300 ? `${sentence.slice(0, 299)}…` : sentence;
}

/** Evidence in `after` that `before` did not have (counters after the capture, what the capture printed). */
export function newEvidence(before: readonly Evidence[], after: readonly Evidence[]): Evidence[] {
  const seen = new Set(before.map((e) => `${e.source}\n${e.text}`));
  return after.filter((e) => !seen.has(`${e.source}\n${e.text}`));
}

function quote(e: Evidence): string {
  const text = e.text.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
  const short = text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS - 1)}…` : text;
  return `\`${e.source}\`: ${short}`;
}

/** Why the verdict moved: the first sentence of each VDOM verdict whose handler changed. */
function whyChanged(early: Verdict, final: Verdict): string {
  const reasons: string[] = [];
  for (const v of final.vdoms) {
    const before = early.vdoms.find((e) => e.name === v.name);
    if (before && before.handler === v.handler) continue;
    reasons.push(firstSentence(v.explanation));
  }
  return (reasons.length ? reasons : [firstSentence(final.explanation)]).slice(0, 3).join(' ');
}

/**
 * Settles the configuration's verdict against the check's result: confirmed by the runtime evidence, changed (with
 * why), or kept with the runtime part missing when the check was cut short.
 */
export function settleConfigVerdict(early: Verdict, result: Pick<CheckResult, 'verdict' | 'cutShort' | 'capture'>): VerdictSettlement {
  const final = result.verdict;
  const cut = result.cutShort;
  if (final.handler !== early.handler) {
    return { kind: 'changed', line: `Changed by the runtime evidence: ${HANDLER_LABEL[early.handler]} → ${HANDLER_LABEL[final.handler]}. ${whyChanged(early, final)}` };
  }
  if (cut) {
    const why = cut.reason;
    const line =
      cut.phase === 'capture'
        ? `Runtime evidence incomplete: the capture was cut short after ${cut.lines ?? 0} line${cut.lines === 1 ? '' : 's'} (${why}); nothing read contradicts the configuration, which this verdict stays.`
        : cut.phase === 'after-capture'
          ? `Runtime evidence incomplete: the closing counters are missing (${why}); nothing read contradicts the configuration, which this verdict stays.`
          : `Runtime evidence missing: the check was cut short before the capture (${why}). This verdict stays the configuration's.`;
    return { kind: 'missing', line };
  }
  const added = newEvidence(early.evidence, final.evidence);
  const seconds = result.capture.seconds;
  const what = added.length ? added.slice(0, MAX_QUOTED).map(quote).join('; ') : `nothing in the ${seconds} s capture contradicts the configuration`;
  return { kind: 'confirmed', line: `Confirmed by the runtime evidence: ${what}.` };
}

/** The line a verdict from the configuration carries while the capture runs. */
export function configVerdictLine(captureSeconds: number): string {
  return `From the configuration; runtime evidence in ${captureSeconds} s.`;
}

/** The line that replaces it when the check ends without a result (cancelled, shut down, failed). */
export function runtimeMissingLine(reason: string): string {
  return `Runtime evidence missing: ${reason.replace(/\.$/, '')}. This verdict is the configuration's.`;
}
