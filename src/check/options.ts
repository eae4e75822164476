import { FIREWALL_NAME, IPV4, VDOM_NAME } from '../config/patterns';
import type { CheckLimits } from '../config/types';
import { CheckError } from '../errors';
import type { CheckOptions } from './types';

/**
 * `/sip-check` arguments. The grammar is deliberately tiny and strict, because values end up in CLI lines
 * (`edit <vdom>`, `diagnose sys session filter dport <port>`, `diagnose debug application sip <level>`):
 *
 *   (empty) | help
 *   FIREWALL [seconds=N] [level=N] [vdom=NAME] [peer=IPv4] [port=N]
 *   FIREWALL config [vdom=NAME] [port=N]      configuration and counters only: no `diagnose debug` line (issue 23)
 *
 * Only printable ASCII and single-word tokens; each key at most once; anything else is refused with
 * kind `usage`. Slack formatting (`<mailto:...>`, `*bold*`, smart quotes) is not unwrapped, just refused.
 */
export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'check'; firewall: string; options: CheckOptions }
  | { kind: 'error'; error: CheckError };

export const MAX_COMMAND_LENGTH = 512;
const MAX_LEVEL = 4095;
const MIN_LEVEL = -1;

type OptionKey = 'seconds' | 'level' | 'vdom' | 'peer' | 'port';
const OPTION_KEYS: readonly OptionKey[] = ['seconds', 'level', 'vdom', 'peer', 'port'];

/** Digits without leading zeros (`010` reads as octal to some tools), bounded length before `Number()`. */
const POSITIVE_INT = /^[1-9][0-9]{0,5}$/;
const LEVEL_INT = /^(?:-1|0|[1-9][0-9]{0,3})$/;

export function synopsis(limits: CheckLimits, command = '/sip-check'): string {
  return `${command} FIREWALL [seconds=1-${limits.maxSeconds}] [level=${MIN_LEVEL}..${MAX_LEVEL}] [vdom=NAME] [peer=IPv4] [port=1-65535] [config]`;
}

/** The bare word that asks for a config-only check. */
export const CONFIG_ONLY_WORD = 'config';
/** Options that shape the capture: meaningless beside `config`, so refused there. */
const CAPTURE_KEYS: readonly OptionKey[] = ['seconds', 'level', 'peer'];

export function usageText(limits: CheckLimits, command = '/sip-check'): string {
  return [
    `Usage: ${synopsis(limits, command)}`,
    `       ${command} help`,
    '',
    'Reads the firewall config, runs a bounded SIP debug capture (always reset afterwards) and says who handles SIP:',
    'the SIP ALG, the SIP session helper, neither, or a mismatch.',
    '',
    'Options (each at most once):',
    '  config      configuration and counters only: no `diagnose debug` command at all (the safest check;',
    '              the answer in about a second); not with seconds=, level= or peer=',
    `  seconds=N   capture window, 1-${limits.maxSeconds} seconds (default ${limits.defaultSeconds})`,
    `  level=N     SIP debug level, ${MIN_LEVEL}..${MAX_LEVEL} (default ${limits.defaultLevel}; -1 = everything)`,
    '  vdom=NAME   VDOM to check on a multi-VDOM firewall (letters, digits, "_", "-"; at most 31)',
    '  peer=IPv4   only report SIP traffic to or from this address (e.g. the SIP trunk)',
    '  port=N      SIP port, 1-65535 (default 5060)',
    '',
    'Examples:',
    `  ${command} fw01`,
    `  ${command} fw01 seconds=60`,
    `  ${command} fw01 config`,
    `  ${command} fw-branch-2 vdom=voice peer=203.0.113.10 port=5062`,
  ].join('\n');
}

/** The canonical command text (used by buttons); `parseCheckCommand` maps it back to the same options. */
export function formatOptions(firewall: string, options: CheckOptions): string {
  const parts = options.configOnly ? [firewall, CONFIG_ONLY_WORD] : [firewall, `seconds=${options.seconds}`, `level=${options.level}`];
  if (options.vdom !== undefined) parts.push(`vdom=${options.vdom}`);
  if (options.peer !== undefined && !options.configOnly) parts.push(`peer=${options.peer}`);
  if (options.port !== undefined) parts.push(`port=${options.port}`);
  return parts.join(' ');
}

/**
 * Why a number option is refused, in the user's terms: `level=abc` is not a number, `seconds=500` is out of range,
 * `port=080` has a leading zero. Called only once the strict pattern has refused the value.
 */
function numberProblem(key: string, value: string, min: number, max: number): string {
  const expected = `expected a whole number from ${min} to ${max}`;
  if (!/^-?[0-9]+$/.test(value)) return `${key}=${quote(value)} is not a number: ${expected}.`;
  if (/^-?0[0-9]/.test(value)) return `${key}=${quote(value)} has a leading zero: ${expected}, written without one.`;
  return `${key}=${quote(value)} is out of range: ${expected}.`;
}

