import { COMMANDS } from '../fortios/cli';
import { sessionHandler, sipProxyStatsDelta } from '../fortios/parsers';
import { fortiosVersion, type Facts, type FortiosVersion, type PolicyFacts, type VdomFacts } from './facts';
import { carriesSip, covers, policyPorts, PROTO, SIP_NAME, type PolicyPorts } from './ports';
import { vdomCoverage } from './coverage';
import { remediationFor } from './remediation';
import { policiesText } from './policyIds';
import { registrationTimerNote, sipUdpIdleTimer, type CapturedRegistration } from './timers';
import type { Evidence, OverallHandler, PolicyHandler, PolicyVerdict, RuleId, SessionHelperEntry, Verdict, VdomVerdict } from './types';
import { countOf } from '../plural';

/**
 * The verdict: who handles SIP, per accepting policy, per VDOM and overall (docs/domain.md R1-R8). Pure.
 * Config decides; strong runtime evidence (counters, session flags, debug flow) that contradicts it
 * makes a `mismatch` (R8). Whether the debug capture printed SIP is weak evidence: both handlers print.
 */

/** What the capture saw, from the SIP summary (weak evidence). */
export interface CaptureEvidence {
  messages: number;
  lines: number;
  /** The registrations the capture saw, with the interval they ask (`Expires`): set against the UDP idle timer. */
  registrations?: readonly CapturedRegistration[];
}

export const HANDLER_LABEL: Record<OverallHandler, string> = {
  'sip-alg': 'SIP ALG',
  'sip-alg+ips': 'SIP ALG + IPS',
  'flow-sip-ips': 'flow-based SIP inspection (IPS)',
  'session-helper': 'SIP session helper',
  none: 'nothing (no SIP handler)',
  mixed: 'mixed',
  mismatch: 'mismatch',
  unknown: 'unknown',
};

const HANDLER_MEANING: Record<PolicyHandler, string> = {
  'sip-alg': 'the SIP ALG (voipd proxy in user space: rewrites SIP/SDP for NAT, opens RTP pinholes, checks and logs SIP)',
  'sip-alg+ips': 'the SIP ALG (voipd proxy) plus IPS SIP signatures',
  'flow-sip-ips': 'flow-based SIP inspection in the IPS engine, not the SIP ALG proxy',
  'session-helper': 'the legacy kernel SIP session helper (basic SIP/SDP NAT and pinholes only)',
  none: 'nothing: the firewall passes SIP as plain traffic, with no SIP-aware NAT or pinholes',
};

export { policiesText };

type Version = FortiosVersion;

/**
 * A note about one policy that other policies may share: said once for the set (`policies 1-5`), wherever it is
 * made. `key` tells which notes are the same; `text` writes it for the policies it covers.
 */
interface PolicyNote {
  key: string;
  id: number;
  text: (policies: string) => string;
}

type Note = string | PolicyNote;

type PolicyOutcome = { verdict: PolicyVerdict; notes: Note[] } | { missing: string; notes: Note[] };

/** Notes in first-seen order, each shared note once with every policy it covers. */
function mergeNotes(notes: readonly Note[]): string[] {
  const order: Array<string | PolicyNote[]> = [];
  const groups = new Map<string, PolicyNote[]>();
  for (const n of notes) {
    if (typeof n === 'string') {
      if (!order.includes(n)) order.push(n);
      continue;
    }
    let group = groups.get(n.key);
    if (!group) {
      group = [];
      groups.set(n.key, group);
      order.push(group);
    }
    group.push(n);
  }
  return order.map((o) => (typeof o === 'string' ? o : o[0].text(policiesText(o.map((n) => n.id)))));
}

interface Context {
  vdom: VdomFacts;
  helpers?: SessionHelperEntry[];
  /** The command that printed only some helper entries (the `sip` one may be among those not seen). */
  helpersSubset?: string;
  version: Version;
  /** SIP ports the traffic may use when a policy allows any port. */
  sipPorts: Array<{ proto: number; port: number }>;
}

