import { cleanCliText } from './transcript';

/**
 * Parser of FortiOS configuration blocks as printed by `show` / `show full-configuration`:
 * `config` / `edit` / `set` / `unset` / `append` / `next` / `end`, nested `config` inside `edit`.
 *
 * Tolerant of pasted text (prompts, echoed commands, pager residue, CRLF, missing `end`s): lines it cannot
 * place are counted in `garbageLines`, never fatal. One pass over the text, a hand-written tokenizer (no
 * regexes that can backtrack), bounded depth: safe on hostile or broken device output.
 */

export interface ConfigNode {
  /** `set KEY VALUE...`: values unquoted, in order. */
  settings: Record<string, string[]>;
  /** Nested `config NAME` blocks, by name (`firewall policy`, `sip`). */
  tables: Record<string, ConfigTable>;
}

/** A `config NAME` block: its own `set` lines (single-object blocks like `system settings`) and its `edit` entries. */
export interface ConfigTable extends ConfigNode {
  entries: ConfigEntry[];
}

export interface ConfigEntry {
  /** The `edit` key, unquoted: `"5"`, `"default"`, `"name with space"`. */
  key: string;
  node: ConfigNode;
}

export interface ParsedConfig {
  root: ConfigNode;
  /** Non-empty lines that were not config syntax (prompts, echoes, banners, unknown text). */
  garbageLines: number;
}

/** Deeper nesting than any real FortiOS block; beyond it lines are counted as garbage. */
const MAX_DEPTH = 32;
/** Tokens kept per line: a `set` holding more values than this is truncated (bounded memory). */
const MAX_TOKENS = 4096;

interface Frame {
  kind: 'config' | 'edit';
  node: ConfigNode;
  indent: number;
}

export function emptyNode(): ConfigNode {
  return { settings: {}, tables: {} };
}

function emptyTable(): ConfigTable {
  return { settings: {}, tables: {}, entries: [] };
}

/** Splits one line into words; `"..."` and `'...'` group words, `\x` escapes x inside quotes. Linear. */
export function tokenizeConfigLine(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n && tokens.length < MAX_TOKENS) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    let token = '';
    if (c === '"' || c === "'") {
      const quote = c;
      i++;
      while (i < n && line[i] !== quote) {
        if (line[i] === '\\' && i + 1 < n) i++;
        token += line[i];
        i++;
      }
      i++; // closing quote (or past the end when unterminated)
    } else {
      while (i < n && line[i] !== ' ' && line[i] !== '\t') {
        token += line[i];
        i++;
      }
    }
    tokens.push(token);
  }
  return tokens;
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

/** Parses config text (one or many `show` outputs, or a whole pasted session). */
export function parseConfig(text: string): ParsedConfig {
  const root = emptyNode();
  const stack: Frame[] = [];
  let garbageLines = 0;
  const top = (): ConfigNode => (stack.length ? stack[stack.length - 1].node : root);

  for (const line of cleanCliText(text).split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue; // `#config-version=...` headers
    const indent = indentOf(line);
    const tokens = tokenizeConfigLine(trimmed);
    const word = tokens[0];
    const frame = stack.length ? stack[stack.length - 1] : undefined;

    switch (word) {
      case 'config': {
        if (tokens.length < 2) {
          garbageLines++;
          break;
        }
        // A missing `end` shows as a `config` less indented than the open block, or at the indent of an
        // open `config` (a nested block is always indented deeper; full backups nest at the same indent only under `edit`).
        while (stack.length) {
          const f = stack[stack.length - 1];
          if (indent < f.indent || (f.kind === 'config' && indent === f.indent)) stack.pop();
          else break;
        }
        if (stack.length >= MAX_DEPTH) {
          garbageLines++;
          break;
        }
        const name = tokens.slice(1).join(' ');
        const parent = top();
        // The same block shown twice (two pastes) merges into one table.
        const table = parent.tables[name] ?? (parent.tables[name] = emptyTable());
        stack.push({ kind: 'config', node: table, indent });
        break;
      }
      case 'edit': {
        if (tokens.length < 2) {
          garbageLines++;
          break;
        }
        if (frame?.kind === 'edit' && indent <= frame.indent) stack.pop(); // missing `next`
        const owner = stack.length ? stack[stack.length - 1] : undefined;
        if (!owner || owner.kind !== 'config') {
          garbageLines++;
          break;
        }
        const table = owner.node as ConfigTable;
        const key = tokens[1];
        let entry = table.entries.find((e) => e.key === key);
        if (!entry) {
          entry = { key, node: emptyNode() };
          table.entries.push(entry);
        }
        stack.push({ kind: 'edit', node: entry.node, indent });
        break;
      }
      case 'set':
      case 'append': {
        if (!frame || tokens.length < 2) {
          garbageLines++;
          break;
        }
        const key = tokens[1];
        const values = tokens.slice(2);
        const node = frame.node;
        node.settings[key] = word === 'append' && node.settings[key] ? [...node.settings[key], ...values] : values;
        break;
      }
      case 'unset': {
        if (!frame || tokens.length < 2) {
          garbageLines++;
          break;
        }
        delete frame.node.settings[tokens[1]];
        break;
      }
      case 'next': {
        if (frame?.kind === 'edit') stack.pop();
        else garbageLines++;
        break;
      }
      case 'end': {
        if (frame?.kind === 'edit') stack.pop(); // missing `next`
        const f = stack[stack.length - 1];
        if (f?.kind === 'config') stack.pop();
        else garbageLines++;
        break;
      }
      default:
        garbageLines++;
    }
  }
  return { root, garbageLines };
}

/** A nested block by path (`['system settings']`, or per level). */
export function tableOf(node: ConfigNode | undefined, name: string): ConfigTable | undefined {
  return node?.tables[name];
}

/** First value of a setting, or undefined. */
export function settingOf(node: ConfigNode | undefined, key: string): string | undefined {
  const v = node?.settings[key];
  return v && v.length ? v[0] : undefined;
}

/** All values of a setting (empty when absent). */
export function settingValues(node: ConfigNode | undefined, key: string): string[] {
  return node?.settings[key] ?? [];
}

/**
 * The output of `get system settings` (and other single-object `get`s): one `key : value` line per setting, every
 * setting printed (like `show full-configuration`), as a table the `show` readers take. Values are split into words.
 */
export function parseGetTable(output: string): ConfigTable {
  const table = emptyTable();
  for (const line of cleanCliText(output).split('\n')) {
    const m = /^([a-z0-9][a-z0-9-]{0,63})\s*:\s?(.*)$/.exec(line);
    if (!m) continue;
    table.settings[m[1]] = tokenizeConfigLine(m[2].trim());
  }
  return table;
}
