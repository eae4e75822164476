/**
 * Errors are values with a kind the user can act on, rendered once (`describeError`).
 * Messages never contain secrets: only names of env vars or files.
 */
export type CheckErrorKind =
  | 'usage'
  | 'unknown-firewall'
  | 'not-authorized'
  | 'busy'
  | 'rate-limited'
  | 'overloaded'
  | 'config'
  | 'credentials-missing'
  | 'unreachable'
  | 'timeout'
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'algorithm-mismatch'
  | 'auth-failed'
  | 'max-admins'
  | 'cli-error'
  | 'permission-denied'
  | 'disconnected'
  | 'cancelled'
  | 'shutdown'
  | 'store-unavailable'
  | 'lock-lost'
  | 'internal';

export class CheckError extends Error {
  constructor(
    readonly kind: CheckErrorKind,
    message: string,
    /** Safe, user-facing facts (fingerprints, phase, command). Never secrets. */
    readonly detail: Record<string, string | number | boolean> = {},
    /** Worth retrying later (max admins, busy, rate-limited). */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'CheckError';
  }
}

export function isCheckError(e: unknown): e is CheckError {
  return e instanceof CheckError;
}

/** Wraps anything thrown into a CheckError without leaking stack traces to users. */
export function toCheckError(e: unknown): CheckError {
  if (e instanceof CheckError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new CheckError('internal', `internal error: ${message}`);
}

const HINTS: Partial<Record<CheckErrorKind, string>> = {
  usage: 'Type `/sip-check help` for usage.',
  'unknown-firewall': 'Check the name; `/sip-check help` lists the firewalls you may check.',
  'not-authorized': 'Ask the bot admin to add you or this channel to the firewall\'s `allow` list.',
  busy: 'Wait for the running check to finish, then try again.',
  'rate-limited': 'Wait a little and try again.',
  overloaded: 'Too many checks are running; try again in a minute.',
  unreachable: 'Check that the bot can reach the firewall\'s SSH port (routing, trusted hosts, admin access on the interface).',
  timeout: 'The firewall did not answer in time; it may be busy. Try again or raise the timeout.',
  'host-key-mismatch': 'The firewall presented a different SSH host key. If the key change is expected, update the pinned fingerprint in the inventory; otherwise treat it as an attack.',
  'host-key-unknown': 'Pin the firewall\'s SSH host key fingerprint in the inventory (`ssh-keygen -lf` output).',
  'algorithm-mismatch': 'Set `algorithms: legacy` for this firewall in the inventory.',
  'auth-failed': 'Check the username and the credential the inventory points at.',
  'credentials-missing': 'Set the environment variable or file named in the inventory.',
  'max-admins': 'The firewall has too many admin sessions; try again later.',
  'permission-denied': 'The admin profile needs read access to the config and permission to run diagnose commands.',
  disconnected: 'The SSH connection was lost.',
  'store-unavailable': 'The replicas share their locks through Redis (SIP_CHECK_REDIS_URL); no check starts without its lock. Try again in a minute, or ask the bot admin to check Redis.',
  'lock-lost': 'This replica lost its lock on the firewall (Redis unreachable or the lease expired); the check stopped and debug was reset. Run it again.',
};

/** The one place an error becomes text for a user. */
export function describeError(e: CheckError): string {
  const hint = HINTS[e.kind];
  return hint ? `${e.message}\n${hint}` : e.message;
}

/**
 * What a chat user is told instead of the message, for kinds whose message names what belongs in the bot's log
 * only: local paths, environment variable names, SSH user names, firewall addresses and ports, host key
 * fingerprints, Redis errors. The message itself is logged with the check id; the user gets what to do (the hint)
 * and the check id to quote.
 */
/** Raised while connecting (src/fortigate/ssh.ts `ConnectPhase`): its message names `host:port`. */
function fromConnect(e: CheckError): boolean {
  return ['tcp-connect', 'key-exchange', 'authentication', 'ready'].includes(String(e.detail.phase));
}

const CHAT_SUMMARY: Partial<Record<CheckErrorKind, (e: CheckError) => string>> = {
  'credentials-missing': () => 'The bot has no usable credential for this firewall.',
  config: () => 'The bot\'s configuration for this firewall is incomplete.',
  unreachable: () => 'The firewall is unreachable from the bot.',
  // From the SSH connect layer the message holds the address; later ones name the firewall and command only.
  timeout: (e) => (fromConnect(e) ? 'The firewall did not answer in time.' : e.message.split('\n')[0]),
  'host-key-mismatch': () => 'The firewall presented an SSH host key that does not match the one pinned for it.',
  'host-key-unknown': () => 'No SSH host key is pinned for this firewall.',
  'algorithm-mismatch': () => 'The bot and the firewall share no SSH algorithm.',
  'auth-failed': () => 'SSH authentication failed: the firewall refused the bot\'s login.',
  disconnected: (e) => (fromConnect(e) ? 'The SSH connection to the firewall was lost.' : e.message.split('\n')[0]),
  'store-unavailable': () => 'The bot cannot reach the store its replicas share (Redis).',
  'lock-lost': () => 'This bot replica lost its lock on the firewall.',
  internal: () => 'The bot hit an internal error.',
};

/**
 * What a chat user is told of an error kept as data (a sweep row, a drift change): its chat summary when it was
 * recorded with one, else derived from the kind (rows stored by an older version, or by the command line).
 */
export function storedErrorForChat(error: { kind: CheckErrorKind; message: string; chat?: string }): string {
  return error.chat ?? chatErrorSummary(new CheckError(error.kind, error.message));
}

/** The first line of what a chat user is told about `e` (no hint): the message, or its chat summary. */
export function chatErrorSummary(e: CheckError): string {
  const summary = CHAT_SUMMARY[e.kind];
  return summary ? summary(e) : e.message.split('\n')[0];
}

/**
 * An error as Slack shows it: nothing of the bot's host or the firewall's access details (see CHAT_SUMMARY), the
 * hint, and the check id that finds the details in the bot's log.
 */
export function describeErrorForChat(e: CheckError, checkId?: string): string {
  if (!CHAT_SUMMARY[e.kind]) return describeError(e);
  const hint = HINTS[e.kind];
  const id = checkId ? `\nCheck id \`${checkId}\`: the bot's log has the details.` : '\nThe bot\'s log has the details.';
  return `${chatErrorSummary(e)}${hint ? `\n${hint}` : ''}${id}`;
}
