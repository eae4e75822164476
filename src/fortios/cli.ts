/**
 * FortiOS CLI facts, in one place (scrapli-style platform definition).
 * Sources: docs/ssh.md "FortiOS CLI facts"; KB 211669; FortiOS CLI reference.
 * The driver, the simulator, the transcript splitter and the command plans all read from here.
 */

/**
 * FortiOS hostnames (`config system global` / `set hostname`): US-ASCII letters, digits, `-` and `_`, any of them
 * first (`_fw`, `-edge-`, `2024` are valid), up to 35 characters. Sources: FortiOS Administration Guide, "Text
 * strings" (docs.fortinet.com/document/fortigate/7.4.0/administration-guide/651640): "VDOM names and hostnames can
 * only use numbers (0-9), letters (a-z and A-Z), dashes, and underscores"; FortiOS CLI reference, `config system
 * global`, `hostname`: string, maximum length 35 ("most models will truncate names longer than 24 characters").
 */
export const HOSTNAME_MAX_CHARS = 35;
export const HOSTNAME = new RegExp(`^[A-Za-z0-9_-]{1,${HOSTNAME_MAX_CHARS}}$`);

/**
 * The host part of a prompt: a hostname, which may carry an HA decoration (`FGT-A:primary`). Kept looser than
 * HOSTNAME (`.`, `~`, up to 64 characters) so a unit that prints a little more is still recognised; the channel
 * then only accepts prompts of the host the first prompt named.
 */
const PROMPT_HOST = '[A-Za-z0-9_-][\\w.\\-:~]{0,63}';
/** A prompt's parenthesised context: a VDOM, `global`, `vdom` (the picker), a config sub-mode. */
const PROMPT_CONTEXT = '[^()\\r\\n]{1,40}';

/** Prompt at the end of the buffer: `HOST # `, `HOST $ `, `HOST (ctx) # `. Host may carry HA decorations. */
export const PROMPT_TAIL = new RegExp(`(?:^|[\\r\\n])(${PROMPT_HOST}(?:\\s\\((?:${PROMPT_CONTEXT})\\))?) ?([#$]) $`);

/** One whole prompt and its parts (host, context, privilege): the same shape as PROMPT_TAIL, anchored at both ends. */
export const PROMPT_EXACT = new RegExp(`^(${PROMPT_HOST})(?:\\s\\((${PROMPT_CONTEXT})\\))? ?([#$]) $`);

/** A prompt at the start of a transcript line, followed by the typed command (for pasted transcripts). */
export const PROMPT_LINE = new RegExp(`^(${PROMPT_HOST})(?: \\((${PROMPT_CONTEXT})\\))? ?([#$]) ?(.*)$`);

/** The unit a prompt's host names: an HA decoration (`FGT-A:primary`) removed. */
export function promptBaseHost(host: string): string {
  return host.replace(/:[\w-]+$/, '');
}

/** Pager marker; FortiOS redraws the line with `\r` + spaces + `\r` after a space is sent. */
export const PAGER = '--More--';
export const PAGER_TAIL = /--More--\s*$/;
/** Post-login banner waiting for acceptance (`set post-login-banner enable`). Matched before prompts: banner text may contain `#`. */
export const BANNER_ACCEPT = /\(Press 'a' to accept\):\s*$/;
export const MAX_ADMINS = 'Reached maximum number of logged in administrators.';

/** CLI error strings and the kind we report. Order matters: the first match names the error. */
export const CLI_ERRORS: ReadonlyArray<{ pattern: RegExp; kind: CliErrorKind }> = [
  { pattern: /^Unknown action \d+/m, kind: 'unknown-action' },
  { pattern: /^command parse error before '[^'\r\n]*'/m, kind: 'parse-error' },
  { pattern: /^value parse error before '[^'\r\n]*'/m, kind: 'parse-error' },
  { pattern: /^entry not found in datasource/m, kind: 'entry-not-found' },
  { pattern: /^node_check_object fail!/m, kind: 'node-check-fail' },
  // -37 is what a read-only admin profile gets for `diagnose debug` (CLI_MESSAGES.permissionDeniedCode): say so.
  { pattern: /^Command fail\. Return code -37\b/m, kind: 'permission-denied' },
  { pattern: /^Command fail\. Return code -?\d+/m, kind: 'command-fail' },
  { pattern: /^(?:Permission denied|permission denied)/m, kind: 'permission-denied' },
];
export type CliErrorKind =
  | 'unknown-action'
  | 'parse-error'
  | 'entry-not-found'
  | 'node-check-fail'
  | 'command-fail'
  | 'permission-denied';

