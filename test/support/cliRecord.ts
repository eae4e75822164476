import { PROMPT_EXACT } from '../../src/fortios/cli';
import type { CommandLogEntry } from '../../src/simulator';

/** One typed line as a rendered CLI record shows it: the prompt before it, the line, and the not-read mark's reason. */
export interface RecordedLine {
  prompt: string;
  command: string;
  unread?: string;
}

const TYPED = /^(.*?[#$] )(\S.*?)(?: {2}\[sip-check: output not read: ([^\]]+)\])?$/;

/**
 * The typed lines of a rendered CLI record (renderCliRecord), per SSH connection. Read independently of the
 * product's transcript reader: a line counts when it starts with a whole prompt of the first host seen.
 */
export function typedLinesOf(record: string): RecordedLine[][] {
  const connections: RecordedLine[][] = [[]];
  let host: string | null = null;
  for (const line of record.split('\n')) {
    if (line === '[sip-check: new SSH connection]') {
      connections.push([]);
      continue;
    }
    const m = TYPED.exec(line);
    const prompt = m ? PROMPT_EXACT.exec(m[1]) : null;
    if (!m || !prompt) continue;
    host ??= prompt[1];
    if (prompt[1] !== host) continue;
    const typed: RecordedLine = { prompt: m[1], command: m[2] };
    if (m[3] !== undefined) typed.unread = m[3];
    connections[connections.length - 1].push(typed);
  }
  return connections;
}

/** What the simulated unit received, in order, with the prompt it had printed before each line. */
export function receivedLines(log: readonly CommandLogEntry[]): Array<{ prompt: string; command: string }> {
  return log.map((e) => ({ prompt: e.prompt ?? '', command: e.command }));
}

/** A record's lines without the marks, to compare with `receivedLines`. */
export function withoutMarks(lines: readonly RecordedLine[]): Array<{ prompt: string; command: string }> {
  return lines.map(({ prompt, command }) => ({ prompt, command }));
}
