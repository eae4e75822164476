/**
 * A count with its noun: "1 call", "2 calls", "0 problems". Every count the bot renders (thread, terminal,
 * reports) goes through here, so "1 calls" cannot come back in one place while fixed in another.
 */
export function countOf(n: number, singular: string, opts: { plural?: string; grouped?: boolean } = {}): string {
  const number = opts.grouped ? n.toLocaleString('en-US') : String(n);
  return `${number} ${n === 1 ? singular : (opts.plural ?? `${singular}s`)}`;
}