function is70or72(v: Version): boolean {
  return v.major === 7 && (v.minor === 0 || v.minor === 2);
}

function atLeast74(v: Version): boolean {
  return v.major !== undefined && (v.major > 7 || (v.major === 7 && (v.minor ?? 0) >= 4));
}

function sipHelperEntries(helpers: SessionHelperEntry[]): SessionHelperEntry[] {
  return helpers.filter((h) => h.name === 'sip');
}

/** Helper entries that cover the traffic the policy carries (helper watches its entry's port: R5/R7). */
function coveringHelpers(ctx: Context, ports: PolicyPorts): SessionHelperEntry[] {
  const sip = sipHelperEntries(ctx.helpers ?? []);
  const filter = ctx.vdom.evidence.filterPort;
  return sip.filter((h) => {
    if (!covers(ports.ranges, h.protocol, h.port)) return false;
    // The port under test (session filter) is the traffic's port when the policy allows any.
    return filter === undefined || ports.ranges !== null || h.port === filter;
  });
}

function algPorts(vdom: VdomFacts): Array<{ proto: number; port: number }> {
  const s = vdom.settings;
  const udp = s?.sipUdpPorts ?? [5060];
  const tcp = [...(s?.sipTcpPorts ?? [5060]), ...(s?.sipSslPorts ?? [5061])];
  return [...udp.map((port) => ({ proto: PROTO.UDP, port })), ...tcp.map((port) => ({ proto: PROTO.TCP, port }))];
}

/** Whether the ALG watches a port the policy carries (R7). */
function algCovers(ctx: Context, ports: PolicyPorts): boolean {
  const filter = ctx.vdom.evidence.filterPort;
  const watched = algPorts(ctx.vdom);
  if (ports.ranges === null) return filter === undefined || watched.some((w) => w.port === filter);
  return watched.some((w) => covers(ports.ranges, w.proto, w.port));
}

function portText(ports: PolicyPorts, filter?: number): string {
  if (ports.ranges === null) return filter !== undefined ? `port ${filter}` : 'any port';
  return ports.ranges.map((r) => `${r.proto === PROTO.UDP ? 'udp' : r.proto === PROTO.TCP ? 'tcp' : r.proto}/${r.low === r.high ? r.low : `${r.low}-${r.high}`}`).join(', ');
}

function verdictOf(p: PolicyFacts, handler: PolicyHandler, rule: RuleId, reason: string): PolicyVerdict {
  const v: PolicyVerdict = { id: p.id, handler, rule, reason };
  if (p.name) v.name = p.name;
  return v;
}

/** The ALG path (R1, R3, R4, R6) with the version and port qualifiers. */
function algOutcome(ctx: Context, p: PolicyFacts, ports: PolicyPorts, rule: RuleId, reason: string, profileFeatureSet?: string): PolicyOutcome {
  const notes: Note[] = [];
  if (!algCovers(ctx, ports)) {
    const s = ctx.vdom.settings;
    return {
      verdict: verdictOf(p, 'none', 'R7', `${reason}, but the SIP ALG watches only udp ${(s?.sipUdpPorts ?? [5060]).join(' ')} / tcp ${(s?.sipTcpPorts ?? [5060]).join(' ')} / tls ${(s?.sipSslPorts ?? [5061]).join(' ')} (\`config system settings\`) and this policy carries ${portText(ports, ctx.vdom.evidence.filterPort)}: SIP there escapes the ALG`),
      notes,
    };
  }
  // 7.4+: `feature-set ips` (7.0/7.2: `flow`) profiles inspect SIP in the IPS engine (KB 306398).
  if (profileFeatureSet === 'flow' || profileFeatureSet === 'ips') {
    return { verdict: verdictOf(p, 'flow-sip-ips', rule, `${reason}; the profile's \`feature-set ${profileFeatureSet}\` inspects SIP in the IPS engine (KB 306398)`), notes };
  }
  // 7.0/7.2: the ALG needs a proxy-inspection policy; flow-mode policies get flow SIP inspection (KB 217022, KB 306398).
  if (is70or72(ctx.version) && p.inspectionMode !== 'proxy') {
    return {
      verdict: verdictOf(p, 'flow-sip-ips', rule, `${reason}; on FortiOS ${ctx.version.major}.${ctx.version.minor} the ALG needs \`set inspection-mode proxy\` and this policy is in ${p.inspectionMode} mode (KB 217022)`),
      notes,
    };
  }
  if (ctx.version.major === undefined && p.inspectionMode !== 'proxy') {
    const mode = p.inspectionMode;
    notes.push({
      key: `version-unknown|${mode}`,
      id: p.id,
      text: (ids) => `FortiOS version unknown (no \`${COMMANDS.systemStatus}\` output and no backup header \`#config-version=\` in the input): on 7.0/7.2 the ${mode}-mode ${ids} would get flow-based SIP inspection instead of the SIP ALG (KB 217022).`,
    });
  }
  // 7.4+: `ips-voip-filter` beside the VoIP profile adds IPS SIP signatures (7.4 admin guide).
  if (p.ipsVoipFilter && rule === 'R1' && (atLeast74(ctx.version) || ctx.version.major === undefined)) {
    return { verdict: verdictOf(p, 'sip-alg+ips', rule, `${reason}; \`ips-voip-filter "${p.ipsVoipFilter}"\` adds IPS SIP signatures`), notes };
  }
  return { verdict: verdictOf(p, 'sip-alg', rule, reason), notes };
}

