/**
 * Text from the firewall (hostname, VDOM, policy and profile names) and from SIP peers (reason phrases, Call-IDs,
 * header values) is data, never control: a hostname `X\x1b]0;TITLE\x07\x1b[2J` must not retitle the operator's
 * terminal or clear the screen, and a right-to-left override must not reorder what a line seems to say.
 *
 * `neutraliseControls` is the one function that makes such text harmless. It is applied at the output edges (the
 * terminal adapter, `analyze` and `sweep` output, the report and CSV files, Slack text), never to what is kept as
 * evidence (the raw SIP debug capture, the CLI transcript, the pcap), which stays byte for byte.
 *
 * What it changes, each into a visible escape (`\x1b`, `\u202e`) so the operator sees that something was there:
 * - C0 controls U+0000-U+001F except newline and tab (ESC, BEL, CR, backspace...),
 * - DEL U+007F and the C1 controls U+0080-U+009F (U+009B is a one-byte CSI on many terminals),
 * - the bidirectional embeddings and overrides U+202A-U+202E and isolates U+2066-U+2069 (Trojan Source,
 *   CVE-2021-42574).
 */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visibleEscape(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control and bidi override replaced by its visible escape; newline and tab are kept. */
export function neutraliseControls(text: string): string {
  return text.replace(CONTROLS, visibleEscape);
}

/**
 * JSON output: `JSON.stringify` already writes C0 controls as `\u001b`; DEL, C1 and bidi characters it leaves raw.
 * These become `\uXXXX` escapes too, so the JSON printed to a terminal is inert and parses to the same strings.
 */
export function jsonWithoutControls(json: string): string {
  return json.replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
