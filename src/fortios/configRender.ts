import type { ConfigNode, ConfigTable } from './configParser';

/**
 * Prints a parsed config block back as FortiOS `show` does: `config PATH`, `set` lines, `edit KEY` / `next`,
 * nested `config` blocks, `end`, four spaces per level. Names are double-quoted, keywords and numbers are not
 * (`parseConfig` reads both the same). Used by the simulator once a change was applied to its config.
 */

const BARE = /^[A-Za-z0-9_.:/+-]+$/;

/** A value as `show` prints it: keywords and numbers bare, names double-quoted. */
export function renderValue(value: string): string {
  return word(value, !isKeyword(value));
}

function word(value: string, quoteNames: boolean): string {
  if (!quoteNames && BARE.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function isKeyword(value: string): boolean {
  return /^(?:\d[\d.:/-]*|[a-z][a-z0-9-]*)$/.test(value);
}

function nodeLines(node: ConfigNode, depth: number): string[] {
  const pad = '    '.repeat(depth);
  const out: string[] = [];
  for (const [key, values] of Object.entries(node.settings)) {
    out.push(`${pad}set ${key} ${values.map((v) => word(v, !isKeyword(v))).join(' ')}`.trimEnd());
  }
  for (const [name, table] of Object.entries(node.tables)) out.push(...tableLines(name, table, depth));
  return out;
}

function tableLines(name: string, table: ConfigTable, depth: number): string[] {
  const pad = '    '.repeat(depth);
  const out = [`${pad}config ${name}`, ...nodeLines({ settings: table.settings, tables: table.tables }, depth + 1)];
  for (const e of table.entries) {
    out.push(`${pad}    edit ${/^\d+$/.test(e.key) ? e.key : word(e.key, true)}`, ...nodeLines(e.node, depth + 2), `${pad}    next`);
  }
  out.push(`${pad}end`);
  return out;
}

export function renderConfigTable(path: string, table: ConfigTable): string {
  return tableLines(path, table, 0).join('\n');
}
