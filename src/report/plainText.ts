/**
 * The shared renderers (verdictText, sipText) write light Slack mrkdwn: `*bold*` headings, inline `code` around
 * values and commands, and ``` fenced blocks. Terminals and files get plain text instead (issue 21 §5):
 * - a fence line is dropped and the block's lines are indented by four spaces (still pasteable: FortiOS ignores
 *   leading blanks), so remediation CLI and quoted output stand apart without markup;
 * - outside blocks, `*bold*` becomes ANSI bold on a terminal (`bold: true`) and plain words elsewhere, and the
 *   backticks around an inline value are dropped.
 * Text inside blocks is never touched (SIP text such as `Contact: *` lives there). This only changes markup: the
 * caller strips control characters from device text before or after, as it does for any output.
 */
export function mrkdwnToPlain(text: string, opts: { bold?: boolean } = {}): string {
  let inCode = false;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trimStart();
    if (trimmed.startsWith('```')) {
      // A fence may carry text after it on the same line (Slack allows it): keep that text as a block line.
      const rest = trimmed.slice(3);
      const close = rest.endsWith('```') && rest.length >= 3;
      const inner = close ? rest.slice(0, -3) : rest;
      if (inner.trim()) out.push(`    ${inner}`);
      if (!close) inCode = !inCode;
      continue;
    }
    if (inCode) {
      if (line.trimEnd().endsWith('```')) {
        const inner = line.trimEnd().slice(0, -3);
        if (inner.trim()) out.push(`    ${inner}`);
        inCode = false;
        continue;
      }
      out.push(line === '' ? '' : `    ${line}`);
      continue;
    }
    out.push(inlinePlain(line, opts.bold === true));
  }
  return out.join('\n');
}

/** `*bold*` at word bounds, and `code` spans, in one line of prose. */
function inlinePlain(line: string, bold: boolean): string {
  // Code spans first, so a `*` inside one is not taken for bold.
  const parts = line.split(/(`[^`\n]+`)/);
  return parts
    .map((part, k) => {
      if (k % 2 === 1) return part.slice(1, -1);
      return part.replace(/(^|[\s(•])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?=$|[\s).,:;])/g, (_m, before: string, inner: string) => (bold ? `${before}\x1b[1m${inner}\x1b[22m` : `${before}${inner}`));
    })
    .join('');
}