/** The helper path (R2, R5): the helper handles SIP only on a port a `sip` entry covers. */
function helperOutcome(ctx: Context, p: PolicyFacts, ports: PolicyPorts, rule: RuleId, reason: string): PolicyOutcome {
  if (!ctx.helpers) return { missing: COMMANDS.sessionHelper, notes: [] };
  const covering = coveringHelpers(ctx, ports);
  if (covering.length) {
    const h = covering[0];
    return { verdict: verdictOf(p, 'session-helper', rule, `${reason}; session-helper entry ${h.id} (\`sip\`, protocol ${h.protocol}, port ${h.port}) covers it`), notes: [] };
  }
  if (ctx.helpersSubset) {
    const subset = ctx.helpersSubset;
    return { missing: COMMANDS.sessionHelper, notes: [{ key: 'helpers-subset', id: p.id, text: (ids) => `\`${subset}\` shows only some session-helper entries and none of them covers ${ids}: the whole table is needed.` }] };
  }
  const sip = sipHelperEntries(ctx.helpers);
  const why = sip.length
    ? `the \`sip\` session-helper entr${sip.length > 1 ? 'ies watch' : 'y watches'} ${sip.map((h) => `${h.protocol === PROTO.UDP ? 'udp' : 'tcp'}/${h.port}`).join(', ')}, not ${portText(ports, ctx.vdom.evidence.filterPort)}`
    : 'there is no `sip` entry in `config system session-helper`';
  return { verdict: verdictOf(p, 'none', rule, `${reason}, but ${why}: nothing handles SIP`), notes: [] };
}

