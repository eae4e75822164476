import { CLI_MESSAGES, COMMANDS } from '../fortios/cli';
import { normaliseCommand } from '../fortios/transcript';
import { ConfigStore, type ConfigOp } from './configStore';
import { responseKey, type Scenario } from './scenario';
import type { DeviceState } from './types';

/**
 * The FortiOS CLI of one simulated device: contexts, the debug state machine, config writes, and answers from the
 * scenario. No sockets here: the shell (shell.ts) feeds it typed commands and prints what it returns.
 */

export type FrameKind = 'vdom-picker' | 'vdom' | 'global' | 'config' | 'edit';

/** One level of CLI context; the prompt shows the top frame's label. */
export interface Frame {
  kind: FrameKind;
  label: string;
  /** For `config` frames: the config path (`system console`) and the uncommitted changes. */
  path?: string;
  changes?: string[];
  /** For the outermost `config` frame of a block: every write of the block, applied to the config at its `end`. */
  ops?: ConfigOp[];
}

export interface CommandOutcome {
  /** Output with `\n` line ends; '' prints nothing before the next prompt. */
  output: string;
  /** `exit`: close the session after the output. */
  close?: boolean;
  /** Runs once the prompt after the output is written (debug output starts after `diagnose debug enable` returns). */
  afterPrompt?: () => void;
}

/** Second words of `diagnose` that exist on FortiOS; others are parse errors. */
const DIAGNOSE_TREES = new Set([
  'sys', 'debug', 'test', 'hardware', 'ip', 'netlink', 'firewall', 'ips', 'sniffer', 'vpn', 'wad', 'autoupdate', 'log',
  'user', 'router', 'npu', 'wireless-controller', 'switch-controller', 'fortilogd', 'antivirus', 'webfilter', 'endpoint',
]);
/** `diagnose debug` subcommands accepted without effect on the SIP debug state. */
const DEBUG_NOOP = new Set(['flow', 'cli', 'crashlog', 'report', 'kernel', 'rating', 'authd']);
/** Commands that change config inside a `config` block (recorded as config writes at `end`). */
const WRITE_VERBS = new Set(['set', 'unset', 'delete', 'purge', 'rename', 'move', 'clone', 'append', 'select', 'unselect']);
/** A CLI word: FortiOS object names may be quoted. Bounded length keeps matching linear and cheap. */
const WORD = /^(?:[A-Za-z0-9_.:/*+@=,-]{1,255}|"[^"]{0,255}")$/;

const parseFail = (word: string) => `${CLI_MESSAGES.parseError(word)}\n${CLI_MESSAGES.commandFail(CLI_MESSAGES.parseErrorCode)}`;
const permissionFail = () => CLI_MESSAGES.commandFail(CLI_MESSAGES.permissionDeniedCode);

/** The VDOM or `global` a frame stack runs in (null at the top level or in the `config vdom` picker). */
export function contextOf(frames: readonly Frame[]): string | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    if (f.kind === 'vdom' || f.kind === 'global') return f.label;
  }
  return null;
}

/** The label shown in the prompt (`HOST (label) # `), or null at the top level. */
export function promptLabel(frames: readonly Frame[]): string | null {
  return frames.length ? frames[frames.length - 1].label : null;
}

/** Splits a command line into words, keeping double-quoted names whole. Returns null on an unbalanced quote. */
export function splitWords(command: string): string[] | null {
  const words: string[] = [];
  const re = /"[^"]*"|[^\s"]+/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(command)) !== null) {
    words.push(m[0]);
    consumed += m[0].length;
  }
  if (consumed !== command.replace(/\s+/g, '').length) return null;
  return words;
}

export interface DeviceHooks {
  /** Called after any change of debug state (the simulator starts or stops the stream and the duration timer). */
  onDebugChange(): void;
  now(): number;
}

export class DeviceCli {
  /** Next occurrence to answer per response key (repeated commands are answered in order, the last one repeated). */
  private readonly cursors = new Map<string, number>();
  /** The configuration as changed by committed blocks (answers `show` of changed paths). */
  readonly configStore: ConfigStore;

