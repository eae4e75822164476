/**
 * Pure Block Kit builders: every message the Slack adapter posts. Slack's limits (docs/slack.md "Size limits")
 * are enforced by construction in `BlockBudget`: what does not fit is cut, with a line saying where the
 * full output is. Every message carries a top-level `text` fallback.
 *
 * The card and summary are built from the typed `CheckResult` (so limits hold by construction); the plain
 * fallbacks posted when Slack refuses a card use the shared text renderers (`renderVerdictText`,
 * `renderSipSummaryText`, src/report/), so their wording matches the terminal and the attached report.
 */
import type { types } from '@slack/bolt';
import { DEBUG_CLEANUP } from '../../fortios/cli';
import { formatOptions } from '../../check/options';
import { chatErrorSummary, describeErrorForChat, type CheckError } from '../../errors';
import type { Analysis } from '../../check/analyse';
import type { CheckOptions, CheckRequest, CheckResult, ConfigVerdict, ProgressUpdate } from '../../check/types';
import { neutraliseControls } from '../../report/controls';
import { outcomesText, renderSipSummaryText } from '../../report/sipText';
import { countOf } from '../../plural';
import { renderVerdictText } from '../../report/verdictText';
import { configVerdictLine, runtimeMissingLine, settleConfigVerdict, type VerdictSettlement } from '../../report/verdictChange';
import type { SipCallSummary, SipSummary } from '../../sip/types';
import { partialTag } from '../../verdict/coverage';
import type { ConfigSummary, OverallHandler, PolicyHandler, Verdict, VdomVerdict } from '../../verdict/types';

export type KnownBlock = types.KnownBlock;

export interface SlackMessage {
  /** Notification and accessibility fallback; always present. */
  text: string;
  blocks: KnownBlock[];
}

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  actionsElements: 25,
  buttonValue: 2000,
  /** Our own budget for all block text: Slack fails near ~11,300 chars (bolt-js #2509, #2867). */
  totalBlockText: 8000,
  /** Top-level `text`: keep well under Slack's 4,000-char comfort zone (getnao/nao#1323). */
  messageText: 3500,
} as const;

export const ACTION_IDS = {
  captureAgain: 'sip_check_again',
  longerCapture: 'sip_check_longer',
  showRemediation: 'sip_check_remediation',
  /** "Config only": the same firewall and scope, configuration and counters, no debug (issue 23). */
  configOnly: 'sip_check_config_only',
} as const;

/** What a button carries: the canonical command text and the check it came from. */
export interface ButtonValue {
  command: string;
  checkId: string;
}

export function encodeButtonValue(v: ButtonValue): string {
  return JSON.stringify({ c: v.command, id: v.checkId });
}

/** Parses a button value; undefined when it is not ours (never trust the payload's shape). */
export function decodeButtonValue(value: string | undefined): ButtonValue | undefined {
  if (!value || value.length > SLACK_LIMITS.buttonValue) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object') {
      const { c, id } = parsed as { c?: unknown; id?: unknown };
      if (typeof c === 'string' && typeof id === 'string') return { command: c, checkId: id };
    }
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * Escapes the three characters Slack's mrkdwn treats as control (`&`, `<`, `>`), and makes terminal controls and
 * bidi overrides visible (src/report/controls.ts): every text the Slack adapter posts passes here once.
 */
