import { DEFAULTS } from '../fortios/cli';
import type { Facts, VdomFacts } from './facts';
import type { PolicyHandler, SessionHelperEntry, VdomVerdict } from './types';

/**
 * FortiOS CLI that would change who handles SIP, written for this firewall's actual config (its policy ids,
 * profile names, helper entry id, VDOM wrapping). Shown to the admin, never executed by the bot.
 * `#` lines are comments for the reader. Sources: 7.4 admin guide (SIP ALG and SIP session helper),
 * KB 192004 (enabling the ALG), KB 384586 (clear existing SIP sessions after a change).
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
  return facts.multiVdom ? ['config vdom', `edit ${vdom}`, ...body, 'end'] : body;
}

function inGlobal(facts: Facts, body: string[]): string[] {
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

function clearSessions(facts: Facts, v: VdomFacts): string[] {
  return [
    '# Clear existing SIP sessions so they pick up the new handler (KB 384586):',
    ...inVdom(facts, v.name, ['diagnose sys session filter clear', `diagnose sys session filter dport ${sipPort(v)}`, 'diagnose sys session clear']),
  ];
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

/** A titled block; the VDOM-wrapped body is left out when there is nothing to change in the VDOM. */
function block(facts: Facts, v: VdomFacts, title: string, body: string[]): string[] {
  return body.length ? [title, ...inVdom(facts, v.name, body)] : [title];
}

function toHelper(facts: Facts, v: VdomFacts, verdict: VdomVerdict): string[] {
  const port = sipPort(v);
  const helpers = facts.sessionHelpers ?? [];
  const existing = helpers.find((h) => h.name === 'sip' && h.port === port);
  const lines = block(facts, v, '# Switch SIP to the session helper:', [...modeChange(v, 'kernel-helper-based'), ...editPolicies(policiesWithSipProfile(v, verdict), 'unset voip-profile')]);
  if (!existing) lines.push(`# The session-helper table is global; add a \`sip\` entry for port ${port}:`, ...inGlobal(facts, helperEntry(helpers, port)));
  return lines;
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

function toAlg(facts: Facts, v: VdomFacts, verdict: VdomVerdict): string[] {
  const ids = new Set(verdict.policies.map((p) => p.id));
  const policies = (v.policies ?? []).filter((p) => ids.has(p.id));
  const disabledProfiles = [...new Set(policies.filter((p) => p.voipProfile && v.voipProfiles?.[p.voipProfile]?.sipStatus === 'disable').map((p) => p.voipProfile as string))];
  const body = [...modeChange(v, 'proxy-based')];
  if (disabledProfiles.length) {
    body.push('config voip profile', ...indent(disabledProfiles.flatMap((name) => [`edit ${q(name)}`, ...indent(['config sip', ...indent(['set status enable']), 'end']), 'next'])), 'end');
  }
  // Flow feature-set profiles inspect SIP in IPS: the ALG needs `proxy` (7.0/7.2) or `voipd` (7.4+).
  const flowProfiles = [...new Set(policies.filter((p) => p.voipProfile && ['flow', 'ips'].includes(v.voipProfiles?.[p.voipProfile]?.featureSet ?? '')).map((p) => p.voipProfile as string))];
  if (flowProfiles.length) {
    body.push('config voip profile', ...indent(flowProfiles.flatMap((name) => [`edit ${q(name)}`, ...indent([`set feature-set ${v.voipProfiles?.[name]?.featureSet === 'ips' ? 'voipd' : 'proxy'}`]), 'next'])), 'end');
  }
  const major = facts.status?.versionMajor;
  const minor = facts.status?.versionMinor;
  if (major === 7 && (minor === 0 || minor === 2)) {
    // 7.0/7.2: the ALG needs proxy inspection on the policy (KB 217022).
    body.push(...editPolicies(policies.filter((p) => p.inspectionMode !== 'proxy').map((p) => p.id), 'set inspection-mode proxy'));
  }
  const lines = block(facts, v, '# Switch SIP to the SIP ALG:', body);
  const s = v.settings;
  const port = v.evidence.filterPort;
  if (port !== undefined && s && !s.sipUdpPorts.includes(port) && !s.sipTcpPorts.includes(port)) {
    lines.push(`# The ALG watches only its configured ports (R7); add ${port}:`, ...inVdom(facts, v.name, ['config system settings', ...indent([`set sip-udp-port ${[...s.sipUdpPorts, port].join(' ')}`, `set sip-tcp-port ${[...s.sipTcpPorts, port].join(' ')}`]), 'end']));
  }
  return lines;
}

function disableBoth(facts: Facts, v: VdomFacts, verdict: VdomVerdict): string[] {
  const sip = (facts.sessionHelpers ?? []).filter((h) => h.name === 'sip');
  const lines = block(facts, v, '# Disable both (plain firewall policy, no SIP awareness):', [...modeChange(v, 'kernel-helper-based'), ...editPolicies(policiesWithSipProfile(v, verdict), 'unset voip-profile')]);
  if (sip.length) {
    lines.push(
      `# Delete the \`sip\` session-helper entr${sip.length > 1 ? 'ies' : 'y'} (global${facts.multiVdom ? ': affects every VDOM' : ''}):`,
      ...inGlobal(facts, ['config system session-helper', ...indent(sip.map((h) => `delete ${h.id}`)), 'end']),
    );
  }
  return lines;
}

export function remediationFor(facts: Facts, v: VdomFacts, verdict: VdomVerdict): string {
  if (verdict.handler === 'unknown') return '';
  const handlers = new Set(verdict.policies.map((p) => p.handler));
  const anyAlg = [...handlers].some((h) => ALG_HANDLERS.has(h));
  const blocks: string[][] = [];
  if (verdict.handler === 'mismatch') blocks.push(clearSessions(facts, v));
  if (anyAlg || verdict.handler === 'none' || verdict.handler === 'mixed') blocks.push(toHelper(facts, v, verdict));
  if (handlers.has('session-helper') || handlers.has('none') || handlers.has('flow-sip-ips') || verdict.handler === 'none' || verdict.handler === 'mixed') blocks.push(toAlg(facts, v, verdict));
  if (handlers.has('session-helper') || anyAlg) blocks.push(disableBoth(facts, v, verdict));
  if (verdict.handler !== 'mismatch' && blocks.length) blocks.push(clearSessions(facts, v));
  return blocks.map((b) => b.join('\n')).join('\n\n');
}