  constructor(
    private readonly scenario: Scenario,
    private readonly state: DeviceState,
    private readonly hooks: DeviceHooks,
  ) {
    this.configStore = new ConfigStore(scenario);
  }

  run(frames: Frame[], rawCommand: string): CommandOutcome {
    const command = normaliseCommand(rawCommand);
    if (command === '') return { output: '' };
    const { base, grep } = splitGrep(command);
    // A restricted admin profile refuses these wherever they are typed (`refusedCommands` in the scenario).
    if (this.scenario.refusedCommands.some((r) => base === r || base.startsWith(r + ' '))) return { output: permissionFail() };
    const outcome = this.dispatch(frames, base);
    if (grep && outcome.output) outcome.output = applyGrep(outcome.output, grep);
    return outcome;
  }

  private dispatch(frames: Frame[], command: string): CommandOutcome {
    const words = splitWords(command);
    if (!words || words.length === 0) return { output: parseFail(command.slice(0, 40)) };
    for (const w of words) if (!WORD.test(w)) return { output: parseFail(w.slice(0, 40)) };
    const verb = words[0];
    const top = frames[frames.length - 1] as Frame | undefined;

    if (verb === 'exit') return { output: '', close: true };
    if (verb === 'config') return this.config(frames, words);
    if (verb === 'end') return this.end(frames);
    if (verb === 'next') return this.next(frames);
    if (verb === 'abort') return this.abort(frames);
    if (verb === 'edit' && top) return this.edit(frames, words);
    if (WRITE_VERBS.has(verb) && top && (top.kind === 'config' || top.kind === 'edit')) return this.write(frames, command);
    if (verb === 'diagnose' && words[1] === 'debug') return this.debug(words.slice(2));

    if (verb === 'show') {
      const path = (words[1] === 'full-configuration' ? words.slice(2) : words.slice(1)).join(' ');
      const changed = this.configStore.show(contextOf(frames), path);
      if (changed !== undefined) return { output: changed };
    }
    const answer = this.answer(contextOf(frames), command) ?? (words[1] === 'full-configuration' ? this.answer(contextOf(frames), ['show', ...words.slice(2)].join(' ')) : undefined);
    if (answer !== undefined) return { output: answer };
    // With VDOMs on, config objects live in a VDOM or in global: at the top level the parser knows none of them.
    const vdomTop = this.scenario.vdomMode === 'multiple' && frames.length === 0;
    return { output: defaultAnswer(words, vdomTop) };
  }

  /** The recorded answer for a command in a context; commands recorded at the top level answer in every context. */
  private answer(context: string | null, command: string): string | undefined {
    let key = responseKey(context, command);
    let list = this.scenario.responses.get(key);
    if (!list && context !== null) {
      key = responseKey(null, command);
      list = this.scenario.responses.get(key);
    }
    if (!list || list.length === 0) return undefined;
    const i = this.cursors.get(key) ?? 0;
    this.cursors.set(key, i + 1);
    return list[Math.min(i, list.length - 1)];
  }

  private config(frames: Frame[], words: string[]): CommandOutcome {
    const what = words.slice(1);
    if (what.length === 0) return { output: parseFail('config') };
    const inScope = frames.every((f) => f.kind === 'vdom' || f.kind === 'global');
    if (what[0] === 'vdom' || what[0] === 'global') {
      // Single-VDOM units have neither node: the parser refuses the word, as FortiOS does.
      if (this.scenario.vdomMode === 'disable' || frames.length > 0) return { output: parseFail(what[0]) };
      frames.push(what[0] === 'vdom' ? { kind: 'vdom-picker', label: 'vdom' } : { kind: 'global', label: 'global' });
      return { output: '' };
    }
    const top = frames[frames.length - 1] as Frame | undefined;
    if (top && top.kind === 'vdom-picker') return { output: parseFail(what[0]) };
    if (this.scenario.adminProfile === '$') return { output: permissionFail() };
    const parent = !inScope ? frames.filter((f) => f.kind === 'config').pop() : undefined;
    const path = parent ? `${parent.path} ${what.join(' ')}` : what.join(' ');
    frames.push({ kind: 'config', label: what[what.length - 1], path, changes: [], ...(inScope ? { ops: [] } : {}) });
    return { output: '' };
  }

