import { tokenizeConfigLine } from './configParser';

/**
 * What a `show` command line says about its output (issue 11 §1): which block, whether defaults are printed, which
 * entries were asked for, and the `| grep` filter that removed lines. Pure.
 *
 * - `show full-configuration X` prints every setting; plain `show X` leaves out those at their default.
 * - `show firewall policy 12` prints one entry: the others were not seen.
 * - `| grep PATTERN` prints only matching lines (`-i` ignores case, `-v` inverts); `-f` prints the enclosing config
 *   block of each match and marks the matching line with `<---`. A line the filter would have removed is unknown,
 *   not default; a line the filter would have kept and that is absent was not printed by `show` at all.
 */
export interface ShowFilter {
  pattern: string;
  ignoreCase: boolean;
  invert: boolean;
  /** `-f`: the enclosing block of each match is printed. */
  block: boolean;
  /** The filter as typed, for messages: `| grep -f voip`. */
  text: string;
}

export interface ShowCommand {
  full: boolean;
  /** The block: `system settings`, `firewall policy`, `voip profile`, `system session-helper`, ... */
  path: string;
  /** Entries asked for (`show firewall policy 12 14`): only those were printed. */
  keys: string[];
  filter?: ShowFilter;
}

/** Blocks the verdict reads, longest first so `firewall service custom` wins over a shorter prefix. */
const KNOWN_PATHS = ['firewall service custom', 'system session-helper', 'system settings', 'firewall policy', 'voip profile'];

export function parseShowCommand(command: string): ShowCommand | null {
  const pipe = command.indexOf('|');
  const head = (pipe >= 0 ? command.slice(0, pipe) : command).trim().replace(/\s+/g, ' ');
  const m = /^show(?: (full-configuration))?(?: (.*))?$/.exec(head);
  if (!m) return null;
  const rest = m[2] ?? '';
  const path = KNOWN_PATHS.find((p) => rest === p || rest.startsWith(p + ' '));
  const show: ShowCommand = { full: m[1] !== undefined, path: path ?? rest, keys: path ? tokenizeConfigLine(rest.slice(path.length).trim()) : [] };
  if (pipe >= 0) {
    const filter = parseGrep(command.slice(pipe + 1).trim());
    // An unknown filter (not grep) may have removed anything: treat it as a grep that keeps nothing known.
    show.filter = filter ?? { pattern: '', ignoreCase: false, invert: true, block: false, text: `| ${command.slice(pipe + 1).trim()}` };
  }
  return show;
}

/** `grep [-i] [-v] [-f] [-c] [-A N] [-B N] [-C N] PATTERN` (FortiOS CLI grep). */
function parseGrep(text: string): ShowFilter | null {
  const words = tokenizeConfigLine(text);
  if (words[0] !== 'grep') return null;
  const filter: ShowFilter = { pattern: '', ignoreCase: false, invert: false, block: false, text: `| ${text}` };
  const rest: string[] = [];
  for (let k = 1; k < words.length; k++) {
    const w = words[k];
    if (/^-[ABC]$/.test(w)) {
      k++; // context lines: more lines shown, still a filter
      continue;
    }
    if (/^-[a-zA-Z]+$/.test(w) && rest.length === 0) {
      if (w.includes('i')) filter.ignoreCase = true;
      if (w.includes('v')) filter.invert = true;
      if (w.includes('f')) filter.block = true;
      continue;
    }
    rest.push(w);
  }
  filter.pattern = rest.join(' ');
  return filter;
}

/**
 * Whether the filter keeps a line. FortiOS grep patterns are regular expressions; the pattern comes from a pasted
 * transcript, so only simple ones run as such (no groups, at most two quantifiers, short: no catastrophic
 * backtracking); anything else, or a broken one, is matched literally.
 */
export function filterKeeps(filter: ShowFilter, line: string): boolean {
  const literal = () => (filter.ignoreCase ? line.toLowerCase().includes(filter.pattern.toLowerCase()) : line.includes(filter.pattern));
  let hit: boolean;
  if (!isSimplePattern(filter.pattern)) hit = literal();
  else {
    try {
      hit = new RegExp(filter.pattern, filter.ignoreCase ? 'i' : '').test(line);
    } catch {
      hit = literal();
    }
  }
  return filter.invert ? !hit : hit;
}

function isSimplePattern(pattern: string): boolean {
  if (pattern.length > 100 || pattern.includes('(')) return false;
  let quantifiers = 0;
  for (const c of pattern) if (c === '*' || c === '+' || c === '?' || c === '{') quantifiers++;
  return quantifiers <= 2;
}

/**
 * Whether a `set KEY ...` line would pass the filter whatever its value: then its absence means `show` did not print
 * it (a default), not that the filter hid it. Tested with two different values: a pattern on the value is not enough.
 */
export function filterKeepsSetting(filter: ShowFilter, key: string): boolean {
  return filterKeeps(filter, `    set ${key} x`) && filterKeeps(filter, `    set ${key} 0`);
}

/** The `<---` marker `grep -f` puts after a matching line. */
const MATCH_MARK = /\s*<-{2,}\s*$/;

export function stripMatchMarks(output: string): string {
  return output
    .split('\n')
    .map((l) => l.replace(MATCH_MARK, ''))
    .join('\n');
}

/**
 * Whether a `grep -f` output shows whole entries: some `set` line is not marked as a match (so the block was printed
 * around the match), rather than only the matching lines inside their `config`/`edit` frame.
 */
export function showsWholeBlocks(output: string): boolean {
  let sets = 0;
  let marked = 0;
  for (const line of output.split('\n')) {
    if (!/^\s*set\s/.test(line)) continue;
    sets++;
    if (MATCH_MARK.test(line)) marked++;
  }
  return sets > marked;
}

/** The filtered lines of a single-object block or one entry, put back in their frame so the config parser reads them. */
export function reframe(show: ShowCommand, output: string): string {
  if (/^\s*config\s/m.test(output)) return output;
  const body = output.split('\n').filter((l) => /^\s*(?:set|unset|append)\s/.test(l));
  if (!body.length) return output;
  if (show.keys.length === 1) return [`config ${show.path}`, `    edit ${show.keys[0]}`, ...body, '    next', 'end'].join('\n');
  return [`config ${show.path}`, ...body, 'end'].join('\n');
}
