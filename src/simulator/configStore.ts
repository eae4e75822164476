import { emptyNode, parseConfig, tokenizeConfigLine, type ConfigNode, type ConfigTable } from '../fortios/configParser';
import { renderConfigTable } from '../fortios/configRender';
import { responseKey, type Scenario } from './scenario';

/**
 * The simulated unit's configuration once someone changed it. Until a block is written, `show` answers come from
 * the scenario as recorded (byte for byte); the first committed change to a path parses the recorded `show` of
 * that path (full-configuration when recorded) into a table, applies the change, and from then on `show` of that
 * path prints the table. Per context: a VDOM name, `global`, or null on a single-VDOM unit.
 */

/** One `set`/`unset`/`delete`/`append` typed in a block, with the `edit` / nested `config` steps above it. */
export interface ConfigOp {
  steps: Array<{ edit: string } | { config: string }>;
  command: string;
}

function emptyTable(): ConfigTable {
  return { settings: {}, tables: {}, entries: [] };
}

export class ConfigStore {
  private readonly tables = new Map<string, ConfigTable>();

  constructor(private readonly scenario: Scenario) {}

  private recorded(context: string | null, path: string): string | undefined {
    for (const ctx of context === null ? [null] : [context, null]) {
      for (const command of [`show full-configuration ${path}`, `show ${path}`]) {
        const list = this.scenario.responses.get(responseKey(ctx, command));
        if (list?.length) return list[list.length - 1];
      }
    }
    return undefined;
  }

  private table(context: string | null, path: string): ConfigTable {
    const key = `${context ?? ''}\u0000${path}`;
    let table = this.tables.get(key);
    if (!table) {
      const text = this.recorded(context, path);
      table = (text !== undefined ? parseConfig(text).root.tables[path] : undefined) ?? emptyTable();
      this.tables.set(key, table);
    }
    return table;
  }

  /** Applies a committed block. */
  apply(context: string | null, path: string, ops: readonly ConfigOp[]): void {
    const root = this.table(context, path);
    for (const op of ops) {
      let node: ConfigNode = root;
      let table: ConfigTable = root;
      for (const step of op.steps) {
        if ('edit' in step) {
          let entry = table.entries.find((e) => e.key === step.edit);
          if (!entry) {
            entry = { key: step.edit, node: emptyNode() };
            table.entries.push(entry);
          }
          node = entry.node;
        } else {
          table = node.tables[step.config] ??= emptyTable();
          node = table;
        }
      }
      const [verb, key, ...values] = tokenizeConfigLine(op.command);
      if (!key) continue;
      if (verb === 'set') node.settings[key] = values;
      else if (verb === 'append') node.settings[key] = [...(node.settings[key] ?? []), ...values];
      else if (verb === 'unset') delete node.settings[key];
      else if (verb === 'delete') table.entries = table.entries.filter((e) => e.key !== key);
    }
  }

  /** `show [full-configuration] PATH` of a changed path, or undefined (answer as recorded). */
  show(context: string | null, path: string): string | undefined {
    const key = `${context ?? ''}\u0000${path}`;
    const table = this.tables.get(key);
    return table ? renderConfigTable(path, table) : undefined;
  }

  /** The paths changed so far, per context. */
  get changed(): string[] {
    return [...this.tables.keys()].map((k) => k.replace('\u0000', ' '));
  }
}
