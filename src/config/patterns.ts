/**
 * Strict input patterns shared by the inventory, the environment and the command parser.
 * Every pattern is anchored and has no nested quantifiers (linear time on any input).
 */

/** Firewall names as users type them: a leading letter or digit, then letters, digits, `.`, `_`, `-`. */
export const FIREWALL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** FortiOS VDOM names: at most 31 characters (FortiOS CLI reference, `config vdom` / `edit <name>`). */
export const VDOM_NAME = /^[A-Za-z0-9_-]{1,31}$/;

/** SSH usernames we accept for FortiOS admins (admin names are at most 64 characters). */
export const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;

/** Environment variable names (POSIX portable). */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Slack IDs: users (`U`, or `W` on Enterprise Grid), user groups (`S`), channels (`C` public, `G` private, `D` DM). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
export const SLACK_USER_GROUP_ID = /^S[A-Z0-9]{2,20}$/;
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;

/**
 * OpenSSH SHA-256 host key fingerprint as printed by `ssh-keygen -lf`: unpadded base64 of 32 bytes
 * is 43 characters, and the last one carries 2 bits of padding, so it is one of `AEIMQUYcgkosw048`.
 */
export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?$/;

/** Dotted-quad IPv4, each octet 0-255 without leading zeros (`010` is octal to some tools). */
export const IPV4 = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 hostname, or an all-numeric name that is a valid IPv4 address. */
export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = (value.endsWith('.') ? value.slice(0, -1) : value).split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return false;
  // `999.1.1.1` passes as labels but is a mistyped address, not a name.
  if (labels.every((label) => /^[0-9]+$/.test(label))) return IPV4.test(value);
  return true;
}

/** Inventory tags (`tags: [branch, emea]`), typed as `/sip-check tag=NAME`: lower-case letters, digits, `_`, `-`. */
export const TAG_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Firewall names with a meaning of their own in the command grammar or the console demo. */
export const RESERVED_FIREWALL_NAMES: ReadonlySet<string> = new Set(['help', 'fw-demo', 'all', 'watch']);