function decidePolicy(ctx: Context, p: PolicyFacts, ports: PolicyPorts): PolicyOutcome {
  const v = ctx.vdom;
  const settings = v.settings;
  // R6: NGFW policy-based mode: no VoIP profile can be chosen; `default` applies (KB 306398).
  if (settings?.ngfwMode === 'policy-based') {
    if (settings.defaultVoipAlgMode === 'kernel-helper-based') {
      return helperOutcome(ctx, p, ports, 'R5', 'NGFW policy-based mode (no VoIP profile can be set) with `default-voip-alg-mode kernel-helper-based`');
    }
    return algOutcome(ctx, p, ports, 'R6', 'NGFW policy-based mode: VoIP profiles cannot be chosen, the `default` profile applies (KB 306398)');
  }
  const profileName = p.voipProfile && p.utmStatus !== 'disable' ? p.voipProfile : undefined;
  if (profileName) {
    if (!v.voipProfiles) return { missing: COMMANDS.voipProfile, notes: [] };
    const profile = v.voipProfiles[profileName];
    if (!profile) return { missing: COMMANDS.voipProfile, notes: [{ key: `profile-missing|${profileName}`, id: p.id, text: (ids) => `VoIP profile "${profileName}" of ${ids} is not in the \`voip profile\` output.` }] };
    if (profile.sipStatus === 'disable') {
      // R2: SIP disabled in the profile hands SIP to the helper, if any (KB 211669 point 4; KB 192004).
      return helperOutcome(ctx, p, ports, 'R2', `VoIP profile "${profileName}" has \`config sip\` / \`set status disable\``);
    }
    // R1: a VoIP profile with SIP enabled wins over default-voip-alg-mode (KB 211669 point 5; 7.4 guide).
    return algOutcome(ctx, p, ports, 'R1', `VoIP profile "${profileName}" with SIP enabled is on the policy`, profile.featureSet);
  }
  if (!settings) return { missing: COMMANDS.systemSettings, notes: [] };
  if (settings.defaultVoipAlgMode === 'kernel-helper-based') {
    // R5: no profile, kernel-helper-based → the helper on its entry's port (5.2; KB 194651).
    return helperOutcome(ctx, p, ports, 'R5', 'no VoIP profile and `default-voip-alg-mode kernel-helper-based`');
  }
  const modeText = settings.defaultVoipAlgModeShown ? '`default-voip-alg-mode proxy-based`' : '`default-voip-alg-mode` proxy-based (the default; plain `show` omits it)';
  // R4: proxy-based with the `sip` helper deleted still uses the ALG (KB 306398, KB 270884; KB 211669 point 3 disagrees).
  if (ctx.helpers && !ctx.helpersSubset && sipHelperEntries(ctx.helpers).length === 0) {
    return algOutcome(ctx, p, ports, 'R4', `no VoIP profile, ${modeText}, and no \`sip\` session-helper entry: the \`default\` VoIP profile applies`);
  }
  const notes: Note[] = ctx.helpers && !ctx.helpersSubset ? [] : [`\`${COMMANDS.sessionHelper}\` was not read whole: R3 and R4 give the same handler, but the helper table is unknown.`];
  const out = algOutcome(ctx, p, ports, 'R3', `no VoIP profile and ${modeText}: the \`default\` VoIP profile applies (KB 270884)`);
  out.notes.push(...notes);
  return out;
}

// ---------------------------------------------------------------- runtime evidence

type EvidenceHandler = 'sip-alg' | 'session-helper' | 'flow-sip-ips';

interface Signal {
  handler: EvidenceHandler;
  evidence: Evidence;
  /** Session-level evidence (existing sessions keep their handler: R8). */
  session: boolean;
}

interface EvidenceRead {
  signals: Signal[];
  /** Informational lines (counters flat, capture volume). */
  quotes: Evidence[];
  notes: string[];
}

