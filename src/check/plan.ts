import { COMMANDS, DEFAULTS } from '../fortios/cli';
import type { CheckLimits } from '../config/types';
import type { CheckOptions } from './types';

/**
 * The command plans of one check, as data. Everything here is read-only, except the debug controls
 * of the capture, which the cleanup always undoes.
 */

/** Per-VDOM config and evidence reads (DOMAIN.md "Inputs" and "Runtime evidence"). */
export function vdomReads(sipPort: number): string[] {
  return [
    COMMANDS.systemSettings,
    COMMANDS.firewallPolicy,
    COMMANDS.serviceCustom,
    COMMANDS.voipProfile,
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

/** Reads of the global scope (multi-VDOM: under `config global`). */
export const GLOBAL_READS: readonly string[] = [COMMANDS.sessionHelper, COMMANDS.vdList];
/** In single-VDOM mode the session-helper table is read at the top level. */
export const SINGLE_VDOM_GLOBAL_READS: readonly string[] = [COMMANDS.sessionHelper];

/** The device-side dead-man timer: whole minutes just above the window, never 0 (0 = unlimited). */
export function debugDurationMinutes(windowSeconds: number): number {
  return Math.max(1, Math.ceil(windowSeconds / 60) + 1);
}

/** The documented debug sequence up to `diagnose debug enable` (DOMAIN.md "The SIP debug capture"). */
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