/** A token shown back to the user: already printable ASCII at that point, but kept short. */
function quote(token: string): string {
  return `\`${token.length > 40 ? `${token.slice(0, 40)}...` : token}\``;
}

export function parseCheckCommand(text: string, limits: CheckLimits): ParsedCommand {
  const refuse = (problem: string): ParsedCommand => ({
    kind: 'error',
    error: new CheckError('usage', `${problem}\nUsage: ${synopsis(limits)}`, { problem }),
  });

  if (text.length > MAX_COMMAND_LENGTH) return refuse(`The command is too long (${text.length} characters; at most ${MAX_COMMAND_LENGTH}).`);
  // Scan once for anything outside printable ASCII: control characters (incl. \r, \n, tab, NUL),
  // DEL, and every non-ASCII character (full-width digits, zero-width spaces, smart quotes, lookalikes).
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return refuse(`The command contains a control character (position ${i + 1}); type it on one line.`);
    if (code > 0x7e) return refuse(`The command contains a non-ASCII character (position ${i + 1}); names and options are plain ASCII.`);
  }
  const forbidden = /[;"'`|&$<>\\]/.exec(text);
  if (forbidden) return refuse(`The character ${forbidden[0]} is not allowed.`);

  const words = text.split(' ').filter((w) => w !== '');
  // `help` is a reserved firewall name, so `help anything` is still help.
  if (words.length === 0 || words[0].toLowerCase() === 'help') return { kind: 'help' };

  const [firewall, ...rest] = words;
  if (!FIREWALL_NAME.test(firewall)) {
    return refuse(`${quote(firewall)} is not a firewall name (letters, digits, ".", "_", "-", starting with a letter or digit).`);
  }

  const given = new Map<OptionKey, string>();
  let configOnly = false;
  for (const word of rest) {
    if (word.toLowerCase() === CONFIG_ONLY_WORD) {
      if (configOnly) return refuse(`The word ${CONFIG_ONLY_WORD} is given twice.`);
      configOnly = true;
      continue;
    }
    const eq = word.indexOf('=');
    const key = eq > 0 ? word.slice(0, eq) : '';
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      return refuse(
        eq > 0
          ? `Unknown option ${quote(key)}; options are ${OPTION_KEYS.map((k) => `${k}=`).join(', ')}.`
          : `Unexpected word ${quote(word)}; options are written key=value (${OPTION_KEYS.map((k) => `${k}=`).join(', ')}), or \`${CONFIG_ONLY_WORD}\` for a check without debug.`,
      );
    }
    const optionKey = key as OptionKey;
    if (given.has(optionKey)) return refuse(`The option ${optionKey}= is given twice.`);
    given.set(optionKey, word.slice(eq + 1));
  }

  if (configOnly) {
    const capture = CAPTURE_KEYS.filter((k) => given.has(k));
    if (capture.length) return refuse(`\`${CONFIG_ONLY_WORD}\` runs no SIP capture: ${capture.map((k) => `${k}=`).join(', ')} ${capture.length > 1 ? 'do' : 'does'} not apply beside it.`);
  }

  const options: CheckOptions = { seconds: limits.defaultSeconds, level: limits.defaultLevel };
  if (configOnly) options.configOnly = true;
  const seconds = given.get('seconds');
  if (seconds !== undefined) {
    if (!POSITIVE_INT.test(seconds) || Number(seconds) > limits.maxSeconds) {
      return refuse(numberProblem('seconds', seconds, 1, limits.maxSeconds));
    }
    options.seconds = Number(seconds);
  }
  const level = given.get('level');
  if (level !== undefined) {
    if (!LEVEL_INT.test(level) || Number(level) > MAX_LEVEL) {
      return refuse(numberProblem('level', level, MIN_LEVEL, MAX_LEVEL));
    }
    options.level = Number(level);
  }
  const vdom = given.get('vdom');
  if (vdom !== undefined) {
    if (!VDOM_NAME.test(vdom)) return refuse(`vdom=${quote(vdom)} is not a VDOM name: letters, digits, "_", "-", at most 31 characters.`);
    options.vdom = vdom;
  }
  const peer = given.get('peer');
  if (peer !== undefined) {
    if (!IPV4.test(peer)) return refuse(`peer=${quote(peer)} is not an IPv4 address (e.g. 203.0.113.10).`);
    options.peer = peer;
  }
  const port = given.get('port');
  if (port !== undefined) {
    if (!POSITIVE_INT.test(port) || Number(port) > 65535) return refuse(numberProblem('port', port, 1, 65535));
    options.port = Number(port);
  }
  return { kind: 'check', firewall, options };
}