export function escapeMrkdwn(s: string): string {
  return neutraliseControls(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Longest device-derived value shown in a message (a FortiOS hostname is at most 35 characters). */
export const DEVICE_VALUE_MAX = 120;

/**
 * A value read from the firewall or a SIP peer (hostname, VDOM, policy or profile name, SIP URI, reason phrase),
 * shown as inline code: Slack applies no `*bold*`, `_italic_`, `~strike~` and links no URL inside it. Capped at
 * `max`, controls made visible, escaped once; a backtick (which would end the code span) becomes `ˋ`.
 */
export function deviceValue(s: string, max: number = DEVICE_VALUE_MAX): string {
  const flat = truncate(s.replace(/[\r\n]+/g, ' '), max).replace(/`/g, 'ˋ');
  return flat.trim() === '' ? '' : `\`${escapeMrkdwn(flat)}\``;
}

/**
 * Prose of the verdict (explanation, reasons, notes), where the verdict quotes device values: `VoIP profile "name"`.
 * Each quoted value becomes inert inline code (`deviceValue`: Slack applies no `*bold*`, `_italic_`, `~strike~` and
 * links nothing inside it), our own `code` spans stay as they are, and the rest is escaped once.
 */
export function proseMrkdwn(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/`[^`\n]*`|"([^"\n]{1,200})"/g)) {
    out += escapeMrkdwn(text.slice(last, m.index));
    out += m[1] !== undefined ? deviceValue(m[1]) : escapeMrkdwn(m[0]);
    last = m.index + m[0].length;
  }
  return out + escapeMrkdwn(text.slice(last));
}

/**
 * A mrkdwn text object with `verbatim: true`: Slack turns no bare URL, channel name or `@here` in it into a link
 * or a mention (the `<@U…>` we write ourselves still renders).
 */
export function mrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** Text safe inside a ``` block: escaped, and no fence that would close it early. */
export function codeBlock(lines: string): string {
  return '```' + escapeMrkdwn(lines).replace(/```/g, "'''") + '```';
}

/** A top-level `text`: Slack renders it as mrkdwn too (and pings on `<!channel>`), so it is escaped. */
export function fallbackText(s: string): string {
  return truncate(escapeMrkdwn(s), SLACK_LIMITS.messageText);
}

/**
 * A top-level `text` that names a user: the text around the mention is escaped (as `fallbackText`), the mention is
 * kept as Slack's `<@U…>` so notifications and screen readers say the name (escaping it shows `&lt;@U…&gt;`).
 */
export function fallbackTextWithMention(before: string, userId: string, after: string): string {
  return truncate(`${escapeMrkdwn(before)}${userMention(userId)}${escapeMrkdwn(after)}`, SLACK_LIMITS.messageText);
}

/** `<@U…>` for a Slack user ID (validated), else the value escaped as text. */
export function userMention(userId: string): string {
  return /^[UW][A-Z0-9]{2,40}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

export function truncate(s: string, max: number, tail = '…'): string {
  if (s.length <= max) return s;
  return s.slice(0, Math.max(0, max - tail.length)) + tail;
}

/** Truncates a code block's content so the fenced result fits `max`. */
function fencedWithin(content: string, max: number): string {
  const fenced = codeBlock(content);
  if (fenced.length <= max) return fenced;
  const inner = fenced.slice(3, -3);
  return '```' + truncate(inner, max - 6, '\n…') + '```';
}

/** The command text a user would type for these options; what buttons carry back to `CheckService.handle`. */
export function commandTextOf(firewall: string, options: CheckOptions): string {
  return formatOptions(firewall, options);
}

const HANDLER_WORDS: Record<OverallHandler, string> = {
  'sip-alg': 'SIP ALG (voipd proxy)',
  'sip-alg+ips': 'SIP ALG with IPS SIP signatures',
  'flow-sip-ips': 'flow-based SIP inspection (IPS engine)',
  'session-helper': 'SIP session helper (kernel)',
  none: 'neither: no SIP awareness',
  mixed: 'mixed: policies differ',
  mismatch: 'MISMATCH: config and runtime evidence disagree',
  unknown: 'unknown: evidence missing',
};

const HANDLER_EMOJI: Record<OverallHandler, string> = {
  'sip-alg': ':large_blue_circle:',
  'sip-alg+ips': ':large_blue_circle:',
  'flow-sip-ips': ':large_purple_circle:',
  'session-helper': ':large_green_circle:',
  none: ':white_circle:',
  mixed: ':warning:',
  mismatch: ':rotating_light:',
  unknown: ':grey_question:',
};

export function handlerWords(h: OverallHandler): string {
  return HANDLER_WORDS[h];
}

const PHASE_WORDS: Record<ProgressUpdate['phase'], string> = {
  queued: 'queued',
  connecting: 'connecting',
  'reading-config': 'reading config',
  capturing: 'capturing',
  analysing: 'analysing',
  'cleaning-up': 'cleaning up',
  done: 'done',
  failed: 'failed',
};

/** One status line, e.g. `capturing 12/20 s`. */
export function progressLine(update: ProgressUpdate): string {
  let line = PHASE_WORDS[update.phase];
  if (update.phase === 'capturing' && update.elapsedSeconds !== undefined && update.totalSeconds !== undefined) {
    line += ` ${Math.min(update.elapsedSeconds, update.totalSeconds)}/${update.totalSeconds} s`;
  }
  if (update.detail) line += `: ${update.detail}`;
  return line;
}

/**
 * Adds blocks while keeping every Slack limit; once the budget is spent it stops and ends the message
 * with `cutNotice`, so nothing disappears silently.
 */
export class BlockBudget {
  private readonly blocks: KnownBlock[] = [];
  private chars = 0;
  private cut = false;

  constructor(
    private readonly cutNotice: string,
    private readonly maxChars: number = SLACK_LIMITS.totalBlockText,
    private readonly maxBlocks: number = SLACK_LIMITS.blocks,
  ) {}

  get wasCut(): boolean {
    return this.cut;
  }

  /** Room left for text, after reserving the cut notice. */
  private room(): number {
    return this.maxChars - this.chars - this.cutNotice.length;
  }

  private push(block: KnownBlock, chars: number): boolean {
    // One block slot is always kept for the cut notice.
    if (this.cut || this.blocks.length >= this.maxBlocks - 1 || chars > this.room()) {
      this.cut = true;
      return false;
    }
    this.blocks.push(block);
    this.chars += chars;
    return true;
  }

  header(text: string): boolean {
    const t = truncate(neutraliseControls(text), SLACK_LIMITS.headerText);
    return this.push({ type: 'header', text: { type: 'plain_text', text: t, emoji: true } }, t.length);
  }

  /** A mrkdwn section; long text is truncated to the section limit (and the remaining budget) and marks the message cut. */
  section(text: string, opts: { allowTruncate?: boolean } = {}): boolean {
    if (text.length === 0) return true;
    const limit = Math.min(SLACK_LIMITS.sectionText, this.room());
    let t = text;
    if (t.length > limit) {
      if (!opts.allowTruncate || limit < 200) {
        this.cut = true;
        return false;
      }
      t = truncate(t, limit);
      this.cut = true;
    }
    const ok = this.push({ type: 'section', text: mrkdwn(t) }, t.length);
    // truncation above already marked the cut; keep going so the notice lands last
    return ok;
  }

  /** A section holding a code block, trimmed to fit. */
  code(content: string): boolean {
    if (content.length === 0) return true;
    const limit = Math.min(SLACK_LIMITS.sectionText, this.room());
    if (limit < 200) {
      this.cut = true;
      return false;
    }
    const t = fencedWithin(content, limit);
    if (t !== codeBlock(content)) this.cut = true;
    return this.push({ type: 'section', text: mrkdwn(t) }, t.length);
  }

  fields(pairs: Array<[string, string]>): boolean {
    const texts = pairs
      .filter(([, v]) => v !== '')
      .slice(0, SLACK_LIMITS.fields)
      .map(([k, v]) => truncate(`*${k}*\n${v}`, SLACK_LIMITS.fieldText));
    if (texts.length === 0) return true;
    const chars = texts.reduce((n, t) => n + t.length, 0);
    return this.push({ type: 'section', fields: texts.map(mrkdwn) }, chars);
  }

  context(text: string): boolean {
    const t = truncate(text, SLACK_LIMITS.fieldText);
    return this.push({ type: 'context', elements: [mrkdwn(t)] }, t.length);
  }

  divider(): boolean {
    return this.push({ type: 'divider' }, 0);
  }

  actions(block: KnownBlock): boolean {
    return this.push(block, 0);
  }

  build(): KnownBlock[] {
    const out = [...this.blocks];
    if (this.cut) out.push({ type: 'context', elements: [mrkdwn(this.cutNotice)] });
    return out;
  }
}

const REPORT_NOTICE = ':scissors: Cut to fit Slack: the full report is in the attached file.';

function requestLine(request: CheckRequest): string {
  return `\`${escapeMrkdwn(request.firewall)}\` ${escapeMrkdwn(optionsEcho(request.options))}`;
}

function optionsEcho(o: CheckOptions): string {
  return commandTextOf('', o).trim();
}

function requestedBy(request: CheckRequest): string {
  return userMention(request.requester.userId);
}

/**
 * The parent message while the check runs: firewall, options echoed, who asked, and the phase; once the
 * configuration is read, the one-line answer from it (issue 23), kept through the capture's progress edits.
 */
export function buildParentMessage(request: CheckRequest, status: ProgressUpdate, early?: { verdict: ConfigVerdict; line: string }): SlackMessage {
  const line = progressLine(status);
  const icon = status.phase === 'failed' ? ':x:' : status.phase === 'done' ? ':white_check_mark:' : ':hourglass_flowing_sand:';
  // The fallback text keeps the running form first (`SIP check of ...`): only the settled answer starts `fw01: SIP handled`.
  const answer = early ? ` From the configuration: ${handlerSentence(early.verdict.verdict.handler)} (rule ${early.verdict.verdict.rule}); ${lowerFirst(early.line.replace(/^From the configuration; /, ''))}` : '';
  const text = `SIP check of ${request.firewall} (${optionsEcho(request.options)}): ${line}.${answer}`;
  const b = new BlockBudget(REPORT_NOTICE);
  if (early) {
    const v = early.verdict.verdict;
    b.section(`${HANDLER_EMOJI[v.handler]} *${escapeMrkdwn(request.firewall)}*: ${escapeMrkdwn(handlerSentence(v.handler))} (rule ${escapeMrkdwn(v.rule)}), ${escapeMrkdwn(lowerFirst(early.line))}`, { allowTruncate: true });
  }
  b.section(`${icon} *SIP check* ${requestLine(request)}\n*Status:* ${escapeMrkdwn(line)}`, { allowTruncate: true });
  b.context(`Requested by ${requestedBy(request)} · check \`${escapeMrkdwn(request.id)}\``);
  return { text: fallbackText(text), blocks: b.build() };
}

/** "Who handles SIP" as a sentence; summary states (mismatch, mixed, unknown, none) read differently. */
export function handlerSentence(handler: OverallHandler): string {
  switch (handler) {
    case 'mismatch':
      return 'MISMATCH: the config and the runtime evidence disagree on who handles SIP';
    case 'mixed':
      return 'mixed: policies use different SIP handlers';
    case 'unknown':
      return 'SIP handler unknown: evidence is missing';
    case 'none':
      return 'neither the SIP ALG nor the session helper handles SIP';
    default:
      return `SIP handled by ${handlerWords(handler)}`;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The answer from the configuration in one line (before the runtime evidence settles it). */
export function configOneLiner(early: ConfigVerdict): string {
  const v = early.verdict;
  return `${early.request.firewall}: ${handlerSentence(v.handler)} (rule ${v.rule}${v.partial ? `; ${partialTag(v.partial)}` : ''})`;
}

/** How the runtime evidence settled the verdict from the configuration, when one was posted. */
export function settlementOf(result: CheckResult): VerdictSettlement | undefined {
  return result.early ? settleConfigVerdict(result.early.verdict, result) : undefined;
}

const SETTLEMENT_WORDS: Record<VerdictSettlement['kind'], string> = {
  confirmed: 'confirmed by the runtime evidence',
  changed: 'changed by the runtime evidence',
  missing: 'runtime evidence missing',
};

const SETTLEMENT_EMOJI: Record<VerdictSettlement['kind'], string> = {
  confirmed: ':white_check_mark:',
  changed: ':arrows_counterclockwise:',
  missing: ':scissors:',
};

/** One line the channel view shows once the check is done. */
export function verdictOneLiner(result: CheckResult): string {
  const v = result.verdict;
  const calls = result.sip.calls.length;
  const problems = result.sip.problems.length;
  const cut = result.cutShort ? ' (check cut short: see the thread)' : '';
  const settled = settlementOf(result);
  const how = settled ? `, ${SETTLEMENT_WORDS[settled.kind]}` : '';
  const head = `${result.request.firewall}: ${handlerSentence(v.handler)} (rule ${v.rule}${v.partial ? `; ${partialTag(v.partial)}` : ''})${how}`;
  if (result.request.options.configOnly) return `${head}; config only, no SIP capture${cut}`;
  return `${head}; ${countOf(calls, 'call')}, ${countOf(problems, 'problem')} in the capture${cut}`;
}

export interface FinalParentOptions {
  /** Longest capture the bot allows; the "Longer capture" button doubles up to it. */
  maxSeconds: number;
}

/** The capture length "Longer capture" asks for, or undefined when already at the cap. */
export function longerSeconds(current: number, maxSeconds: number): number | undefined {
  const next = Math.min(current * 2, maxSeconds);
  return next > current ? next : undefined;
}

/** The parent once the check is done: the verdict in one line, with the buttons. */
export function buildFinalParentMessage(result: CheckResult, opts: FinalParentOptions): SlackMessage {
  const { request, verdict } = result;
  const oneLiner = verdictOneLiner(result);
  const b = new BlockBudget(REPORT_NOTICE);
  const partial = verdict.partial ? ` *${escapeMrkdwn(partialTag(verdict.partial))}*.` : '';
  const cut = result.cutShort ? ' :scissors: The check was cut short; this answer comes from what was read.' : '';
  b.section(`${HANDLER_EMOJI[verdict.handler]} *${escapeMrkdwn(request.firewall)}*: ${escapeMrkdwn(handlerSentence(verdict.handler))} (rule ${escapeMrkdwn(verdict.rule)}).${partial}${cut} Details in the thread.`, { allowTruncate: true });
  const found = request.options.configOnly ? 'config only, no capture' : `${countOf(result.sip.calls.length, 'call')}, ${countOf(result.sip.problems.length, 'problem')}`;
  b.context(`${escapeMrkdwn(optionsEcho(request.options))} · requested by ${requestedBy(request)} · ${found} · check \`${escapeMrkdwn(request.id)}\``);
  b.actions(buildButtons(request, opts.maxSeconds, verdict.remediation.length > 0 || verdict.clearSessions.length > 0));
  return { text: fallbackText(oneLiner), blocks: b.build() };
}

export function buildButtons(request: CheckRequest, maxSeconds: number, withRemediation: boolean): KnownBlock {
  const again = commandTextOf(request.firewall, request.options);
  const button = (actionId: string, text: string, command: string): types.Button => ({ type: 'button', action_id: actionId, text: { type: 'plain_text', text }, value: encodeButtonValue({ command, checkId: request.id }) });
  const elements: types.Button[] = [];
  if (request.options.configOnly) {
    // A config-only check offers itself again, and the capture it left out.
    const capture = { ...request.options, configOnly: false };
    elements.push(button(ACTION_IDS.configOnly, 'Config again', again));
    elements.push(button(ACTION_IDS.captureAgain, `With capture (${capture.seconds} s)`, commandTextOf(request.firewall, capture)));
  } else {
    elements.push(button(ACTION_IDS.captureAgain, 'Capture again', again));
    const longer = longerSeconds(request.options.seconds, maxSeconds);
    if (longer !== undefined) elements.push(button(ACTION_IDS.longerCapture, `Longer capture (${longer} s)`, commandTextOf(request.firewall, { ...request.options, seconds: longer })));
    // The safest check, where debug is not welcome: configuration and counters only.
    elements.push(button(ACTION_IDS.configOnly, 'Config only', commandTextOf(request.firewall, { ...request.options, configOnly: true })));
  }
  if (withRemediation) {
    elements.push({ type: 'button', action_id: ACTION_IDS.showRemediation, text: { type: 'plain_text', text: 'Show remediation' }, value: encodeButtonValue({ command: again, checkId: request.id }) });
  }
  return { type: 'actions', block_id: 'sip_check_actions', elements };
}

function policyLine(p: { id: number; name?: string; handler: PolicyHandler; rule: string; reason: string }): string {
  const name = p.name ? ` (${deviceValue(p.name)})` : '';
  return `• policy ${p.id}${name}: *${escapeMrkdwn(handlerWords(p.handler))}* (${escapeMrkdwn(p.rule)}) ${proseMrkdwn(p.reason)}`;
}

function vdomsDiffer(vdoms: VdomVerdict[]): boolean {
  return new Set(vdoms.map((v) => v.handler)).size > 1;
}

function policiesDiffer(v: VdomVerdict): boolean {
  return new Set(v.policies.map((p) => p.handler)).size > 1;
}

/** What a verdict card shows: a check's result, or the verdict from the configuration posted before the capture. */
interface CardSource {
  request: CheckRequest;
  verdict: Verdict;
  config: ConfigSummary;
  hostname?: string;
  version?: string;
}

/**
 * The verdict card: handler, firewall facts, the rule in plain words, evidence, per-policy results when they differ.
 * With a verdict from the configuration posted before (issue 23), the card is that card updated in place, and its
 * first line says what the runtime evidence did: confirmed it, changed it (and why), or never came.
 */
export function buildVerdictMessage(result: CheckResult, opts: { supersedes?: string } = {}): SlackMessage {
  const settled = settlementOf(result);
  const lead: string[] = [];
  if (opts.supersedes) lead.push(`:arrow_up: This card supersedes the verdict from the configuration posted above (that card could not be updated: ${escapeMrkdwn(opts.supersedes)}).`);
  if (settled) lead.push(`${SETTLEMENT_EMOJI[settled.kind]} ${proseMrkdwn(settled.line)}`);
  else if (result.request.options.configOnly) lead.push(':page_facing_up: From the configuration and the counters only (`config`).');
  const b = verdictCard(result, lead);
  b.context(captureLine(result.capture, result.cutShort, result.request.options.configOnly === true));
  for (const note of result.notes) b.context(`:information_source: ${proseMrkdwn(note)}`);
  const text = `${opts.supersedes ? 'Supersedes the verdict from the configuration posted above. ' : ''}${verdictOneLiner(result)}.${settled ? ` ${settled.line}` : ''} Rule ${result.verdict.rule}: ${result.verdict.explanation}`;
  return { text: fallbackText(text), blocks: b.build() };
}

/**
 * The card posted as soon as the configuration is read (issue 23), marked as coming from it. `settledBy` replaces
 * "runtime evidence in N s" when the check ended without a result (the runtime part is missing, and why).
 */
export function buildConfigVerdictMessage(early: ConfigVerdict, settledBy?: string): SlackMessage {
  const line = settledBy === undefined ? configVerdictLine(early.captureSeconds) : runtimeMissingLine(settledBy);
  const b = verdictCard(early, [`${settledBy === undefined ? ':hourglass_flowing_sand:' : ':scissors:'} *${escapeMrkdwn(line)}*`]);
  const text = `${configOneLiner(early)}. ${line} Rule ${early.verdict.rule}: ${early.verdict.explanation}`;
  return { text: fallbackText(text), blocks: b.build() };
}

function verdictCard(src: CardSource, lead: string[]): BlockBudget {
  const { request, verdict, config } = src;
  const alarming = verdict.handler === 'mismatch' || verdict.handler === 'mixed';
  const b = new BlockBudget(REPORT_NOTICE);
  b.header(`${HANDLER_EMOJI[verdict.handler]} ${request.firewall}: ${handlerWords(verdict.handler)}${verdict.partial ? ` (${partialTag(verdict.partial)})` : ''}`);
  // Where this answer comes from, first: the reader must know whether the runtime evidence has spoken yet.
  for (const l of lead) b.section(l, { allowTruncate: true });
  // Before anything else: the handler speaks for the checked VDOMs only (issue 11 §2).
  if (verdict.partial) b.section(`:warning: ${proseMrkdwn(verdict.partial.explanation)}`, { allowTruncate: true });
  if (alarming) {
    const notes = verdict.vdoms.flatMap((v) => v.notes.map((n) => `${v.name}: ${n}`));
    const lead = verdict.handler === 'mismatch' ? '*Mismatch:* the configuration says one handler, the firewall\'s runtime evidence shows another.' : '*Mixed:* policies in this check use different SIP handlers.';
    b.section(`:warning: ${lead}${notes.length ? '\n' + notes.map((n) => `• ${proseMrkdwn(n)}`).join('\n') : ''}`, { allowTruncate: true });
  }
  const vdoms = (verdict.vdoms.length ? verdict.vdoms.map((v) => v.name) : request.options.vdom ? [request.options.vdom] : []).map((v) => deviceValue(v)).join(', ');
  const helpers = config.sipHelpers.map((h) => `sip ${h.port}/${h.protocol === 6 ? 'TCP' : h.protocol === 17 ? 'UDP' : `proto ${h.protocol}`} (id ${h.id})`).join(', ');
  b.fields([
    ['Firewall', escapeMrkdwn(request.firewall)],
    ['Hostname', deviceValue(src.hostname ?? config.hostname ?? '')],
    ['FortiOS', deviceValue(src.version ?? config.version ?? '')],
    ['VDOM', vdoms],
    ['default-voip-alg-mode', escapeMrkdwn(config.defaultVoipAlgMode)],
    ['Session helper', escapeMrkdwn(helpers || 'no sip entry')],
  ]);
  b.section(`*Rule ${escapeMrkdwn(verdict.rule)}:* ${proseMrkdwn(verdict.explanation)}`, { allowTruncate: true });
  if (verdict.evidence.length > 0) {
    b.section('*Evidence from the firewall*');
    b.code(verdict.evidence.map((e) => `# ${e.source}\n${e.text}`).join('\n'));
  }
  if (verdict.vdoms.length > 1 && vdomsDiffer(verdict.vdoms)) {
    b.section('*Per VDOM*\n' + verdict.vdoms.map((v) => `• ${deviceValue(v.name)}: *${escapeMrkdwn(handlerWords(v.handler))}* (${escapeMrkdwn(v.rule)})`).join('\n'), { allowTruncate: true });
  }
  for (const v of verdict.vdoms) {
    if (!policiesDiffer(v)) continue;
    const lines = v.policies.map(policyLine);
    b.section(`*Policies in ${deviceValue(v.name)} differ*\n` + lines.join('\n'), { allowTruncate: true });
  }
  const missing = [...new Set(verdict.vdoms.flatMap((v) => v.missing))];
  if (missing.length) b.section(`*Output missing for:* ${missing.map((m) => `\`${escapeMrkdwn(m)}\``).join(', ')}`, { allowTruncate: true });
  return b;
}

function captureLine(c: CheckResult['capture'], cut: CheckResult['cutShort'], configOnly: boolean): string {
  if (configOnly && !cut) return 'Config only: no SIP capture; no `diagnose debug` command was sent to the firewall.';
  const reset = c.debugReset ? 'debug disabled and reset on the firewall (confirmed)' : `:warning: debug reset NOT confirmed: run \`${DEBUG_CLEANUP.join('` and `')}\``;
  // A cut-short check says where it stopped and why, and what became of debug (issue 11 §3).
  if (cut) {
    const what = cut.phase === 'before-capture' ? 'none (the check was cut short before it)' : `${countOf(c.lines, 'line', { grouped: true })}, ${countOf(c.bytes, 'byte', { grouped: true })}, ${cut.phase === 'capture' ? 'cut short' : 'complete; the check was cut short after it'}`;
    return `:scissors: Capture: ${what}; ${cut.debugReset === null ? 'no debug was started on the firewall' : reset}.`;
  }
  if (c.stoppedBy === 'not-run') return 'No SIP debug capture was run.';
  return `Capture: ${c.seconds} s at level ${c.level}, ${countOf(c.lines, 'line', { grouped: true })}, ${countOf(c.bytes, 'byte', { grouped: true })}, stopped by ${c.stoppedBy}; ${reset}${escapeMrkdwn(settingsAsFound(c))}.`;
}

/**
 * What the capture line says of the console settings the capture changed: the ones put back, or "as found" when
 * both were known and already as the capture leaves them. A setting whose state before was unknown is said in
 * its own note ("Not put back on …"), once: then the line claims nothing for it.
 */
function settingsAsFound(c: CheckResult['capture']): string {
  if (c.settingsRestored === undefined) return '';
  if (c.settingsRestored.length) return `; put back as found: ${c.settingsRestored.join(', ')}`;
  return c.settingsUnknown?.length ? '' : '; console timestamp and duration as found';
}

function countList(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function callLine(c: SipCallSummary): string {
  const status = c.finalStatus !== null ? ` ${c.finalStatus}${c.finalReason ? ' ' + deviceValue(c.finalReason, 80) : ''}` : '';
  const timing = [c.postDialDelayMs !== undefined ? `PDD ${c.postDialDelayMs} ms` : '', c.durationMs !== undefined ? `${Math.round(c.durationMs / 1000)} s` : ''].filter(Boolean).join(', ');
  const codecs = deviceValue([...new Set(c.media.flatMap((m) => m.codecs))].join('/'), 80);
  const extra = [escapeMrkdwn(timing), codecs].filter(Boolean).join('; ');
  return `• ${deviceValue(c.from, 80)} → ${deviceValue(c.to, 80)}: *${c.state}*${status}${extra ? ` (${extra})` : ''}`;
}

/**
 * Appends bullet lines as sections of ≤ the section limit, spending at most `maxChars` on this part so
 * later parts still fit; what is left out is counted in a closing line.
 */
function bulletSections(b: BlockBudget, title: string, lines: string[], maxChars: number): void {
  let chunk = title;
  let spent = title.length;
  let shown = 0;
  for (const line of lines) {
    const l = truncate(line, 500);
    if (spent + l.length + 1 > maxChars) break;
    if (chunk.length + 1 + l.length > SLACK_LIMITS.sectionText) {
      if (!b.section(chunk)) return;
      chunk = l;
    } else {
      chunk += '\n' + l;
    }
    spent += l.length + 1;
    shown += 1;
  }
  if (lines.length > shown) chunk += `\n…and ${lines.length - shown} more in the attached report.`;
  b.section(chunk, { allowTruncate: true });
}

/** The SIP summary reply: problems first, then counts, calls and registrations. */
export function buildSummaryMessage(result: CheckResult): SlackMessage {
  const sip: SipSummary = result.sip;
  const b = new BlockBudget(REPORT_NOTICE);
  b.header(`SIP summary: ${result.request.firewall}`);
  if (sip.dropped && (sip.dropped.calls > 0 || sip.dropped.problems > 0)) {
    b.context(`:information_source: Memory caps hit during the capture: ${countOf(sip.dropped.calls, 'call')} counted but not kept, ${countOf(sip.dropped.problems, 'problem')} not kept.`);
  }
  if (sip.messages === 0) {
    b.section('No SIP messages were seen during the capture. Check that calls or registrations happened in the window, and the `peer`/`port` filter.');
  }
  if (sip.outcomes?.length) {
    b.section(`*Call outcomes* (answers, not faults): ${escapeMrkdwn(truncate(outcomesText(sip), 2400))}`, { allowTruncate: true });
  }
  if (sip.problems.length > 0) {
    bulletSections(b, `:warning: *Problems (${sip.problems.length})*`, sip.problems.map((p) => `• *${p.kind}*: ${deviceValue(p.message, 400)}`), 2400);
  }
  const states = new Map<string, number>();
  for (const c of sip.calls) states.set(c.state, (states.get(c.state) ?? 0) + 1);
  b.fields([
    ['Messages', String(sip.messages)],
    ['Retransmissions', String(sip.retransmissions)],
    ['Requests', escapeMrkdwn(truncate(countList(sip.requests), 1500)) || 'none'],
    ['Responses', escapeMrkdwn(truncate(countList(sip.responses), 1500)) || 'none'],
    ['Calls', `${sip.calls.length}${states.size ? ' (' + escapeMrkdwn(truncate(countList(Object.fromEntries(states)), 1500)) + ')' : ''}`],
    ['Registrations', String(sip.registrations.length)],
    ['Other transactions', escapeMrkdwn(truncate(sip.otherTransactions.map((t) => `${t.method} ${t.count}${t.unanswered ? ` (${t.unanswered} unanswered)` : ''}`).join(', '), 1500)) || 'none'],
    ['Debug lines', `${sip.lines.total} (${sip.lines.unknown} not recognised)`],
  ]);
  if (sip.calls.length > 0) bulletSections(b, `*Calls (${sip.calls.length})*`, sip.calls.map(callLine), 2400);
  if (sip.registrations.length > 0) {
    bulletSections(
      b,
      `*Registrations (${sip.registrations.length})*`,
      sip.registrations.map((r) => `• ${deviceValue(r.aor)}: ${escapeMrkdwn(r.outcome)}${r.expires !== undefined ? `, expires ${r.expires} s` : ''}`),
      1000,
    );
  }
  const text = `SIP summary for ${result.request.firewall}: ${countOf(sip.messages, 'message')}, ${countOf(sip.calls.length, 'call')}, ${countOf(sip.registrations.length, 'registration')}, ${countOf(sip.problems.length, 'problem')}.`;
  return { text: fallbackText(text), blocks: b.build() };
}

/** The `Analysis` the shared text renderers read, from a check's result. */
export function analysisOf(result: CheckResult): Analysis {
  const status: Analysis['status'] = {};
  const hostname = result.hostname ?? result.config.hostname;
  const version = result.version ?? result.config.version;
  if (hostname) status.hostname = hostname;
  if (version) status.version = version;
  if (result.config.vdomMode) status.vdomMode = result.config.vdomMode;
  return { verdict: result.verdict, config: result.config, sip: result.sip, status };
}

/** Plain text of the verdict for a fallback post (the shared renderer, bounded by the caller). */
export function verdictFallbackText(result: CheckResult): string {
  return `${result.request.firewall}: ${renderVerdictText(analysisOf(result))}`;
}

/** Plain text of the SIP summary for a fallback post. */
export function summaryFallbackText(result: CheckResult): string {
  return renderSipSummaryText(result.sip, { maxCalls: 10, maxProblems: 5 });
}

/** Why Slack refused a message, in words, by its error code: too long is not the same as malformed. */
export function refusalWords(slackError: string): string {
  switch (slackError) {
    case 'msg_too_long':
    case 'msg_blocks_too_long':
      return `was too long for a Slack message (${slackError})`;
    case 'invalid_blocks':
    case 'invalid_blocks_format':
      return `was refused by Slack as malformed Block Kit (${slackError}): a bug in the bot, worth reporting`;
    default:
      return `was refused by Slack (${slackError})`;
  }
}

/** The short message posted when a rich one was refused (`msg_too_long`, `invalid_blocks`, ...). */
export function buildFallbackMessage(what: string, summary: string, slackError: string): SlackMessage {
  // The notice goes first so truncation can never cut it.
  const text = fallbackText(`(The ${what} ${refusalWords(slackError)}; the full output is in the attached report file in this thread.)\n${summary}`);
  return { text, blocks: [{ type: 'section', text: mrkdwn(truncate(text, SLACK_LIMITS.sectionText)) }] };
}

/**
 * The failure reply in the thread: the error as chat shows it (`describeErrorForChat`: no local paths, user names
 * or addresses; the check id for the log) and what became of debug on the firewall.
 */
export function buildFailureMessage(request: CheckRequest, error: CheckError, cleanup: { debugReset: boolean | null }): SlackMessage {
  const described = describeErrorForChat(error, request.id);
  const resetLine =
    cleanup.debugReset === true
      ? ':white_check_mark: Debug was disabled and reset on the firewall (confirmed).'
      : cleanup.debugReset === false
        ? `:warning: Debug reset on the firewall could NOT be confirmed. Log in to ${request.firewall} and run \`${DEBUG_CLEANUP.join('` then `')}\`.`
        : 'No debug was started on the firewall.';
  const b = new BlockBudget(REPORT_NOTICE);
  b.section(`:x: *SIP check of ${escapeMrkdwn(request.firewall)} failed*\n${escapeMrkdwn(described)}`, { allowTruncate: true });
  b.section(resetLine);
  const plainReset = resetLine.replace(/:[a-z_]+: /, '');
  return { text: fallbackText(`SIP check of ${request.firewall} failed: ${described}\n${plainReset}`), blocks: b.build() };
}

/** The parent after a failure: the final state, in one line; the answer from the configuration stays when there was one. */
export function buildFailedParentMessage(request: CheckRequest, error: CheckError, early?: ConfigVerdict): SlackMessage {
  const first = chatErrorSummary(error);
  return buildParentMessage(request, { phase: 'failed', detail: truncate(first, 300) }, early ? { verdict: early, line: runtimeMissingLine(first) } : undefined);
}

/** Where a rerun stands, for the message whose button started it. */
export type RerunState = { state: 'running' } | { state: 'done' | 'failed'; outcome: string };

export const RERUN_BLOCK_ID = 'sip_check_rerun';

/** The line added to the message whose button started a rerun: who, what, and where it stands. */
export function rerunNotice(request: CheckRequest, s: RerunState): string {
  const what = `${userMention(request.requester.userId)} ran \`${escapeMrkdwn(commandTextOf(request.firewall, request.options))}\` again`;
  switch (s.state) {
    case 'running':
      return `:arrows_counterclockwise: ${what}: running in this thread.`;
    case 'done':
      return `:arrows_counterclockwise: ${what}: ${escapeMrkdwn(truncate(s.outcome, 500))}. Details in this thread.`;
    case 'failed':
      return `:arrows_counterclockwise: ${what}: failed: ${escapeMrkdwn(truncate(s.outcome, 300))}. Details in this thread.`;
  }
}

/**
 * `message` (as Slack echoed it with the click) with `notice` as a context line before its buttons, replacing an
 * earlier rerun line; its fallback text says the same after the original one.
 */
export function withRerunNotice(message: SlackMessage, notice: string): SlackMessage {
  const kept = message.blocks.filter((b) => b.block_id !== RERUN_BLOCK_ID);
  const line: KnownBlock = { type: 'context', block_id: RERUN_BLOCK_ID, elements: [{ type: 'mrkdwn', text: truncate(notice, SLACK_LIMITS.fieldText) }] };
  const at = kept.findIndex((b) => b.type === 'actions');
  const blocks = kept.length >= SLACK_LIMITS.blocks ? kept : at < 0 ? [...kept, line] : [...kept.slice(0, at), line, ...kept.slice(at)];
  const original = message.text.split(RERUN_TEXT_MARK)[0];
  return { text: truncate(`${original}${RERUN_TEXT_MARK}${notice.replace(/^:[a-z_]+: /, '')}`, SLACK_LIMITS.messageText), blocks };
}

const RERUN_TEXT_MARK = '\n↻ ';

/** Help and refusals, as ephemeral plain text. */
export function buildEphemeral(text: string): SlackMessage {
  const t = fallbackText(text);
  return { text: t, blocks: [{ type: 'section', text: mrkdwn(truncate(t, SLACK_LIMITS.sectionText)) }] };
}

/** What to tell a user whose channel the bot cannot post in. */
export function notInChannelText(slackError: string): string {
  return [
    `I can't post in this channel (\`${slackError}\`), so the check was not run.`,
    '• Invite me: `/invite @sip-check`, then run the command again.',
    '• Or, for public channels, the workspace admin can add the `chat:write.public` scope to the app.',
  ].join('\n');
}
