import { DEFAULTS } from '../fortios/cli';
import type { Facts, VdomFacts } from './facts';
import type { PolicyHandler, RemediationOption, RemediationScope, SessionClearing, SessionHelperEntry, VdomVerdict } from './types';

/**
 * FortiOS CLI that would change who handles SIP, written for this firewall's actual config (its policy ids,
 * profile names, helper entry id, VDOM wrapping), as separate options: each one self-contained, each leading to
 * one handler, with its scope and side effects in words. Clearing SIP sessions is a step of its own (it drops
 * calls in progress), never inside an option. test/verdict/remediationProof.test.ts applies every option to the
 * config model (applyCli.ts) and decides again: the handler must be the one promised.
 * Sources: 7.4 admin guide (SIP ALG and SIP session helper), KB 192004 (enabling the ALG), KB 384586 (clear
 * existing SIP sessions after a change), KB 211669 (helper entry deleted, profile with SIP disabled).
 */

const ALG_HANDLERS: ReadonlySet<PolicyHandler> = new Set<PolicyHandler>(['sip-alg', 'sip-alg+ips', 'flow-sip-ips']);

function indent(lines: string[], by = 4): string[] {
  const pad = ' '.repeat(by);
  return lines.map((l) => pad + l);
}

/** Double-quotes a FortiOS name, escaping quotes and backslashes. */
function q(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function inVdom(facts: Facts, vdom: string, body: string[]): string[] {
  if (!body.length) return [];
  return facts.multiVdom ? ['config vdom', `edit ${vdom}`, ...body, 'end'] : body;
}

function inGlobal(facts: Facts, body: string[]): string[] {
  if (!body.length) return [];
  return facts.multiVdom ? ['config global', ...body, 'end'] : body;
}

function setMode(mode: string): string[] {
  return ['config system settings', ...indent([`set default-voip-alg-mode ${mode}`]), 'end'];
}

function editPolicies(ids: number[], line: string): string[] {
  if (!ids.length) return [];
  return ['config firewall policy', ...indent(ids.flatMap((id) => [`edit ${id}`, ...indent([line]), 'next'])), 'end'];
}

function sipPort(v: VdomFacts): number {
  return v.evidence.filterPort ?? DEFAULTS.sipUdpPort;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** Where an option acts, in words: `VDOM voice`, `this firewall`, plus the global table when touched. */
function scopeWords(facts: Facts, v: VdomFacts, scope: RemediationScope): string {
  const vdom = facts.multiVdom ? `VDOM ${v.name}` : 'this firewall';
  if (scope === 'vdom') return vdom;
  const global = facts.multiVdom ? 'global session-helper table (all VDOMs)' : 'global session-helper table';
  return scope === 'global' ? global : `${vdom} + ${global}`;
}

const HANDLER_TITLE: Record<PolicyHandler, string> = {
  'sip-alg': 'SIP ALG',
  'sip-alg+ips': 'SIP ALG + IPS',
  'flow-sip-ips': 'flow-based SIP inspection',
  'session-helper': 'SIP session helper',
  none: 'no SIP handler',
};

interface Parts {
  vdomLines: string[];
  globalLines: string[];
  sideEffects: string[];
}

function option(facts: Facts, v: VdomFacts, leadsTo: PolicyHandler, parts: Parts): RemediationOption | null {
  const commands = [...inVdom(facts, v.name, parts.vdomLines), ...inGlobal(facts, parts.globalLines)];
  if (!commands.length) return null;
  const scope: RemediationScope = parts.vdomLines.length && parts.globalLines.length ? 'vdom-and-global' : parts.globalLines.length ? 'global' : 'vdom';
  return {
    title: `SIP → ${HANDLER_TITLE[leadsTo]} (${scopeWords(facts, v, scope)})`,
    leadsTo,
    scope,
    vdom: v.name,
    commands,
    sideEffects: [...parts.sideEffects, 'Calls already up keep their old handler until their sessions are cleared or expire (KB 384586): that is a separate step.'],
  };
}

function clearSessions(facts: Facts, v: VdomFacts): SessionClearing {
  const port = sipPort(v);
  const where = facts.multiVdom ? `VDOM ${v.name}` : 'this firewall';
  return {
    title: `Clear the SIP sessions on port ${port} (${where}) so calls pick up the new handler`,
    scope: 'vdom',
    vdom: v.name,
    commands: inVdom(facts, v.name, ['diagnose sys session filter clear', `diagnose sys session filter dport ${port}`, 'diagnose sys session clear']),
    sideEffects: [
      `Drops every call in progress through port ${port} in ${where}: phones re-register and calls must be placed again (KB 384586). Do it in a quiet hour, after the change.`,
      ...(knownSipPort(facts, v, port) ? [] : [`Port ${port} (the check's \`port=\`) is not a SIP port in this configuration (not in the ALG's SIP ports nor a \`sip\` session-helper entry): every session to port ${port} is dropped, SIP or not.`]),
    ],
  };
}

/** A port the configuration itself names as SIP: the ALG's ports, a `sip` session-helper entry, or 5060/5061. */
function knownSipPort(facts: Facts, v: VdomFacts, port: number): boolean {
  const s = v.settings;
  const alg = s ? [...s.sipUdpPorts, ...s.sipTcpPorts, ...s.sipSslPorts] : [DEFAULTS.sipUdpPort, 5061];
  return alg.includes(port) || (facts.sessionHelpers ?? []).some((h) => h.name === 'sip' && h.port === port);
}

/** Policies of the verdict whose VoIP profile inspects SIP (they keep the ALG whatever the default mode: R1). */
function policiesWithSipProfile(v: VdomFacts, verdict: VdomVerdict): number[] {
  const ids = new Set(verdict.policies.map((p) => p.id));
  return (v.policies ?? [])
    .filter((p) => ids.has(p.id) && p.voipProfile && p.utmStatus !== 'disable' && v.voipProfiles?.[p.voipProfile]?.sipStatus !== 'disable')
    .map((p) => p.id);
}

/** `set default-voip-alg-mode` only when the VDOM is not already in that mode. */
function modeChange(v: VdomFacts, mode: string): string[] {
  return v.settings?.defaultVoipAlgMode === mode ? [] : setMode(mode);
}

function modeEffect(facts: Facts, v: VdomFacts, mode: string): string[] {
  if (v.settings?.defaultVoipAlgMode === mode) return [];
  return [`\`default-voip-alg-mode ${mode}\` applies to every policy without a VoIP profile in ${facts.multiVdom ? `VDOM ${v.name}` : 'this firewall'}, not only the SIP ones listed here.`];
}

function unsetProfileEffect(v: VdomFacts, ids: number[]): string[] {
  if (!ids.length) return [];
  const names = [...new Set(ids.map((id) => v.policies?.find((p) => p.id === id)?.voipProfile).filter(Boolean))];
  return [`Removes the VoIP profile (${names.map((n) => `"${n}"`).join(', ')}) from ${plural(ids.length, 'policy', 'policies')} ${ids.join(', ')}: its SIP checks, rate limits and VoIP logging stop there.`];
}

function helperEntry(helpers: SessionHelperEntry[], port: number): string[] {
  const used = new Set(helpers.map((h) => h.id));
  let id: number = DEFAULTS.sessionHelperSipId;
  if (used.has(id)) {
    id = 1;
    while (used.has(id)) id++;
  }
  return ['config system session-helper', ...indent([`edit ${id}`, ...indent(['set name sip', 'set protocol 17', `set port ${port}`]), 'next']), 'end'];
}

function toHelper(facts: Facts, v: VdomFacts, verdict: VdomVerdict): RemediationOption | null {
  const port = sipPort(v);
  const helpers = facts.sessionHelpers ?? [];
  const existing = helpers.find((h) => h.name === 'sip' && h.port === port);
  const unset = policiesWithSipProfile(v, verdict);
  const globalLines = existing ? [] : helperEntry(helpers, port);
  return option(facts, v, 'session-helper', {
    vdomLines: [...modeChange(v, 'kernel-helper-based'), ...editPolicies(unset, 'unset voip-profile')],
    globalLines,
    sideEffects: [
      ...modeEffect(facts, v, 'kernel-helper-based'),
      ...unsetProfileEffect(v, unset),
      ...(globalLines.length ? [`Adds a \`sip\` session-helper entry for udp/${port}: the table is global${facts.multiVdom ? ', so every VDOM in kernel-helper-based mode picks it up' : ''}.`] : []),
      'The session helper only rewrites SIP/SDP for NAT and opens RTP pinholes: no SIP checks, rate limits or VoIP logging.',
    ],
  });
}

function toAlg(facts: Facts, v: VdomFacts, verdict: VdomVerdict): RemediationOption | null {
  const ids = new Set(verdict.policies.map((p) => p.id));
  const policies = (v.policies ?? []).filter((p) => ids.has(p.id));
  const vdomLines = [...modeChange(v, 'proxy-based')];
  const sideEffects = [...modeEffect(facts, v, 'proxy-based')];
  const sharedBy = (name: string) => (v.policies ?? []).filter((p) => p.voipProfile === name && !ids.has(p.id)).map((p) => p.id);
  const profileEffect = (names: string[], what: string) => {
    for (const name of names) {
      const others = sharedBy(name);
      sideEffects.push(`${what} in VoIP profile "${name}"${others.length ? `, which ${plural(others.length, 'policy', 'policies')} ${others.join(', ')} also ${plural(others.length, 'uses', 'use')}` : ''}.`);
    }
  };
  const disabledProfiles = [...new Set(policies.filter((p) => p.voipProfile && v.voipProfiles?.[p.voipProfile]?.sipStatus === 'disable').map((p) => p.voipProfile as string))];
  if (disabledProfiles.length) {
    vdomLines.push('config voip profile', ...indent(disabledProfiles.flatMap((name) => [`edit ${q(name)}`, ...indent(['config sip', ...indent(['set status enable']), 'end']), 'next'])), 'end');
    profileEffect(disabledProfiles, 'Enables SIP inspection');
  }
  // Flow feature-set profiles inspect SIP in IPS: the ALG needs `proxy` (7.0/7.2) or `voipd` (7.4+).
  const flowProfiles = [...new Set(policies.filter((p) => p.voipProfile && ['flow', 'ips'].includes(v.voipProfiles?.[p.voipProfile]?.featureSet ?? '')).map((p) => p.voipProfile as string))];
  if (flowProfiles.length) {
    vdomLines.push('config voip profile', ...indent(flowProfiles.flatMap((name) => [`edit ${q(name)}`, ...indent([`set feature-set ${v.voipProfiles?.[name]?.featureSet === 'ips' ? 'voipd' : 'proxy'}`]), 'next'])), 'end');
    profileEffect(flowProfiles, 'Moves SIP inspection from the IPS engine to the ALG (feature set)');
  }
  const major = facts.status?.versionMajor;
  const minor = facts.status?.versionMinor;
  if (major === 7 && (minor === 0 || minor === 2)) {
    // 7.0/7.2: the ALG needs proxy inspection on the policy (KB 217022).
    const flowPolicies = policies.filter((p) => p.inspectionMode !== 'proxy').map((p) => p.id);
    vdomLines.push(...editPolicies(flowPolicies, 'set inspection-mode proxy'));
    if (flowPolicies.length) sideEffects.push(`Turns ${plural(flowPolicies.length, 'policy', 'policies')} ${flowPolicies.join(', ')} to proxy inspection: every security profile on ${plural(flowPolicies.length, 'it', 'them')} then runs in proxy mode (more CPU and memory).`);
  }
  const s = v.settings;
  const port = v.evidence.filterPort;
  if (port !== undefined && s && !s.sipUdpPorts.includes(port) && !s.sipTcpPorts.includes(port)) {
    // R7: the ALG watches only its configured ports.
    vdomLines.push('config system settings', ...indent([`set sip-udp-port ${[...s.sipUdpPorts, port].join(' ')}`, `set sip-tcp-port ${[...s.sipTcpPorts, port].join(' ')}`]), 'end');
    sideEffects.push(`The ALG also watches port ${port} (udp and tcp) in ${facts.multiVdom ? `VDOM ${v.name}` : 'this firewall'}.`);
  }
  // 7.4+: `ips-voip-filter` beside a VoIP profile adds IPS signatures: those policies get the ALG + IPS.
  const withIps = policies.filter((p) => p.voipProfile && p.ipsVoipFilter && p.utmStatus !== 'disable');
  const leadsTo: PolicyHandler = withIps.length && withIps.length === policies.length && (major === undefined || major > 7 || (major === 7 && (minor ?? 0) >= 4)) ? 'sip-alg+ips' : 'sip-alg';
  sideEffects.push('The SIP ALG rewrites SIP/SDP, checks SIP syntax and can block malformed messages; some PBXs or providers ask for it to be off.');
  return option(facts, v, leadsTo, { vdomLines, globalLines: [], sideEffects });
}

function toNone(facts: Facts, v: VdomFacts, verdict: VdomVerdict): RemediationOption | null {
  // Without the whole helper table, the `sip` entries to delete are not known.
  if (!facts.sessionHelpers || facts.sessionHelpersSubset) return null;
  const sip = facts.sessionHelpers.filter((h) => h.name === 'sip');
  const ids = new Set(verdict.policies.map((p) => p.id));
  const withProfile = (v.policies ?? []).filter((p) => ids.has(p.id) && p.voipProfile && p.utmStatus !== 'disable').map((p) => p.id);
  const globalLines = sip.length ? ['config system session-helper', ...indent(sip.map((h) => `delete ${h.id}`)), 'end'] : [];
  return option(facts, v, 'none', {
    vdomLines: [...modeChange(v, 'kernel-helper-based'), ...editPolicies(withProfile, 'unset voip-profile')],
    globalLines,
    sideEffects: [
      ...modeEffect(facts, v, 'kernel-helper-based'),
      ...unsetProfileEffect(v, withProfile),
      ...(sip.length
        ? [`Deletes the \`sip\` session-helper ${plural(sip.length, 'entry', 'entries')} ${sip.map((h) => h.id).join(', ')}: the table is global, so this affects ${facts.multiVdom ? 'every VDOM' : 'the whole firewall'}; SIP in kernel-helper-based mode then gets no NAT help anywhere.`]
        : []),
      'SIP crosses the firewall as plain traffic: no SIP/SDP NAT rewriting and no RTP pinholes (the PBX or phones must handle NAT).',
    ],
  });
}

export interface Remediation {
  options: RemediationOption[];
  clearSessions?: SessionClearing;
}

export function remediationFor(facts: Facts, v: VdomFacts, verdict: VdomVerdict): Remediation {
  if (verdict.handler === 'unknown') return { options: [] };
  // No policy carries SIP: nothing to switch (a mismatch still needs its sessions cleared).
  if (!verdict.policies.length) return verdict.handler === 'mismatch' ? { options: [], clearSessions: clearSessions(facts, v) } : { options: [] };
  const handlers = new Set(verdict.policies.map((p) => p.handler));
  const anyAlg = [...handlers].some((h) => ALG_HANDLERS.has(h));
  const candidates: Array<RemediationOption | null> = [];
  if (anyAlg || handlers.has('none') || verdict.handler === 'none' || verdict.handler === 'mixed') candidates.push(toHelper(facts, v, verdict));
  if (handlers.has('session-helper') || handlers.has('none') || handlers.has('flow-sip-ips') || verdict.handler === 'none' || verdict.handler === 'mixed') candidates.push(toAlg(facts, v, verdict));
  if (handlers.has('session-helper') || anyAlg) candidates.push(toNone(facts, v, verdict));
  const options: RemediationOption[] = [];
  for (const o of candidates) {
    // Each option once: two outcomes reached by the same lines would be one option under two names.
    if (o && !options.some((x) => x.commands.join('\n') === o.commands.join('\n'))) options.push(o);
  }
  if (!options.length && verdict.handler !== 'mismatch') return { options };
  return { options, clearSessions: clearSessions(facts, v) };
}
