import { COMMANDS, DEFAULTS } from '../fortios/cli';
import type { CheckLimits } from '../config/types';
import type { DebugInfo } from '../fortios/parsers';
import { CheckError } from '../errors';
import type { CheckOptions } from './types';

/**
 * The command plans of one check, as data. Everything here is read-only, except the debug controls
 * of the capture, which the cleanup always undoes.
 */

/** Per-VDOM config and evidence reads (docs/domain.md "Inputs" and "Runtime evidence"). */
export function vdomReads(sipPort: number): string[] {
  return [...vdomConfigReads(), ...vdomEvidenceReads(sipPort)];
}

/** The per-VDOM configuration a verdict needs: read first, so the answer can be posted before the counters (issue 23). */
export function vdomConfigReads(): string[] {
  // Session timers per port (session-ttl): with the services' and the global UDP idle timer, what keeps a
  // registration's session (issue 22 §5).
  return [COMMANDS.systemSettings, COMMANDS.firewallPolicy, COMMANDS.serviceCustom, COMMANDS.sessionTtl, COMMANDS.voipProfile];
}

/** The per-VDOM runtime evidence read before the capture (counters, calls, session flags). */
export function vdomEvidenceReads(sipPort: number): string[] {
  return [
    COMMANDS.sipProxyStats,
    COMMANDS.sipProxyCalls,
    COMMANDS.sipHelperStatus,
    COMMANDS.sessionFilterClear,
    COMMANDS.sessionFilterDport(sipPort),
    COMMANDS.sessionList,
    // Leave no session filter behind for the next admin.
    COMMANDS.sessionFilterClear,
  ];
}

/**
 * Defence in depth for the plans that must never touch debug (a fleet sweep, a `config` check): any `diagnose debug`
 * line, even a read, is refused before it reaches the session.
 */
export function assertNoDebug(command: string, who = 'the sweep'): string {
  if (/^\s*diag(?:nose)?\s+debug\b/i.test(command)) throw new CheckError('internal', `${who} refused a debug command (${command})`);
  return command;
}

/** Reads of the global scope (multi-VDOM: under `config global`). */
export const GLOBAL_READS: readonly string[] = [COMMANDS.sessionHelper, COMMANDS.systemGlobal, COMMANDS.vdList];
/** In single-VDOM mode the session-helper table and `config system global` are read at the top level. */
export const SINGLE_VDOM_GLOBAL_READS: readonly string[] = [COMMANDS.sessionHelper, COMMANDS.systemGlobal];

/** The device-side dead-man timer: whole minutes just above the window, never 0 (0 = unlimited). */
export function debugDurationMinutes(windowSeconds: number): number {
  return Math.max(1, Math.ceil(windowSeconds / 60) + 1);
}

/** The documented debug sequence up to `diagnose debug enable` (docs/domain.md "The SIP debug capture"). */
export function captureStartCommands(options: CheckOptions, limits: CheckLimits): string[] {
  const commands: string[] = [
    COMMANDS.debugDisable,
    COMMANDS.debugReset,
    COMMANDS.debugTimestamp,
    COMMANDS.debugDuration(debugDurationMinutes(options.seconds)),
    COMMANDS.debugSip(options.level),
  ];
  if (limits.debugIm) commands.push(COMMANDS.debugIm);
  commands.push(COMMANDS.debugEnable);
  return commands;
}

export function sipPortFor(options: CheckOptions): number {
  return options.port ?? DEFAULTS.sipUdpPort;
}

/** What the capture changes besides the levels (which `diagnose debug reset` clears), as found and as set. */
export interface DebugRestore {
  /** Commands that put the settings back as found; sent after `diagnose debug reset`. */
  commands: string[];
  /** Settings that differ from what was found, in words, for the report. */
  restored: string[];
  /** Settings whose state before the check is unknown (not printed, or `diagnose debug info` refused), with what the capture left. */
  unknown: string[];
}

/**
 * The capture turns on `diagnose debug console timestamp enable` and sets `diagnose debug duration N`
 * (captureStartCommands). Put back what `diagnose debug info` showed before (issue 11 §4); a setting that was
 * already as the capture left it needs nothing. A previous duration of 0 (unlimited) is put back as found: debug
 * output is disabled and the levels reset by then, so nothing runs unbounded.
 */
export function debugRestoreCommands(before: DebugInfo | undefined, options: CheckOptions): DebugRestore {
  const restore: DebugRestore = { commands: [], restored: [], unknown: [] };
  if (before?.consoleTimestamp === undefined) restore.unknown.push('console timestamp (left enabled)');
  else if (!before.consoleTimestamp) {
    restore.commands.push(COMMANDS.debugTimestampDisable);
    restore.restored.push('console timestamp disabled');
  }
  const set = debugDurationMinutes(options.seconds);
  if (before?.durationMinutes === undefined) restore.unknown.push(`debug duration (left at ${set} min)`);
  else if (before.durationMinutes !== set) {
    restore.commands.push(COMMANDS.debugDuration(before.durationMinutes));
    restore.restored.push(`debug duration ${before.durationMinutes === 0 ? '0 (unlimited)' : `${before.durationMinutes} min`}`);
  }
  return restore;
}