function readEvidence(facts: Facts, v: VdomFacts, capture?: CaptureEvidence): EvidenceRead {
  const ev = v.evidence;
  const out: EvidenceRead = { signals: [], quotes: [], notes: [] };
  const statsCmd = COMMANDS.sipProxyStats;
  if (ev.proxyStats.length >= 2) {
    const first = ev.proxyStats[0];
    const last = ev.proxyStats[ev.proxyStats.length - 1];
    const delta = sipProxyStatsDelta(first.stats, last.stats)[v.name] ?? {};
    const risen = Object.keys(delta).filter((k) => k !== 'active-sessions' && k !== 'calls-active' && k !== 'registers-active');
    if (risen.length) {
      const lines = quoteCounterLines(last.output, risen);
      out.signals.push({ handler: 'sip-alg', session: false, evidence: { source: `${statsCmd} (after vs before)`, text: `${lines.join('\n')}\n(rose: ${risen.slice(0, 6).map((k) => `${k} +${delta[k]}`).join(', ')})` } });
    } else {
      out.quotes.push({ source: statsCmd, text: 'ALG counters did not move between the two readings' });
    }
  }
  // Counters since boot: not proof that the ALG handles SIP now (R8), but what it has done, quoted with their header.
  const lastStats = ev.proxyStats[ev.proxyStats.length - 1];
  if (lastStats && !out.signals.length) {
    const counters = lastStats.stats.vdoms[v.name] ?? {};
    const nonZero = Object.keys(counters).filter((k) => counters[k] > 0 && k !== 'active-sessions' && k !== 'calls-active' && k !== 'registers-active');
    if (nonZero.length) {
      out.quotes.push({ source: statsCmd, text: `${quoteCounterLines(lastStats.output, nonZero).join('\n')}\n(non-zero since the counters were last cleared: the ALG has handled SIP on this unit)` });
    } else {
      out.quotes.push({ source: statsCmd, text: 'every ALG counter is 0' });
    }
  }
  if (ev.proxyCalls) {
    if (ev.proxyCalls.callLines.length) {
      out.signals.push({ handler: 'sip-alg', session: true, evidence: { source: COMMANDS.sipProxyCalls, text: ev.proxyCalls.callLines.slice(0, 3).join('\n') } });
    } else {
      out.quotes.push({ source: COMMANDS.sipProxyCalls, text: 'sip calls (header only: the ALG holds no call)' });
    }
  }
  const hs = ev.helperStatus;
  if (hs && hs.lines.length) {
    if ((hs.dialogsUsed ?? 0) > 0 || (hs.mappingsUsed ?? 0) > 0) out.signals.push({ handler: 'session-helper', session: false, evidence: { source: COMMANDS.sipHelperStatus, text: hs.lines.join('\n') } });
    else out.quotes.push({ source: COMMANDS.sipHelperStatus, text: hs.lines.join('\n') });
  }
  if (ev.sessions) {
    const seen = new Set<EvidenceHandler>();
    for (const s of ev.sessions.sessions) {
      const h = sessionHandler(s);
      if (!h || seen.has(h)) continue;
      seen.add(h);
      out.signals.push({ handler: h, session: true, evidence: { source: COMMANDS.sessionList, text: s.quote.join('\n') } });
    }
    if (!seen.size) out.quotes.push({ source: COMMANDS.sessionList, text: ev.sessions.sessions.length ? `${countOf(ev.sessions.sessions.length, 'session')}, none with SIP handler flags` : `total session ${ev.sessions.total ?? 0}` });
  }
  if (ev.flow.helperRuns.length) out.signals.push({ handler: 'session-helper', session: true, evidence: { source: 'diagnose debug flow', text: ev.flow.helperRuns.slice(0, 2).join('\n') } });
  if (ev.flow.expectationHits.length) out.quotes.push({ source: 'diagnose debug flow', text: ev.flow.expectationHits[0] });
  // Per-VDOM kernel flags (informational: the table in docs/domain.md lists them, no rule reads them).
  const vd = facts.vdList?.find((e) => e.name === v.name);
  if (vd && (vd.sipHelper !== undefined || vd.sipNatTrace !== undefined)) {
    out.quotes.push({ source: COMMANDS.vdList, text: `name=${vd.name} sip_helper=${vd.sipHelper ?? '?'}, sip_nat_trace=${vd.sipNatTrace ?? '?'}` });
  }
  if (capture && capture.messages > 0) {
    out.quotes.push({ source: COMMANDS.debugSip(-1), text: `the capture printed ${countOf(capture.messages, 'SIP message')} (weak evidence: both handlers can print here)` });
  }
  return out;
}

/**
 * The lines of `diagnose sys sip-proxy stats` that hold these counters, as printed. A table row (`ACK 41 0 0 ...`)
 * means nothing without its columns: the table's header lines (`| received | blocked ...` and `req-type | req resp
 * ...`) are quoted before the first row.
 */