  private edit(frames: Frame[], words: string[]): CommandOutcome {
    const top = frames[frames.length - 1];
    const name = words[1];
    if (!name) return { output: parseFail('edit') };
    if (top.kind === 'vdom-picker') {
      const index = this.scenario.vdoms.indexOf(name);
      if (index < 0) {
        // Creating VDOMs is out of scope: an unknown name is an error rather than a new VDOM.
        return { output: `${CLI_MESSAGES.entryNotFound}\n${CLI_MESSAGES.commandFail(CLI_MESSAGES.entryNotFoundCode)}` };
      }
      frames.push({ kind: 'vdom', label: name });
      return { output: CLI_MESSAGES.currentVf(name, index) };
    }
    if (top.kind === 'config') {
      frames.push({ kind: 'edit', label: name.replace(/^"|"$/g, '') });
      return { output: '' };
    }
    return { output: parseFail(name) };
  }

  private next(frames: Frame[]): CommandOutcome {
    const top = frames[frames.length - 1] as Frame | undefined;
    if (top && (top.kind === 'edit' || top.kind === 'vdom')) frames.pop();
    return { output: '' };
  }

  private end(frames: Frame[]): CommandOutcome {
    const top = frames.pop();
    if (!top) return { output: '' };
    if (top.kind === 'edit') {
      const config = frames.pop();
      if (config) this.commit(frames, config);
    } else if (top.kind === 'config') {
      this.commit(frames, top);
    } else if (top.kind === 'vdom') {
      frames.pop(); // the `config vdom` picker below it
    }
    return { output: '' };
  }

  private abort(frames: Frame[]): CommandOutcome {
    const top = frames.pop();
    if (top && top.kind === 'edit') frames.pop();
    return { output: '' };
  }

  private write(frames: Frame[], command: string): CommandOutcome {
    if (this.scenario.adminProfile === '$') return { output: permissionFail() };
    const config = frames.filter((f) => f.kind === 'config').pop();
    if (config && config.changes && config.changes.length < 1000) config.changes.push(command);
    const outer = frames.findIndex((f) => f.kind === 'config');
    const block = frames[outer];
    if (block?.ops && block.ops.length < 1000) {
      const steps = frames.slice(outer + 1).map((f) => (f.kind === 'edit' ? { edit: f.label } : { config: f.label }));
      block.ops.push({ steps, command });
    }
    return { output: '' };
  }

  /** `end` of a `config` block commits its changes; the product must never cause one (tests assert `configWrites` is empty). */
  private commit(frames: Frame[], config: Frame): void {
    const changes = config.changes ?? [];
    if (config.ops?.length && config.path) this.configStore.apply(contextOf(frames), config.path, config.ops);
    if (changes.length === 0 || !config.path) return;
    this.state.configWrites.push({ context: contextOf(frames), path: config.path, commands: [...changes], at: this.hooks.now() });
    if (config.path === 'system console') {
      for (const c of changes) {
        const m = /^set output (standard|more)$/.exec(c);
        if (m) this.state.consoleOutput = m[1] as 'standard' | 'more';
      }
    }
  }

