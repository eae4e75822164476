import { COMMANDS, DEFAULTS } from '../fortios/cli';
import type { Facts, VdomFacts } from './facts';
import { PROTO } from './ports';
import type { PolicyVerdict } from './types';

/**
 * How long the firewall keeps an idle UDP session to the SIP port, and what set it (KB 191228 "Session timeout
 * settings"): a custom service's `udp-idle-timer`, else its `session-ttl`, else a `config system session-ttl` port
 * entry covering the port, else `udp-idle-timer` in `config system global` (180 s by default). Pure.
 *
 * KB 191228 orders the service's `session-ttl` over the port entries and the service's `udp-idle-timer` over the
 * global one; which of a service's two settings wins for UDP is not stated there: the UDP-specific one is taken.
 */
export interface UdpIdleTimer {
  seconds: number;
  /** The setting in words, with where it is: `udp-idle-timer 180 (the default; ...)`. */
  setting: string;
  /** The command whose output says so; undefined when nothing was read and the default is assumed. */
  source?: string;
  /** Policies whose SIP sessions live by it. */
  policies: number[];
}

function covers(ranges: ReadonlyArray<{ proto: number; low: number; high: number }> | undefined, port: number): boolean {
  return (ranges ?? []).some((r) => r.proto === PROTO.UDP && r.low <= port && port <= r.high);
}

function timerOf(facts: Facts, v: VdomFacts, services: readonly string[], port: number): Omit<UdpIdleTimer, 'policies'> {
  for (const name of services) {
    const t = v.serviceTimers?.[name];
    if (!t || !covers(v.customServices?.[name], port)) continue;
    if (t.udpIdleTimer !== undefined) return { seconds: t.udpIdleTimer, setting: `\`set udp-idle-timer ${t.udpIdleTimer}\` in custom service "${name}"`, source: COMMANDS.serviceCustom };
    if (t.sessionTtl !== undefined) return { seconds: t.sessionTtl, setting: `\`set session-ttl ${t.sessionTtl}\` in custom service "${name}"`, source: COMMANDS.serviceCustom };
  }
  const entry = v.sessionTtl?.ports.find((p) => (p.protocol === PROTO.UDP || p.protocol === 0) && p.low <= port && port <= p.high);
  if (entry && Number.isFinite(entry.timeout)) {
    return { seconds: entry.timeout, setting: `\`config system session-ttl\` port entry ${entry.id} (protocol ${entry.protocol}, ports ${entry.low}-${entry.high}, \`set timeout ${entry.timeout}\`)`, source: v.sessionTtl!.source };
  }
  if (entry) return { seconds: Number.POSITIVE_INFINITY, setting: `\`config system session-ttl\` port entry ${entry.id} (\`set timeout never\`)`, source: v.sessionTtl!.source };
  const g = facts.systemGlobal;
  if (g?.udpIdleTimer !== undefined) return { seconds: g.udpIdleTimer, setting: `\`set udp-idle-timer ${g.udpIdleTimer}\` in \`config system global\``, source: g.source };
  if (g?.udpIdleTimerKnown) return { seconds: DEFAULTS.udpIdleTimer, setting: `\`udp-idle-timer\` ${DEFAULTS.udpIdleTimer} (the default: \`config system global\` does not set it)`, source: g.source };
  return { seconds: DEFAULTS.udpIdleTimer, setting: `\`udp-idle-timer\` ${DEFAULTS.udpIdleTimer}, the default, assumed (\`${COMMANDS.systemGlobal}\` was not read)` };
}

/** The shortest idle timer among the SIP-carrying policies' sessions to `port` (the one a phone meets first). */
export function sipUdpIdleTimer(facts: Facts, v: VdomFacts, verdicts: readonly PolicyVerdict[], port: number = DEFAULTS.sipUdpPort): UdpIdleTimer | undefined {
  const byPolicy = verdicts.map((pv) => {
    const p = v.policies?.find((x) => x.id === pv.id);
    return { id: pv.id, timer: timerOf(facts, v, p?.services ?? [], port) };
  });
  if (!byPolicy.length) return undefined;
  const shortest = byPolicy.reduce((a, b) => (b.timer.seconds < a.timer.seconds ? b : a));
  return { ...shortest.timer, policies: byPolicy.filter((b) => b.timer.setting === shortest.timer.setting).map((b) => b.id) };
}

/** A registration as the capture saw it (the SIP summary's `registrations`). */
export interface CapturedRegistration {
  aor: string;
  expires?: number;
}

/**
 * Registrations that ask to live longer than the UDP idle timer: between two REGISTERs the session (and its NAT
 * mapping) expires, so an inbound INVITE finds no way to the phone. Said with both numbers, or nothing.
 */
export function registrationTimerNote(timer: UdpIdleTimer | undefined, registrations: readonly CapturedRegistration[], policiesText: (ids: number[]) => string): string | undefined {
  if (!timer || !Number.isFinite(timer.seconds)) return undefined;
  const long = registrations.filter((r) => r.expires !== undefined && r.expires > timer.seconds);
  if (!long.length) return undefined;
  const longest = long.reduce((a, b) => ((b.expires ?? 0) > (a.expires ?? 0) ? b : a));
  const who = long.length === 1 ? `${longest.aor} registers` : `${long.length} registrations (for example ${longest.aor}) register`;
  return (
    `Registration interval against the UDP idle timer: ${who} with \`Expires: ${longest.expires}\` (seconds), but idle UDP sessions to port ${DEFAULTS.sipUdpPort} ` +
    `on ${policiesText(timer.policies)} expire after ${timer.seconds} s (${timer.setting}; KB 191228). Between two registrations the firewall can drop the phone's session and NAT mapping, ` +
    `so inbound calls can fail until the phone registers again. Register (or send keepalives) more often than every ${timer.seconds} s, or give SIP a longer UDP idle timer (a custom service with \`set udp-idle-timer\`, KB 191228).`
  );
}