function quoteCounterLines(output: string, names: string[]): string[] {
  const wanted = new Set(names.map((n) => n.split('#')[0]));
  const lines: string[] = [];
  let header: string[] = [];
  let headerQuoted = false;
  let previous = '';
  let kept = 0;
  for (const line of output.split('\n')) {
    const t = line.trimEnd();
    const word = t.trim().split(/[\s:]/)[0];
    if (/^\s*req-type\s*\|/.test(t)) header = previous.includes('|') ? [previous, t] : [t];
    else if (wanted.has(word) && kept < 6) {
      const row = /^\s*[A-Z][A-Z_-]{1,20}(?:\s+\d{1,15}){1,16}\s*$/.test(t);
      if (row && header.length && !headerQuoted) {
        lines.push(...header);
        headerQuoted = true;
      }
      lines.push(row ? t : t.trim());
      kept++;
    }
    previous = t;
  }
  return lines;
}

function compatible(evidence: EvidenceHandler, config: PolicyHandler): boolean {
  if (evidence === 'sip-alg') return config === 'sip-alg' || config === 'sip-alg+ips';
  // IPS beside the ALG (7.4 `ips-voip-filter`) may mark sessions `ndr` too.
  if (evidence === 'flow-sip-ips') return config === 'flow-sip-ips' || config === 'sip-alg+ips';
  return evidence === config;
}

// ---------------------------------------------------------------- per VDOM, overall