  /**
   * The debug state machine (KB 211669; docs/domain.md "The SIP debug capture"): `enable`/`disable` toggle printing only,
   * levels keep running until `reset`. Read-only admin profiles are refused.
   */
  private debug(args: string[]): CommandOutcome {
    if (this.scenario.adminProfile === '$') return { output: permissionFail() };
    const d = this.state.debug;
    const sub = args[0];
    let output = '';
    switch (sub) {
      case 'enable':
        d.enabled = true;
        d.enables++;
        break;
      case 'disable':
        d.enabled = false;
        break;
      case 'reset':
        d.enabled = false;
        d.levels = {};
        d.resets++;
        break;
      case 'application': {
        const [, app, level] = args;
        if (!app) return { output: parseFail('application') };
        if (level === undefined) {
          const current = d.levels[app] ?? 0;
          return { output: `${app} debug level is ${current} (0x${(current >>> 0).toString(16)})` };
        }
        if (!/^-?\d{1,10}$/.test(level) || args.length > 3) return { output: parseFail(args[args.length > 3 ? 3 : 2]) };
        const n = Number(level);
        if (n === 0) delete d.levels[app];
        else d.levels[app] = n;
        break;
      }
      case 'console': {
        if (args[1] !== 'timestamp' || (args[2] !== 'enable' && args[2] !== 'disable')) return { output: parseFail(args[1] ?? 'console') };
        d.consoleTimestamp = args[2] === 'enable';
        break;
      }
      case 'duration': {
        if (args[1] === undefined) return { output: `debug output duration: ${d.durationMinutes ?? 0} minutes` };
        if (!/^\d{1,6}$/.test(args[1])) return { output: parseFail(args[1]) };
        d.durationMinutes = Number(args[1]);
        break;
      }
      case 'info':
        output = this.debugInfo();
        break;
      default:
        if (sub === undefined || !DEBUG_NOOP.has(sub)) return { output: parseFail(sub ?? 'debug') };
    }
    this.hooks.onDebugChange();
    return { output };
  }

  private debugInfo(): string {
    const d = this.state.debug;
    // As FortiOS prints it: output and timestamp state, the duration (0 = unlimited), levels with their hex.
    const lines = [
      `debug output:           ${d.enabled ? 'enable' : 'disable'}`,
      `console timestamp:      ${d.consoleTimestamp ? 'enable' : 'disable'}`,
      'console no user log message:    disable',
      `debug output duration:  ${d.durationMinutes ?? 0} minutes`,
    ];
    for (const [app, level] of Object.entries(d.levels)) lines.push(`${app} debug level:        ${level} (0x${(level >>> 0).toString(16)})`);
    lines.push('CLI debug level:        3');
    return lines.join('\n');
  }
}

/** Commands the scenario does not hold: empty but well-formed answers for read-only verbs, FortiOS errors otherwise. */
export function defaultAnswer(words: string[], vdomTop = false): string {
  const [verb, ...rest] = words;
  if (vdomTop && (verb === 'show' || verb === 'get') && rest.length > 0) return parseFail(rest[0]);
  switch (verb) {
    case 'show': {
      const path = rest[0] === 'full-configuration' || rest[0] === 'full' ? rest.slice(1) : rest;
      return path.length ? `config ${path.join(' ')}\nend` : '';
    }
    case 'get':
      return rest.length ? '' : parseFail('get');
    case 'diagnose':
      if (rest.length === 0) return parseFail('diagnose');
      return DIAGNOSE_TREES.has(rest[0]) ? '' : parseFail(rest[0]);
    case 'execute':
      // Nothing to execute on a simulator (and the product never sends `execute`).
      return parseFail(rest[0] ?? 'execute');
    default:
      return CLI_MESSAGES.unknownAction;
  }
}

interface GrepSpec {
  pattern: string;
  ignoreCase: boolean;
  invert: boolean;
}

/** `command | grep [-i] [-v] pattern`, as the FortiOS CLI offers; plain substring match keeps it linear. */
function splitGrep(command: string): { base: string; grep?: GrepSpec } {
  const m = /^(.*?) \| grep((?: -[iv]+)*) (.+)$/.exec(command);
  if (!m) return { base: command };
  const flags = m[2];
  return {
    base: m[1],
    grep: { pattern: m[3].replace(/^"(.*)"$/, '$1'), ignoreCase: flags.includes('i'), invert: flags.includes('v') },
  };
}

function applyGrep(output: string, grep: GrepSpec): string {
  const needle = grep.ignoreCase ? grep.pattern.toLowerCase() : grep.pattern;
  return output
    .split('\n')
    .filter((line) => (grep.ignoreCase ? line.toLowerCase() : line).includes(needle) !== grep.invert)
    .join('\n');
}

/** The command that starts the debug stream, for the shell. */
export const DEBUG_ENABLE = COMMANDS.debugEnable;
