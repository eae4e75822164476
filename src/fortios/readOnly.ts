import { normaliseCommand } from './transcript';

/**
 * The read-only allow-list: every line the bot may type on a FortiGate CLI, as patterns (not exact strings, so a
 * new `get`/`show` read or a listed diagnose read needs no edit here). Tests assert every line a simulated device
 * received matches it (test/support/readOnly.ts), and the scale benchmark counts violations. Anything else, above
 * all `execute ...`, `diagnose sys session clear`, a `config <object>` block or `set`, is a change to a production
 * firewall and must never be sent; and debug is never enabled without the device-side dead-man timer.
 *
 * Sources, per entry: docs/domain.md (the project's notes, with the KB numbers it cites) and the FortiOS CLI reference.
 */
export interface AllowedShape {
  /** Matched against the normalised command (single spaces, trimmed). */
  pattern: RegExp;
  what: string;
  source: string;
}

export const READ_ONLY_ALLOW_LIST: readonly AllowedShape[] = [
  // Reads. `get` and `show` print state or config and change nothing, at any level and with any path.
  { pattern: /^get(?: \S.*)?$/, what: '`get ...` reads (status, config with defaults)', source: 'FortiOS CLI reference, "get"; docs/ssh.md "FortiOS CLI facts" (get system status)' },
  { pattern: /^show(?: \S.*)?$/, what: '`show ...` / `show full-configuration ...` config reads', source: 'FortiOS CLI reference, "show"; docs/ssh.md "FortiOS CLI facts" (show hides defaults)' },
  // Named for the record (the line above allows them too): the timers a SIP registration's UDP session lives by.
  { pattern: /^show (?:full-configuration )?system (?:global|session-ttl)$/, what: '`udp-idle-timer` (config system global) and the per-port session TTLs (config system session-ttl)', source: 'KB 191228 "Session timeout settings"; FortiOS CLI reference, "config system session-ttl", "config system global"' },

  // Navigation: entering and leaving the VDOM and global scopes. `edit NAME` is checked against the listed VDOMs
  // separately (under `config vdom` an unknown name creates a VDOM: a config write).
  { pattern: /^config (?:vdom|global)$/, what: 'enter the VDOM picker or the global scope', source: 'docs/ssh.md "FortiOS CLI facts" (config vdom / edit X prints current vf; config global may be refused)' },
  { pattern: /^end$/, what: 'leave `config vdom` / `config global` (nothing to commit: no `set` is ever sent)', source: 'FortiOS CLI reference, "end"' },
  { pattern: /^exit$/, what: 'log out of the CLI (driver close)', source: 'FortiOS CLI reference, "exit"' },

  // Listed diagnose reads (runtime evidence).
  { pattern: /^diagnose sys sip-proxy (?:stats|calls list)$/, what: 'SIP ALG counters and calls', source: 'docs/domain.md "Runtime evidence"; KB 190757, KB 203336' },
  { pattern: /^diagnose sys sip status$/, what: 'SIP session-helper counters', source: 'docs/domain.md "Runtime evidence"; KB 190757' },
  { pattern: /^diagnose sys session list$/, what: 'session table (filtered)', source: 'docs/domain.md "Runtime evidence"; KB 190757' },
  // The session filter is state of this CLI session only; `diagnose sys session clear` (no `filter`) is NOT here.
  { pattern: /^diagnose sys session filter (?:clear|(?:dport|sport|proto|vd) \d{1,5}|(?:src|dst) [\d.]{7,15})$/, what: 'session-list filter of this CLI session', source: 'docs/domain.md "Runtime evidence"; KB 384586 (the filter, not the clear)' },
  { pattern: /^diagnose sys vd list$/, what: 'VDOM list and per-VDOM SIP flags', source: 'docs/domain.md "Runtime evidence" (per-VDOM flags)' },
  { pattern: /^diagnose debug info$/, what: 'print the debug settings', source: 'FortiOS CLI reference, "diagnose debug info"' },

  // Debug controls: the only state the product changes, and always undoes (disable + reset on every exit path).
  { pattern: /^diagnose debug (?:enable|disable|reset)$/, what: 'debug output on/off and level reset', source: 'docs/domain.md "The SIP debug capture"; KB 211669' },
  { pattern: /^diagnose debug console timestamp (?:enable|disable)$/, what: 'console timestamps on debug lines', source: 'docs/domain.md "The SIP debug capture"' },
  // 0 means unlimited: allowed only to put an admin's own setting back after the reset. `readOnlyViolations` refuses
  // a `diagnose debug enable` that is not armed with a non-zero duration (the device-side dead-man timer).
  { pattern: /^diagnose debug duration(?: \d{1,5})?$/, what: 'device-side dead-man timer (and putting the found value back)', source: 'docs/domain.md "The SIP debug capture" (never 0 = unlimited for a capture)' },
  { pattern: /^diagnose debug application (?:sip|im)(?: -?\d{1,10})?$/, what: 'SIP (and optional IM) debug levels', source: 'docs/domain.md "The SIP debug capture"; KB 211669' },
];

/** VDOM names as FortiOS allows them (the driver's own check, repeated here so the list stands alone). */
const EDIT_VDOM = /^edit ([A-Za-z0-9_.-]{1,31})$/;

export interface ReadOnlyContext {
  /** VDOMs the device lists (`diagnose sys vd list`, or the simulator's scenario); `edit NAME` is allowed for these only. */
  vdoms: readonly string[];
}

/** Why a command line is not on the allow-list, or null when it is. */
export function readOnlyViolation(line: string, context: ReadOnlyContext): string | null {
  const command = normaliseCommand(line);
  if (/[\x00-\x1f\x7f]/.test(line.replace(/\r$/, ''))) return 'contains a control character';
  const edit = EDIT_VDOM.exec(command);
  if (edit) return context.vdoms.includes(edit[1]) ? null : `\`edit ${edit[1]}\` names no listed VDOM (${context.vdoms.join(', ') || 'none listed'}): under \`config vdom\` it would create one`;
  if (READ_ONLY_ALLOW_LIST.some((a) => a.pattern.test(command))) return null;
  return 'not on the read-only allow-list (src/fortios/readOnly.ts)';
}

/**
 * Every line that breaks the allow-list, with the reason, for the lines one device received in order. Also the one
 * rule about order: `diagnose debug enable` only after a non-zero `diagnose debug duration` (the dead-man timer).
 */
export function readOnlyViolations(lines: readonly string[], context: ReadOnlyContext): Array<{ line: string; why: string }> {
  const out: Array<{ line: string; why: string }> = [];
  let duration: number | null = null;
  for (const line of lines) {
    const why = readOnlyViolation(line, context);
    if (why) out.push({ line, why });
    const command = normaliseCommand(line);
    const set = /^diagnose debug duration (\d+)$/.exec(command);
    if (set) duration = Number(set[1]);
    if (command === 'diagnose debug enable' && !duration) {
      out.push({ line, why: duration === 0 ? 'debug enabled with `diagnose debug duration 0` (unlimited): no dead-man timer' : 'debug enabled before any `diagnose debug duration N`: no dead-man timer' });
    }
  }
  return out;
}