/** `Policy 1, 2: reason.` when the reasons agree, else one sentence per policy (first few). */
function reasonsText(policies: PolicyVerdict[]): string {
  const byReason = new Map<string, number[]>();
  for (const p of policies) byReason.set(p.reason, [...(byReason.get(p.reason) ?? []), p.id]);
  const parts = [...byReason].slice(0, 3).map(([reason, ids]) => `${capitalise(policiesText(ids))}: ${reason}.`);
  if (byReason.size > 3) parts.push(`(${byReason.size - 3} more reasons in the table.)`);
  return parts.join(' ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ruleOf(policies: PolicyVerdict[]): string {
  return [...new Set(policies.map((p) => p.rule))].sort().join(', ');
}

function decideVdom(facts: Facts, v: VdomFacts, capture?: CaptureEvidence): VdomVerdict {
  const ctx: Context = {
    vdom: v,
    helpers: facts.sessionHelpers,
    helpersSubset: facts.sessionHelpersSubset,
    version: fortiosVersion(facts),
    sipPorts: [],
  };
  const missing = new Set<string>();
  const policyNotes: Note[] = [];
  const policies: PolicyVerdict[] = [];
  const guessed = new Set<string>();
  const filter = v.evidence.filterPort;
  const sipPorts = [
    { proto: PROTO.UDP, port: 5060 },
    { proto: PROTO.TCP, port: 5060 },
    ...algPorts(v),
    ...sipHelperEntries(facts.sessionHelpers ?? []).map((h) => ({ proto: h.protocol, port: h.port })),
    ...(filter !== undefined ? [{ proto: PROTO.UDP, port: filter }, { proto: PROTO.TCP, port: filter }] : []),
  ];
  ctx.sipPorts = sipPorts;

  if (!v.policies) {
    // Without the policies nothing says which rule applies: name everything a verdict may need.
    missing.add(COMMANDS.firewallPolicy);
    if (!v.settings) missing.add(COMMANDS.systemSettings);
    if (!facts.sessionHelpers) missing.add(COMMANDS.sessionHelper);
    if (!v.voipProfiles) missing.add(COMMANDS.voipProfile);
  }
  for (const p of v.policies ?? []) {
    if (p.action !== 'accept' || p.status === 'disable') continue;
    const ports = policyPorts(p, v);
    ports.guessed.forEach((g) => guessed.add(g));
    const byName = p.services.some((s) => SIP_NAME.test(s));
    if (!carriesSip(ports, sipPorts) && !byName) continue;
    const outcome = decidePolicy(ctx, p, ports);
    policyNotes.push(...outcome.notes);
    if ('missing' in outcome) missing.add(outcome.missing);
    else policies.push(outcome.verdict);
  }
  const notes: string[] = [...(v.readNotes ?? []), ...mergeNotes(policyNotes)];
  if (ctx.version.disagreement && !notes.includes(ctx.version.disagreement)) notes.push(ctx.version.disagreement);
  // Policies not seen may carry SIP: with only a subset read and none of it carrying SIP, nothing can be said.
  if (v.policiesSubset && !policies.length) missing.add(COMMANDS.firewallPolicy);
  if (guessed.size) {
    const judged = [...guessed].map((g) => `"${g}" as ${SIP_NAME.test(g) ? 'SIP (5060)' : 'not SIP'}`);
    notes.push(`Custom services not resolved (no \`show firewall service custom\` in the transcript), judged by name: ${judged.join('; ')}.`);
  }

  const read = readEvidence(facts, v, capture);
  const evidence: Evidence[] = [...read.signals.map((s) => s.evidence), ...read.quotes, ...(v.configEvidence ?? [])];
  notes.push(...read.notes);

  const configHandlers = [...new Set(policies.map((p) => p.handler))];
  const split: Partial<Record<PolicyHandler, number[]>> = {};
  for (const p of policies) (split[p.handler] ??= []).push(p.id);
  const rules = policies.map((p) => p.rule);
  if (rules.includes('R4')) {
    notes.push(
      'Sources disagree about a deleted `sip` session helper in proxy-based mode: KB 306398 and KB 270884 (official) say the helper does not matter and the SIP ALG still handles SIP; KB 211669 point 3 says nothing processes SIP then. This report follows the official documents; ' +
        (read.signals.some((s) => s.handler === 'sip-alg') ? 'the runtime evidence (ALG activity) confirms it.' : 'run the check during a call to let the ALG counters settle it.'),
    );
  }

  let handler: OverallHandler;
  let rule: string;
  let explanation: string;
  const base = { name: v.name, policies, evidence, missing: [...missing], notes };

  if (missing.size) {
    handler = 'unknown';
    rule = 'unknown';
    const hint = read.signals.length ? ` Runtime evidence points to the ${HANDLER_LABEL[read.signals[0].handler]}.` : '';
    explanation = `Cannot tell who handles SIP${facts.multiVdom ? ` in VDOM ${v.name}` : ''}: the output of ${[...missing].map((m) => `\`${m}\``).join(', ')} is missing from the transcript.${hint}`;
  } else {
    const contradicting = read.signals.filter((s) => !configHandlers.some((c) => compatible(s.handler, c)));
    if (contradicting.length) {
      handler = 'mismatch';
      rule = 'R8';
      const configText = configHandlers.length ? configHandlers.map((h) => HANDLER_LABEL[h]).join(' / ') : 'no SIP-carrying policy';
      const seen = [...new Set(contradicting.map((s) => HANDLER_LABEL[s.handler]))].join(' and ');
      explanation =
        `Mismatch${facts.multiVdom ? ` in VDOM ${v.name}` : ''}: the config says ${configText} (${ruleOf(policies) || 'no policy'}), but the firewall shows the ${seen} at work. ` +
        'Existing SIP sessions keep the handler they started with after a mode change, until they expire or are cleared (KB 384586); re-enabling the ALG may even need a reboot before its counters move (KB 192004). ' +
        'Clear the SIP sessions (commands below) and check again.';
      notes.push(`Config: ${configText}; evidence: ${seen}.`);
    } else if (!policies.length) {
      handler = 'none';
      rule = 'no SIP policy';
      explanation = `No enabled accepting policy${facts.multiVdom ? ` in VDOM ${v.name}` : ''} carries SIP ports, so no handler applies to SIP here.`;
    } else if (configHandlers.length === 1) {
      handler = configHandlers[0];
      rule = ruleOf(policies);
      explanation = `SIP${facts.multiVdom ? ` in VDOM ${v.name}` : ''} is handled by ${HANDLER_MEANING[handler]}. ${reasonsText(policies)}`;
      if (read.signals.length) explanation += ' The runtime evidence agrees.';
    } else {
      handler = 'mixed';
      rule = ruleOf(policies);
      explanation =
        `Policies${facts.multiVdom ? ` in VDOM ${v.name}` : ''} differ: ` +
        configHandlers.map((h) => `${HANDLER_LABEL[h]} on ${policiesText(split[h] ?? [])}`).join('; ') +
        '. Which one applies depends on the policy the SIP traffic matches.';
    }
  }
  if (v.policiesSubset && v.policies) {
    const seen = v.policies.map((p) => p.id);
    const sources = [...new Set(v.policiesSubset)].map((c) => `\`${c}\``).join(', ');
    const unseen = unseenSessionPolicies(v, seen);
    const text =
      `Only ${seen.length ? `${policiesText(seen)} ${seen.length > 1 ? 'were' : 'was'}` : 'no policy was'} seen (${sources}); other policies were not seen and are not judged` +
      (unseen.length ? `, among them ${policiesText(unseen)}, which carr${unseen.length > 1 ? 'y' : 'ies'} SIP sessions (\`${COMMANDS.sessionList}\`)` : '') +
      `: \`${COMMANDS.firewallPolicy}\` shows them all.`;
    explanation += ` ${text}`;
  }
  // Said after the verdict's own notes: it is about keeping calls working, not about who handles SIP.
  if (capture?.registrations?.length && policies.length) {
    const note = registrationTimerNote(sipUdpIdleTimer(facts, v, policies), capture.registrations, policiesText);
    if (note) notes.push(note);
  }
  const verdict: VdomVerdict = { ...base, handler, rule, explanation, remediation: [] };
  if (handler === 'mixed') verdict.split = split;
  const remedy = remediationFor(facts, v, verdict);
  verdict.remediation = remedy.options;
  if (remedy.clearSessions) verdict.clearSessions = remedy.clearSessions;
  return verdict;
}