/** Factory defaults (docs/domain.md R3/R7): plain `show` omits them. */
export const DEFAULTS = {
  defaultVoipAlgMode: 'proxy-based',
  sipTcpPort: 5060,
  sipUdpPort: 5060,
  sipSslPort: 5061,
  sessionHelperSipId: 13,
  /** `config system global` / `udp-idle-timer` (seconds), KB 191228. */
  udpIdleTimer: 180,
} as const;

/** Every command the bot may send. Read-only, except the debug controls the product exists to run. */
export const COMMANDS = {
  systemStatus: 'get system status',
  configVdom: 'config vdom',
  configGlobal: 'config global',
  end: 'end',
  /** Logs out of the CLI (sent by the driver's close()). */
  exit: 'exit',
  editVdom: (vdom: string) => `edit ${vdom}`,
  systemSettings: 'show full-configuration system settings',
  sessionHelper: 'show system session-helper',
  firewallPolicy: 'show firewall policy',
  /** Resolves the ports of custom services on policies (R7). */
  serviceCustom: 'show firewall service custom',
  voipProfile: 'show full-configuration voip profile',
  /** Global scope: `udp-idle-timer` (180 s when not shown), the idle timer of UDP sessions such as SIP's (KB 191228). */
  systemGlobal: 'show system global',
  /** Per VDOM: session TTLs by port (`config port` entries), KB 191228. */
  sessionTtl: 'show system session-ttl',
  sipProxyStats: 'diagnose sys sip-proxy stats',
  sipProxyCalls: 'diagnose sys sip-proxy calls list',
  sipHelperStatus: 'diagnose sys sip status',
  sessionFilterClear: 'diagnose sys session filter clear',
  sessionFilterDport: (port: number) => `diagnose sys session filter dport ${port}`,
  sessionList: 'diagnose sys session list',
  vdList: 'diagnose sys vd list',
  /** Under `config global`: its `set vdom` lines name the VDOMs when `diagnose sys vd list` is refused. */
  systemInterface: 'show system interface',
  debugDisable: 'diagnose debug disable',
  debugReset: 'diagnose debug reset',
  /** Read before the capture: console timestamp, duration and levels as found (restored afterwards). */
  debugInfo: 'diagnose debug info',
  debugTimestamp: 'diagnose debug console timestamp enable',
  debugTimestampDisable: 'diagnose debug console timestamp disable',
  debugDuration: (minutes: number) => `diagnose debug duration ${minutes}`,
  debugSip: (level: number) => `diagnose debug application sip ${level}`,
  debugIm: 'diagnose debug application im 31',
  debugEnable: 'diagnose debug enable',
} as const;

/** Commands that reset debug: sent on every exit path, in this order. */
export const DEBUG_CLEANUP = [COMMANDS.debugDisable, COMMANDS.debugReset] as const;

/** VDOM mode as printed by `get system status` (`Virtual domain configuration: ...`). */
export type VdomMode = 'disable' | 'enable' | 'multiple' | 'split-task';
export function vdomModeIsMulti(mode: VdomMode | undefined): boolean {
  return mode === 'enable' || mode === 'multiple' || mode === 'split-task';
}

/**
 * Texts FortiOS prints (the simulator prints them; the driver detects them with CLI_ERRORS / PROMPT_TAIL).
 * `-61` follows a parse error; `-37` is the refusal a read-only admin profile gets for `diagnose debug`.
 */
export const CLI_MESSAGES = {
  unknownAction: 'Unknown action 0',
  parseError: (word: string) => `command parse error before '${word}'`,
  commandFail: (code: number) => `Command fail. Return code ${code}`,
  entryNotFound: 'entry not found in datasource',
  parseErrorCode: -61,
  permissionDeniedCode: -37,
  entryNotFoundCode: -3,
  /** `config vdom` / `edit X` answers with the VDOM and its index. */
  currentVf: (vdom: string, index: number) => `current vf=${vdom}:${index}`,
  /** The pager's redraw after a key: CR, spaces over `--More-- `, CR. */
  pagerRedraw: '\r         \r',
  bannerAccept: "(Press 'a' to accept):",
} as const;
