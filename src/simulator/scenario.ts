import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PROMPT_LINE, promptBaseHost } from '../fortios/cli';
import { cleanCliText, normaliseCommand, parseTranscript } from '../fortios/transcript';
import { COMMANDS } from '../fortios/cli';

/**
 * A scenario is data: a CLI transcript the simulated FortiGate answers from, with optional YAML front matter.
 * See the README of the simulator task: key = (context, normalised command); repeated commands are answered in
 * order, the last one repeated; the output recorded for `diagnose debug enable` is the SIP debug stream.
 */
export interface Scenario {
  /** File name or label, for error messages. */
  source: string;
  hostname: string;
  version?: string;
  /** `disable`: single VDOM (`config vdom` refused); `multiple`: `config vdom` / `edit X` / `config global`. */
  vdomMode: 'disable' | 'multiple';
  vdoms: string[];
  /** `#` read-write admin, `$` read-only (diagnose debug refused). */
  adminProfile: '#' | '$';
  /**
   * Commands (prefixes, normalised) the admin profile does not allow: answered `Command fail. Return code -37` in
   * every context, as a restricted access profile answers (e.g. `diagnose sys vd list`).
   */
  refusedCommands: readonly string[];
  /** Sent by the SSH server before authentication (ssh2 `banner`). */
  preLoginBanner?: string;
  /** Printed after login, followed by `(Press 'a' to accept):`; the CLI waits for `a`. */
  postLoginBanner?: string;
  /** Lines per page before `--More-- `; 0 disables the pager. */
  pagerLines: number;
  debugLinesPerSecond: number;
  /** Repeat the debug stream while debug is enabled, so long captures keep producing traffic. */
  debugLoop: boolean;
  /** Recorded outputs (`\n` line ends) per `responseKey(context, command)`, in transcript order. */
  responses: ReadonlyMap<string, readonly string[]>;
  /** The SIP debug stream: the lines recorded after `diagnose debug enable`. */
  debugStream: readonly string[];
}

export class ScenarioError extends Error {
  constructor(readonly source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'ScenarioError';
  }
}

export const SCENARIO_DEFAULTS = {
  pagerLines: 22,
  debugLinesPerSecond: 50,
  debugLoop: true,
  adminProfile: '#',
} as const;

const FRONT_MATTER_KEYS = [
  'hostname',
  'version',
  'vdomMode',
  'vdoms',
  'adminProfile',
  'refusedCommands',
  'preLoginBanner',
  'postLoginBanner',
  'pagerLines',
  'debugLinesPerSecond',
  'debugLoop',
] as const;

/** A scenario file may be large but not unbounded: the simulator keeps it in memory. */
const MAX_SCENARIO_BYTES = 16 * 1024 * 1024;

export function responseKey(context: string | null, command: string): string {
  return `${context ?? ''}\u0000${normaliseCommand(command)}`;
}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(path, `cannot read scenario: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseScenario(text, path);
}

export function parseScenario(text: string, source: string): Scenario {
  if (text.length > MAX_SCENARIO_BYTES) throw new ScenarioError(source, `scenario larger than ${MAX_SCENARIO_BYTES} bytes`);
  const { frontMatter, body } = splitFrontMatter(text, source);
  const results = parseTranscript(body);
  if (results.length === 0) throw new ScenarioError(source, 'no commands found: expected lines like `HOST # command`');

  const responses = new Map<string, string[]>();
  const debugStream: string[] = [];
  for (const r of results) {
    if (r.command === COMMANDS.debugEnable) {
      // The recorded output of `diagnose debug enable` is the asynchronous debug stream, not the command's output.
      if (r.output) debugStream.push(...r.output.split('\n'));
      continue;
    }
    const key = responseKey(r.context, r.command);
    const list = responses.get(key);
    if (list) list.push(r.output);
    else responses.set(key, [r.output]);
  }

  const firstPrompt = findFirstPrompt(body);
  const hostname = optionalString(frontMatter, 'hostname', source) ?? firstPrompt?.host;
  if (!hostname) throw new ScenarioError(source, 'no hostname: set `hostname` in the front matter');

  const status = results.find((r) => r.command === COMMANDS.systemStatus)?.output ?? '';
  const contexts = [...new Set(results.map((r) => r.context).filter((c): c is string => c !== null && c !== 'global'))];
  const vdomMode = readVdomMode(frontMatter, source, status, contexts);
  const vdoms = readVdoms(frontMatter, source, contexts);
  const adminProfile = readAdminProfile(frontMatter, source, firstPrompt?.privilege);

  const scenario: Scenario = {
    source,
    hostname,
    vdomMode,
    vdoms,
    adminProfile,
    refusedCommands: readRefused(frontMatter, source),
    pagerLines: optionalInteger(frontMatter, 'pagerLines', source, 0) ?? SCENARIO_DEFAULTS.pagerLines,
    debugLinesPerSecond: optionalNumber(frontMatter, 'debugLinesPerSecond', source) ?? SCENARIO_DEFAULTS.debugLinesPerSecond,
    debugLoop: optionalBoolean(frontMatter, 'debugLoop', source) ?? SCENARIO_DEFAULTS.debugLoop,
    responses,
    debugStream,
  };
  const version = optionalString(frontMatter, 'version', source) ?? /^Version: (.+)$/m.exec(status)?.[1];
  if (version) scenario.version = version;
  const pre = optionalString(frontMatter, 'preLoginBanner', source);
  if (pre !== undefined) scenario.preLoginBanner = pre;
  const post = optionalString(frontMatter, 'postLoginBanner', source);
  if (post !== undefined) scenario.postLoginBanner = post;
  return scenario;
}

