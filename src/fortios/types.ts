import type { CliErrorKind } from './cli';

/** One command's output as read from the firewall or a pasted transcript. */
export interface CommandResult {
  /** The command as typed (echo stripped, whitespace collapsed). */
  command: string;
  /** CLI context the command ran in: a VDOM name, `global`, or null at the top level of a single-VDOM unit. */
  context: string | null;
  /** Output without echo, prompt and pager residue; `\n` line ends. */
  output: string;
  /** A CLI error detected in the output. */
  error?: { kind: CliErrorKind; text: string };
}
