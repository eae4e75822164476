import { COMMANDS } from '../fortios/cli';
import { parseInterfaceVdoms, parseVdList } from '../fortios/parsers';
import type { CommandResult } from '../fortios/types';
import type { FortiSession } from '../fortigate/types';
import { CheckError } from '../errors';
import { GLOBAL_READS } from './plan';

/**
 * The VDOM names a check may enter, from what it read under `config global`: `diagnose sys vd list`, else (a
 * restricted admin profile refuses it, or prints something we do not understand) the `set vdom` lines of
 * `show system interface`. Only names read from the firewall are ever entered: `edit NAME` under `config vdom`
 * creates a VDOM that does not exist (a config write). Whether names were left out is the verdict's concern
 * (src/verdict/coverage.ts), compared with the count `get system status` prints.
 */
export function listedVdoms(outputs: readonly CommandResult[]): string[] {
  const list = outputs.find((o) => o.command === COMMANDS.vdList && !o.error);
  const listed = list ? parseVdList(list.output).map((v) => v.name) : [];
  if (listed.length) return listed;
  const interfaces = outputs.find((o) => o.command === COMMANDS.systemInterface && o.context === 'global' && !o.error);
  return interfaces ? parseInterfaceVdoms(interfaces.output) : [];
}

/**
 * Under `config global`: the global reads of the plan, then the VDOM names (falling back to `show system interface`
 * when the list gives none). Shared by the check and the fleet sweep so both see the same VDOMs.
 */
export async function readGlobalVdoms(
  session: Pick<FortiSession, 'enterGlobal' | 'leaveContext'>,
  run: (command: string) => Promise<CommandResult>,
  outputs: readonly CommandResult[],
): Promise<string[]> {
  await session.enterGlobal();
  for (const command of GLOBAL_READS) await run(command);
  // A restricted admin profile may refuse the VDOM list: the interfaces name the VDOMs too (read-only).
  if (!listedVdoms(outputs).length) await run(COMMANDS.systemInterface);
  await session.leaveContext();
  return listedVdoms(outputs);
}

/**
 * The VDOMs to read: the one asked for (by the user or the inventory) when the firewall showed it, else every VDOM
 * it showed, else root. `edit NAME` under `config vdom` creates a VDOM that does not exist (a config write), so a
 * name the firewall did not show is refused, never entered (root always exists).
 */
export function pickVdoms(known: readonly string[], wanted: string | undefined, firewall: string): string[] {
  if (!wanted) return known.length ? [...known] : ['root'];
  if (wanted !== 'root' && !known.includes(wanted)) {
    throw new CheckError('usage', known.length
      ? `VDOM \`${wanted}\` is not among the VDOMs ${firewall} showed (${known.join(', ')}), so it is not entered: \`edit NAME\` under \`config vdom\` would create it.`
      : `Could not list the VDOMs of ${firewall} (\`${COMMANDS.vdList}\`, \`${COMMANDS.systemInterface}\`), so \`vdom=${wanted}\` cannot be checked safely.`);
  }
  return [wanted];
}
