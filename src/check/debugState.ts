import { COMMANDS } from '../fortios/cli';
import { parseDebugInfo, type DebugInfo } from '../fortios/parsers';
import type { CommandResult } from '../fortios/types';
import { toCheckError } from '../errors';
import { debugRestoreCommands, type DebugRestore } from './plan';
import type { CheckOptions } from './types';

/**
 * Leave the firewall as it was found (issue 11 §4): the debug console settings the capture changes are read
 * before (`diagnose debug info`, read-only) and put back after the final `diagnose debug reset`.
 */

/** Reads `diagnose debug info` (a refusal is not fatal: the settings are then unknown) and plans the restore. */
export async function readDebugState(run: (command: string) => Promise<CommandResult>, options: CheckOptions, firewall: string, notes: string[]): Promise<DebugRestore> {
  const info = await run(COMMANDS.debugInfo);
  const found = info.error ? undefined : parseDebugInfo(info.output);
  const inUse = found ? debugInUse(found) : undefined;
  if (inUse) notes.push(`Debug was already in use on ${firewall} before this check (${inUse}). The documented capture sequence starts and ends with \`diagnose debug reset\`, which clears it: whoever set it may need to set it again.`);
  return debugRestoreCommands(found, options);
}

/** Other debug in use before the check (output on, application levels set), in words; undefined when none. */
function debugInUse(found: DebugInfo): string | undefined {
  const parts: string[] = [];
  if (found.outputEnabled) parts.push('debug output enabled');
  const levels = Object.entries(found.levels);
  if (levels.length) parts.push(`levels ${levels.slice(0, 6).map(([app, n]) => `${app} ${n}`).join(', ')}`);
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * Puts `console timestamp` and `duration` back as `diagnose debug info` showed them before the capture, and says
 * what it did, or why it could not, in a note (issue 11 §4). Throws only when the session itself fails.
 */
export async function putBackDebugSettings(
  run: (command: string) => Promise<CommandResult>,
  restore: DebugRestore | undefined,
  firewall: string,
  notes: string[],
  onRestored: (settings: string[]) => void,
): Promise<void> {
  if (!restore) return;
  const failed: string[] = [];
  try {
    for (const command of restore.commands) {
      const r = await run(command);
      if (r.error) failed.push(`\`${command}\` (${r.error.text})`);
    }
  } catch (e) {
    notes.push(`The debug settings of ${firewall} could not be put back as found (${toCheckError(e).message}): run ${restore.commands.map((c) => `\`${c}\``).join(', ')}.`);
    throw e;
  }
  if (failed.length) notes.push(`The debug settings of ${firewall} could not all be put back as found: ${failed.join(', ')} failed.`);
  else onRestored(restore.restored);
  if (restore.unknown.length) {
    notes.push(`Not put back on ${firewall}: ${restore.unknown.join(', ')}. \`${COMMANDS.debugInfo}\` did not show ${restore.unknown.length > 1 ? 'their' : 'its'} state before the check.`);
  }
}
