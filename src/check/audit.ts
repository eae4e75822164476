import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OverallHandler } from '../verdict/types';
import type { CheckErrorKind } from '../errors';
import type { CheckOptions } from './types';

/**
 * Audit trail of who ran what: one JSON object per line (NDJSON, like Hubot 14's log), appended to a file
 * created with mode 0600 in a directory created with mode 0700.
 *
 * Fields (absent when not known for that event):
 * - `ts`          ISO-8601 time the record was written
 * - `event`       `check-start` | `check-end` | `denied` (unknown or not-allowed firewall) | `rejected`
 *                 (usage, rate-limited, busy, overloaded) | `button` (a button was pressed) | `recovery`
 *                 (start-up clean-up of debug left on by a crash, or, with `action: change`, the assessment of
 *                 an approved change cut mid-way) | `change` (a step of an approved change)
 * - `checkId`     id of the check (also in the crash journal)
 * - `userId`, `channelId`, `teamId`   Slack IDs of the requester (never names)
 * - `firewall`    inventory name; `vdom` the VDOM checked
 * - `options`     the validated options: `{ seconds, level, vdom?, peer?, port? }`
 * - `startedAt`, `finishedAt`   ISO-8601 times of the check
 * - `outcome`     `ok`, the error kind (`auth-failed`, `timeout`, `busy`, ...), or `cut-short:KIND` for an answer
 *                 given from what was read before the link dropped or a command hung
 * - `verdict`     the handler found (`sip-alg`, `session-helper`, `none`, `mismatch`, ...)
 * - `debugReset`  true: debug confirmed reset on the firewall; false: not confirmed; null: debug never enabled
 * - `action`      for `button`: which button; `message`: a short human-readable reason
 * - `transcript`  for `recovery`: every line typed on the firewall, in order (the CLI transcript format of a check)
 * - `via`         for `recovery` of a change cut mid-way (`action: change`, `checkId` the change id, `outcome`
 *                 complete | partial | absent | unread): what read the unit, `start-up`, `recovery` (the Redis
 *                 loop), `check <id>` or `change <id>`
 *
 * Never secrets: records are built from a fixed list of fields, strings are shortened, and any known secret
 * value (`secretValues()`) is replaced by `[redacted]` as a last line of defence.
 */
/** `change`: a step of an approved change (issue 24); `action` names the step, `checkId` holds the change id. */
export type AuditEvent = 'check-start' | 'check-end' | 'denied' | 'rejected' | 'button' | 'recovery' | 'change';

export interface AuditRecord {
  event: AuditEvent;
  checkId?: string;
  userId?: string;
  channelId?: string;
  teamId?: string;
  firewall?: string;
  vdom?: string;
  options?: CheckOptions;
  startedAt?: string | Date;
  finishedAt?: string | Date;
  /** `ok`, an error kind, or for `button` what was shown (e.g. `remediation`). */
  outcome?: 'ok' | CheckErrorKind | (string & Record<never, never>);
  verdict?: OverallHandler;
  debugReset?: boolean | null;
  action?: string;
  message?: string;
  /** The CLI transcript of what was typed (renderCliRecord). */
  transcript?: string;
  /** For the assessment of a change cut mid-way: what read the unit (`start-up`, `recovery`, `check <id>`, `change <id>`). */
  via?: string;
}

const STRING_FIELDS = ['checkId', 'userId', 'channelId', 'teamId', 'firewall', 'vdom', 'outcome', 'verdict', 'action', 'message', 'via'] as const;
const MAX_FIELD_LENGTH = 1000;
/** A recovery types a handful of lines; the bound only guards against a unit that floods its answers. */
const MAX_TRANSCRIPT_LENGTH = 16_000;

export interface AuditLogOptions {
  /** Secret values to scrub (from `secretValues(env, inventory)`). */
  secrets?: readonly string[];
  now?: () => Date;
  /** A record could not be written. Default: one line on stderr (never the record itself). */
  onError?: (error: Error) => void;
}

export class AuditLog {
  private readonly secrets: readonly string[];
  private readonly now: () => Date;
  private readonly onError: (error: Error) => void;
  private dirReady = false;

  constructor(
    readonly file: string,
    options: AuditLogOptions = {},
  ) {
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...(options.secrets ?? [])].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? ((e) => process.stderr.write(`sip-check: cannot write the audit log ${file}: ${(e as NodeJS.ErrnoException).code ?? e.message}\n`));
  }

  /** The line that `write` appends (without the newline). */
  format(record: AuditRecord): string {
    const out: Record<string, unknown> = { ts: this.now().toISOString(), event: record.event };
    for (const field of STRING_FIELDS) {
      const value = record[field];
      if (value !== undefined) out[field] = this.clean(String(value));
    }
    if (record.options !== undefined) {
      const { seconds, level, vdom, peer, port } = record.options;
      out.options = {
        seconds,
        level,
        ...(vdom !== undefined ? { vdom: this.clean(vdom) } : {}),
        ...(peer !== undefined ? { peer: this.clean(peer) } : {}),
        ...(port !== undefined ? { port } : {}),
      };
    }
    for (const field of ['startedAt', 'finishedAt'] as const) {
      const value = record[field];
      if (value !== undefined) out[field] = value instanceof Date ? value.toISOString() : this.clean(value);
    }
    if (record.debugReset !== undefined) out.debugReset = record.debugReset;
    if (record.transcript !== undefined) out.transcript = this.clean(record.transcript, MAX_TRANSCRIPT_LENGTH);
    // JSON.stringify escapes control characters, so one record is always one line.
    return JSON.stringify(out);
  }

  /**
   * Appends one record synchronously (small, O_APPEND: lines from one process never interleave).
   * Never throws: a full disk must not break a check; failures go to `onError`.
   */
  record(record: AuditRecord): void {
    try {
      const line = `${this.format(record)}\n`;
      if (!this.dirReady) {
        fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      fs.appendFileSync(this.file, line, { mode: 0o600 });
    } catch (e) {
      // Not `instanceof Error`: errors from node:fs may come from another realm (jest, vm).
      this.onError(typeof e === 'object' && e !== null && 'message' in e ? (e as Error) : new Error(String(e)));
    }
  }

  private clean(value: string, max = MAX_FIELD_LENGTH): string {
    let text = value;
    for (const secret of this.secrets) if (text.includes(secret)) text = text.split(secret).join('[redacted]');
    return text.length > max ? `${text.slice(0, max)}...` : text;
  }
}
