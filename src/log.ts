import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: Exclude<LogLevel, 'debug'> | 'debug', message: string, fields?: Record<string, unknown>) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object per line. Callers pass IDs, names and error kinds: never secrets, SIP payloads or tokens.
 * Keys that look like secrets are dropped as a second line of defence.
 */
export function createLogger(minLevel: LogLevel, out: Writable): Logger {
  return (level, message, fields = {}) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const safe: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (/pass|secret|token|key$/i.test(k)) continue;
      safe[k] = v;
    }
    out.write(JSON.stringify({ ts: new Date().toISOString(), level, message, ...safe }) + '\n');
  };
}