type FrontMatter = Record<string, unknown>;

function splitFrontMatter(text: string, source: string): { frontMatter: FrontMatter; body: string } {
  const normalised = text.replace(/^\uFEFF/, '');
  if (!/^---[ \t]*\r?\n/.test(normalised)) return { frontMatter: {}, body: normalised };
  const end = /\r?\n---[ \t]*(?:\r?\n|$)/.exec(normalised.slice(3));
  if (!end) throw new ScenarioError(source, 'front matter starts with `---` but has no closing `---` line');
  const yamlText = normalised.slice(3, 3 + end.index);
  const body = normalised.slice(3 + end.index + end[0].length);
  let parsed: unknown;
  try {
    parsed = parseYaml(yamlText);
  } catch (e) {
    throw new ScenarioError(source, `front matter is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (parsed === null || parsed === undefined) return { frontMatter: {}, body };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ScenarioError(source, 'front matter must be a YAML mapping');
  const frontMatter = parsed as FrontMatter;
  for (const key of Object.keys(frontMatter)) {
    if (!(FRONT_MATTER_KEYS as readonly string[]).includes(key)) {
      throw new ScenarioError(source, `unknown front matter key \`${key}\` (known: ${FRONT_MATTER_KEYS.join(', ')})`);
    }
  }
  return { frontMatter, body };
}

function findFirstPrompt(body: string): { host: string; privilege: '#' | '$' } | undefined {
  for (const line of cleanCliText(body).split('\n')) {
    const m = PROMPT_LINE.exec(line);
    if (m) return { host: promptBaseHost(m[1]), privilege: m[3] === '$' ? '$' : '#' };
  }
  return undefined;
}

function readVdomMode(fm: FrontMatter, source: string, status: string, contexts: string[]): 'disable' | 'multiple' {
  const value = fm.vdomMode;
  if (value !== undefined) {
    if (value !== 'disable' && value !== 'multiple') throw new ScenarioError(source, '`vdomMode` must be `disable` or `multiple`');
    return value;
  }
  const printed = /^Virtual domain configuration: (\S+)/m.exec(status)?.[1];
  if (printed) return printed === 'disable' ? 'disable' : 'multiple';
  return contexts.length > 0 ? 'multiple' : 'disable';
}

function readVdoms(fm: FrontMatter, source: string, contexts: string[]): string[] {
  const value = fm.vdoms;
  if (value === undefined) return contexts.length > 0 ? contexts : ['root'];
  if (!Array.isArray(value) || value.length === 0) throw new ScenarioError(source, '`vdoms` must be a non-empty list of VDOM names');
  return value.map((v, i) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9_.-]{1,31}$/.test(v)) {
      throw new ScenarioError(source, `\`vdoms[${i}]\` must be a VDOM name (letters, digits, _ . -; up to 31 characters)`);
    }
    return v;
  });
}

function readRefused(fm: FrontMatter, source: string): string[] {
  const value = fm.refusedCommands;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || normaliseCommand(v) === '')) {
    throw new ScenarioError(source, '`refusedCommands` must be a list of CLI commands (prefixes), e.g. ["diagnose sys vd list"]');
  }
  return value.map((v: string) => normaliseCommand(v));
}

function readAdminProfile(fm: FrontMatter, source: string, fromPrompt: '#' | '$' | undefined): '#' | '$' {
  const value = fm.adminProfile;
  if (value === undefined) return fromPrompt ?? SCENARIO_DEFAULTS.adminProfile;
  if (value !== '#' && value !== '$') throw new ScenarioError(source, '`adminProfile` must be "#" (read-write) or "$" (read-only)');
  return value;
}

function optionalString(fm: FrontMatter, key: string, source: string): string | undefined {
  const value = fm[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new ScenarioError(source, `\`${key}\` must be a string`);
  return value;
}

function optionalNumber(fm: FrontMatter, key: string, source: string): number | undefined {
  const value = fm[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ScenarioError(source, `\`${key}\` must be a positive number`);
  return value;
}

function optionalInteger(fm: FrontMatter, key: string, source: string, min: number): number | undefined {
  const value = fm[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ScenarioError(source, `\`${key}\` must be an integer >= ${min}`);
  return value;
}

function optionalBoolean(fm: FrontMatter, key: string, source: string): boolean | undefined {
  const value = fm[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ScenarioError(source, `\`${key}\` must be true or false`);
  return value;
}