/** Policy ids of the listed SIP sessions that no `show` output printed. */
function unseenSessionPolicies(v: VdomFacts, seen: number[]): number[] {
  const ids = new Set<number>();
  for (const s of v.evidence.sessions?.sessions ?? []) if (s.policyId !== undefined && !seen.includes(s.policyId)) ids.add(s.policyId);
  return [...ids].sort((a, b) => a - b).slice(0, 10);
}

/** Decides per VDOM, then overall. `capture` is the SIP summary's message count (weak evidence). */
export function decide(facts: Facts, capture?: CaptureEvidence): Verdict {
  const vdoms = facts.vdoms.length ? facts.vdoms : [{ name: 'root', evidence: { proxyStats: [], flow: { helperRuns: [], expectationHits: [] }, captureLines: 0 } }];
  const verdicts = vdoms.map((v) => decideVdom(facts, v, capture));
  const partial = vdomCoverage(facts, verdicts.map((v) => v.name));
  const withCoverage = (v: Verdict): Verdict => (partial ? { ...v, partial } : v);
  if (verdicts.length === 1) {
    const only = verdicts[0];
    return withCoverage({ handler: only.handler, vdoms: verdicts, rule: only.rule, explanation: only.explanation, evidence: only.evidence, remediation: only.remediation, clearSessions: only.clearSessions ? [only.clearSessions] : [] });
  }
  const handlers = new Set(verdicts.map((v) => v.handler));
  let handler: OverallHandler;
  if (handlers.has('mismatch')) handler = 'mismatch';
  else if (handlers.size === 1) handler = verdicts[0].handler;
  else if (handlers.has('unknown')) handler = 'unknown';
  else handler = 'mixed';
  return withCoverage({
    handler,
    vdoms: verdicts,
    rule: verdicts.map((v) => `${v.name}: ${v.rule}`).join('; '),
    explanation: (handlers.size === 1 ? '' : 'VDOMs differ. ') + verdicts.map((v) => `VDOM ${v.name}: ${HANDLER_LABEL[v.handler]}. ${v.explanation}`).join('\n'),
    evidence: verdicts.flatMap((v) => v.evidence.map((e) => ({ source: `${v.name}: ${e.source}`, text: e.text }))),
    remediation: verdicts.flatMap((v) => v.remediation),
    clearSessions: verdicts.flatMap((v) => (v.clearSessions ? [v.clearSessions] : [])),
  });
}
