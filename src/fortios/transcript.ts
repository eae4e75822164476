import { CLI_ERRORS, COMMANDS, PROMPT_LINE } from './cli';
import type { CommandResult } from './types';

/**
 * A CLI transcript is what a terminal shows: `HOST (ctx) # command`, then its output, then the next prompt.
 * It is the one text format shared by `sip-check analyze` (users paste it), the simulator's scenarios
 * (the device answers from it) and the transcript attached to every live check (rendered from it).
 */

/** Prompt contexts that are configuration sub-modes, not VDOMs. `vdom` is the VDOM picker of `config vdom`. */
const NON_VDOM_CONTEXTS = new Set(['vdom']);

/** Collapses whitespace so `show  firewall policy` and `show firewall policy` are one command. */
export function normaliseCommand(command: string): string {
  return command.trim().replace(/\s+/g, ' ');
}

/** Removes pager artefacts and line-end noise from raw CLI text: `--More--` and its `\r   \r` redraw, CRs, trailing spaces. */
export function cleanCliText(raw: string): string {
  return raw
    .replace(/ ?--More-- ?(?:\r +\r|\r|\x08+ *\x08*)?/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r+\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(/[ \t]+$/gm, '');
}

/** The first CLI error in an output, if any. */
export function detectCliError(output: string): CommandResult['error'] {
  for (const { pattern, kind } of CLI_ERRORS) {
    const m = pattern.exec(output);
    if (m) return { kind, text: m[0] };
  }
  return undefined;
}

export function contextFromPrompt(ctx: string | undefined): string | null {
  if (!ctx || NON_VDOM_CONTEXTS.has(ctx)) return null;
  return ctx;
}

/**
 * Splits a pasted transcript into commands and outputs. Tolerates CRLF, `--More--` residue, trailing spaces,
 * text before the first prompt (banners) and bare prompts. Only prompts of the first host seen count, so a
 * prompt-looking line inside output does not start a command.
 */
export function parseTranscript(text: string): CommandResult[] {
  const lines = cleanCliText(text).split('\n');
  const results: CommandResult[] = [];
  let host: string | null = null;
  let current: { command: string; context: string | null; lines: string[] } | null = null;

  const flush = () => {
    if (!current) return;
    while (current.lines.length && current.lines[current.lines.length - 1].trim() === '') current.lines.pop();
    while (current.lines.length && current.lines[0].trim() === '') current.lines.shift();
    const output = current.lines.join('\n');
    const result: CommandResult = { command: current.command, context: current.context, output };
    const error = detectCliError(output);
    if (error) result.error = error;
    results.push(result);
    current = null;
  };

  // After `diagnose debug enable` the debug output lands on the idle prompt's line (or after a bare prompt), and
  // `diagnose debug disable` is typed blind while it scrolls (DOMAIN.md "CLI facts"): both stay in the capture.
  let streaming = false;
  for (const line of lines) {
    const m = PROMPT_LINE.exec(line);
    const isPrompt = m !== null && (host === null || stripHaDecoration(m[1]) === host);
    if (m && isPrompt) {
      if (host === null) host = stripHaDecoration(m[1]);
      const command = normaliseCommand(m[4] ?? '');
      if (streaming && current && !CLI_VERB.test(command)) {
        if (command) current.lines.push(m[4]);
        continue;
      }
      flush();
      streaming = command === DEBUG_ON;
      if (command) current = { command, context: contextFromPrompt(m[2]), lines: [] };
      continue;
    }
    const blind = streaming && current ? BLIND_DEBUG_OFF.exec(line) : null;
    if (blind && current) {
      const context = current.context;
      if (blind.index > 0) current.lines.push(line.slice(0, blind.index));
      flush();
      streaming = false;
      current = { command: normaliseCommand(blind[1]), context, lines: [] };
      continue;
    }
    if (current) current.lines.push(line);
  }
  flush();
  return results;
}

const DEBUG_ON = normaliseCommand(COMMANDS.debugEnable);
/** Text after a prompt that is a typed command, not debug output landing on the prompt's line. */
const CLI_VERB = /^(?:get|show|config|diagnose|diag|execute|exec|end|exit|edit|next|abort)\b/;
/** `diagnose debug disable` / `reset` typed blind while debug scrolls: alone on a line or after a debug line. */
const BLIND_DEBUG_OFF = /(diagnose debug (?:disable|reset))\s*$/;

/** HA clusters may show `FGT-A:primary` style hosts; the base name identifies the unit. */
function stripHaDecoration(host: string): string {
  return host.replace(/:[\w-]+$/, '');
}

/** The prompt FortiOS shows in a context. */
export function promptFor(hostname: string, context: string | null, privilege: '#' | '$' = '#'): string {
  return context ? `${hostname} (${context}) ${privilege} ` : `${hostname} ${privilege} `;
}

/** Renders results back into a transcript that `parseTranscript` reads to the same results. */
export function renderTranscript(results: readonly CommandResult[], hostname: string, privilege: '#' | '$' = '#'): string {
  const parts: string[] = [];
  for (const r of results) {
    parts.push(promptFor(hostname, r.context, privilege) + r.command);
    if (r.output) parts.push(r.output);
  }
  parts.push(promptFor(hostname, results.length ? results[results.length - 1].context : null, privilege).trimEnd());
  return parts.join('\n') + '\n';
}

/** Outputs of one command (normalised), in order, optionally limited to a context. */
export function outputsOf(results: readonly CommandResult[], command: string, context?: string | null): CommandResult[] {
  const wanted = normaliseCommand(command);
  return results.filter((r) => r.command === wanted && (context === undefined || r.context === context));
}
