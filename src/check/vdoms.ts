import { COMMANDS } from '../fortios/cli';
import { parseInterfaceVdoms, parseVdList } from '../fortios/parsers';
import type { CommandResult } from '../fortios/types';

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
