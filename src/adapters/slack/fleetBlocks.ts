/**
 * Block Kit for fleet sweeps and the drift watch (pure). One message per sweep: a progress line while it runs,
 * then the summary (counts, exceptions first, the table grouped by handler). Within SLACK_LIMITS by
 * construction: what does not fit says the CSV/JSON attachments have everything.
 */
import { storedErrorForChat } from '../../errors';
import { describeChange, type DriftChange } from '../../fleet/drift';
import { countsText, exceptionLine, groupByHandler, isException, labelOf, scopeText } from '../../fleet/render';
import type { SweepReport, SweepRequest, SweepRow } from '../../fleet/types';
import { countOf } from '../../plural';
import { deviceValue, encodeButtonValue, escapeMrkdwn, fallbackText, fallbackTextWithMention, mrkdwn, SLACK_LIMITS, truncate, userMention, type KnownBlock, type SlackMessage } from './blocks';

export const FLEET_ACTION_IDS = {
  /** "Run full check" on a watch change: the firewall's name goes through the same service as a typed command. */
  fullCheck: 'sip_check_full_check',
} as const;

/** Changes per watch message: one button each, within an actions block's 25 elements. */
export const CHANGES_PER_MESSAGE = 20;

/** Longest line of the summary: a row is never worth more than this (a 4,000-character hostname made a refused section). */
const LINE_MAX = 600;

function section(text: string): KnownBlock {
  return { type: 'section', text: mrkdwn(truncate(text, SLACK_LIMITS.sectionText)) };
}

/** An exception as chat shows it: a firewall that could not be read gets the chat summary (no address, user, path). */
function chatExceptionLine(r: SweepRow): string {
  return r.error ? `${r.name}: ${r.error.kind}: ${storedErrorForChat(r.error)}` : exceptionLine(r);
}

/** A table row with the firewall's own values (hostname, version, VDOM names) as inert inline code. */
function rowLine(r: SweepRow): string {
  const vdoms = r.vdoms.length > 1 ? `  [${r.vdoms.map((v) => `${deviceValue(v.name, 40)}: ${escapeMrkdwn(v.handler)}`).join(', ')}]` : '';
  return truncate(`• ${escapeMrkdwn(r.name)}  ${deviceValue(r.hostname ?? '-')}  ${deviceValue(r.version ?? '-')}  ${escapeMrkdwn(r.rule ?? '-')}${vdoms}`, LINE_MAX);
}

export function buildSweepProgressMessage(request: SweepRequest, done: number, total: number): SlackMessage {
  const before = `Sweeping ${scopeText(request.scope)} (requested by `;
  const after = `): ${done}/${total}`;
  return { text: fallbackTextWithMention(before, request.requester.userId, after), blocks: [section(`:satellite_antenna: ${before}${userMention(request.requester.userId)}${after}`)] };
}

/** Lines into sections of at most `sectionText` characters, stopping (with `more`) before `budget` runs out. */
function packLines(heading: string, lines: string[], budget: { left: number; cut: boolean }, more: (n: number) => string): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = heading;
  const flush = () => {
    blocks.push(section(current));
    budget.left -= current.length;
    current = '';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const tail = more(lines.length - i);
    if (budget.left - current.length - line.length - 1 < tail.length + 1) {
      current += (current ? '\n' : '') + tail;
      flush();
      budget.cut = true;
      return blocks;
    }
    if (current.length + line.length + 1 > SLACK_LIMITS.sectionText) flush();
    current += (current ? '\n' : '') + line;
  }
  if (current) flush();
  return blocks;
}

export function buildSweepSummaryMessage(request: SweepRequest, report: SweepReport): SlackMessage {
  const headBefore = `Sweep of ${scopeText(request.scope)} (requested by `;
  const headAfter = `): ${countOf(report.rows.length, 'firewall')} in ${report.seconds} s`;
  const head = `${headBefore}${userMention(request.requester.userId)}${headAfter}`;
  const counts = countsText(report.counts);
  const blocks: KnownBlock[] = [section(`:white_check_mark: *${head}*\n${escapeMrkdwn(counts)}`)];
  const budget = { left: SLACK_LIMITS.totalBlockText - head.length - counts.length - 40, cut: false };
  const more = (n: number) => `_…and ${n} more in this group: the CSV and JSON attached in the thread have every row._`;
  const exceptions = report.rows.filter(isException);
  if (exceptions.length) blocks.push(...packLines('*Exceptions*', exceptions.map((r) => truncate(`• ${escapeMrkdwn(chatExceptionLine(r))}`, LINE_MAX)), budget, more));
  for (const group of groupByHandler(report.rows)) {
    if (budget.cut) break;
    if (budget.left < 200 || blocks.length >= SLACK_LIMITS.blocks - 2) {
      blocks.push(section(more(group.rows.length)));
      break;
    }
    blocks.push(...packLines(`*${escapeMrkdwn(labelOf(group.handler))}* (${group.rows.length})`, group.rows.map(rowLine), budget, more));
  }
  const tail = `${headAfter}: ${counts}${exceptions.length ? `. Exceptions: ${exceptions.map((r) => r.name).join(', ')}` : ''}`;
  return { text: fallbackTextWithMention(headBefore, request.requester.userId, tail), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** A firewall name a change is about; `removed` firewalls get no button (nothing left to check). */
function buttonFor(change: DriftChange): KnownBlock | undefined {
  if (change.kind === 'removed') return undefined;
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: FLEET_ACTION_IDS.fullCheck,
        text: { type: 'plain_text', text: `Run full check of ${change.firewall}`.slice(0, 75) },
        value: encodeButtonValue({ command: change.firewall, checkId: 'watch' }),
      },
    ],
  };
}

/** One message of at most CHANGES_PER_MESSAGE changes, each with its "Run full check" button. */
export function buildWatchChangesMessage(changes: DriftChange[], report: SweepReport, part?: { index: number; count: number }): SlackMessage {
  const partText = part && part.count > 1 ? ` (part ${part.index + 1} of ${part.count})` : '';
  const head = `SIP drift watch: ${countOf(changes.length, 'change')} in the sweep of ${countOf(report.rows.length, 'firewall')} at ${report.generatedAt}${partText}`;
  const blocks: KnownBlock[] = [section(`:rotating_light: *${escapeMrkdwn(head)}*`)];
  for (const change of changes.slice(0, CHANGES_PER_MESSAGE)) {
    const text = describeChange(change, 'chat');
    blocks.push(section(escapeMrkdwn(text.length > 2500 ? `${text.slice(0, 2500)}…` : text)));
    const button = buttonFor(change);
    if (button) blocks.push(button);
  }
  const plain = `${head}\n${changes.map((c) => describeChange(c, 'chat')).join('\n')}`;
  return { text: fallbackText(plain.length > SLACK_LIMITS.messageText ? `${plain.slice(0, SLACK_LIMITS.messageText - 1)}…` : plain), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
