/**
 * Line reader for `diagnose debug application sip -1` output.
 *
 * Known shape: the FortiOS 5.2 handbook "SIP debug log format" sample (the only public ALG debug text):
 *   2010-01-04 21:39:59 sip port 26 locate session for A:p -> B:q
 *   2010-01-04 21:39:59 sip sess 0x979df38 found for A:p -> B:q
 *   2010-01-04 21:39:59 sip port 26 A:p -> B:q
 *   2010-01-04 21:39:59 sip port 26 read [(0,515)(<hex of the message>)(<message as text, CR/LF shown as '.'>)]
 * The timestamp prefix is there after `diagnose debug console timestamp enable`. A console prints a record on one
 * line; documentation wraps it, so a `read [(` record is rejoined until its closing `)]`, under a hard cap.
 * Everything else is tolerated: unknown lines are counted, never fatal. All patterns are anchored and bounded.
 */

export interface DebugMessageEvent {
  type: 'message';
  /** Full console timestamp (`2024-05-02 10:11:12`) and its value in ms (calendar arithmetic, no clock). */
  timestamp?: string;
  timeMs?: number;
  port: number;
  io: 'read' | 'write';
  src?: string;
  dst?: string;
  /** Timestamp of the `sip port N A -> B` line this record belongs to (evidence is rebuilt from it, src and dst). */
  addressTimestamp?: string;
  payload: string;
  /** Decoded from a complete hex dump (exact bytes). */
  exact: boolean;
  declaredLength?: number;
  /** The record or its payload was cut (cap hit, next record began, end of input). */
  cut: boolean;
}

export interface DebugProblemEvent {
  type: 'alg-problem';
  kind: 'alg-blocked' | 'alg-parse-error';
  timestamp?: string;
  line: string;
}

export type DebugEvent = DebugMessageEvent | DebugProblemEvent;

/** A UDP SIP message is at most 64 KB: hex (2×) + text (1×) + framing fits well under this. */
export const MAX_RECORD_CHARS = 256 * 1024;
const MAX_RECORD_LINES = 4096;
const MAX_PORTS_TRACKED = 4096;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\s+/;
const RECORD_START = /^sip port (\d{1,6})(?: [^[\]]{0,40})? (read|write|recv|send) \[/;
const ADDRESS_LINE = /^sip port (\d{1,6}) (\S{1,64}) -> (\S{1,64})\s*$/;
const KNOWN_LINE = /^sip (?:port \d{1,6} (?:locate session|accept|connect|close|create|delete|new|redirect)|sess(?:ion)? 0x[0-9a-f]{1,16} |(?:vd|vdom) )/;
const ALG_PARSE_ERROR = /\b(?:parse (?:error|fail(?:ed|ure)?)|malformed|invalid (?:sip|message|header|request|response))\b/i;
const ALG_BLOCKED = /\b(?:block(?:ed)?|drop(?:ped)?|den(?:y|ied)|discard(?:ed)?)\b/i;

/**
 * Length of a leading console timestamp (`2024-05-02 10:11:12 `, optional `.123`) and the blanks after it, or 0.
 * A character check rather than a regex: it runs on every line.
 */
const TIMESTAMP_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

function timestampLength(line: string): number {
  if (line.length < 20 || line.charCodeAt(4) !== 45 || line.charCodeAt(7) !== 45 || line.charCodeAt(13) !== 58 || line.charCodeAt(16) !== 58) return 0;
  const sep = line.charCodeAt(10);
  if (sep !== 32 && sep !== 84) return 0;
  for (const k of TIMESTAMP_DIGITS) {
    const c = line.charCodeAt(k);
    if (c < 48 || c > 57) return 0;
  }
  let i = 19;
  if (line.charCodeAt(i) === 46) {
    i++;
    while (i < line.length && i < 26 && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  }
  const afterStamp = i;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i > afterStamp ? i : 0;
}

interface PendingRecord {
  timestamp?: string;
  timeMs?: number;
  port: number;
  io: 'read' | 'write';
  parts: string[];
  chars: number;
  declaredLength?: number;
}

export class SipDebugReader {
  total = 0;
  unknown = 0;
  /** Characters examined, for the linear-time test (work, not wall-clock). */
  work = 0;
  private pending: PendingRecord | null = null;
  /** Last `sip port N A -> B` per port: the following read/write belongs to it. */
  private readonly addressByPort = new Map<number, { src: string; dst: string; timestamp?: string }>();
  /** A line that ended in `->` (documentation wrap): joined with the next one. */
  private carry: string | null = null;

  /** Endpoints and timestamps repeat: one flat copy of each (bounded). */
  private readonly interned = new Map<string, string>();

  constructor(private readonly onEvent: (event: DebugEvent) => void) {}

  private lastTimestampRaw = '';
  private lastTimestamp = '';

  /** Consecutive lines mostly carry the same timestamp: a string compare beats hashing a fresh slice. */
  private ownTimestamp(raw: string): string {
    if (raw !== this.lastTimestampRaw) {
      this.lastTimestampRaw = raw;
      this.lastTimestamp = own(raw.trimEnd());
    }
    return this.lastTimestamp;
  }

  private intern(s: string): string {
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    if (this.interned.size >= 4096) this.interned.clear();
    const copy = own(s);
    this.interned.set(copy, copy);
    return copy;
  }

  pushLine(input: string): void {
    this.total++;
    this.work += input.length + 1;
    let line = input.length > MAX_RECORD_CHARS ? input.slice(0, MAX_RECORD_CHARS) : input;
    if (line.endsWith('\r')) line = line.slice(0, -1);

    if (this.pending) {
      if (!this.startsEvent(line)) {
        this.appendPending(line);
        return;
      }
      this.finishPending(true);
    }
    if (this.carry !== null) {
      const joined = this.carry + ' ' + line.trim();
      this.carry = null;
      line = joined;
    }
    this.handleLine(line);
  }

  /** Ends a record left open at the end of the input (treated as cut). */
  flush(): void {
    if (this.pending) this.finishPending(true);
    if (this.carry !== null) {
      const c = this.carry;
      this.carry = null;
      this.handleLine(c);
    }
  }

  private startsEvent(line: string): boolean {
    const tsLength = timestampLength(line);
    return line.startsWith('sip ', tsLength) || (tsLength > 0 && line.length > tsLength);
  }

  private handleLine(line: string): void {
    const tsLength = timestampLength(line);
    let rest = tsLength > 0 ? line.slice(tsLength) : line.trimStart();
    if (rest.length === 0 || rest.trim() === '') return;
    const timestamp = tsLength > 0 ? this.ownTimestamp(line.slice(0, tsLength)) : undefined;

    if (rest.startsWith('sip ')) {
      const rec = RECORD_START.exec(rest);
      if (rec) {
        const io = rec[2] === 'write' || rec[2] === 'send' ? 'write' : 'read';
        const body = rest.slice(rec[0].length);
        const ts = tsLength > 0 ? TIMESTAMP.exec(line) : null;
        const timeMs = ts ? Date.UTC(+ts[1], +ts[2] - 1, +ts[3], +ts[4], +ts[5], +ts[6]) + (ts[7] ? Math.floor(Number('0.' + ts[7]) * 1000) : 0) : undefined;
        this.pending = { timestamp, timeMs, port: Number(rec[1]), io, parts: [body], chars: body.length };
        const declared = /^\s*\(\d{1,9},(\d{1,9})\)/.exec(body.slice(0, 32));
        if (declared) this.pending.declaredLength = Number(declared[1]);
        if (this.recordComplete(this.pending)) this.finishPending(false);
        return;
      }
      rest = rest.trimEnd();
      if (rest.endsWith('->') && this.carry === null) {
        this.carry = line.trimEnd();
        return;
      }
      const addr = ADDRESS_LINE.exec(rest);
      if (addr) {
        if (this.addressByPort.size >= MAX_PORTS_TRACKED && !this.addressByPort.has(Number(addr[1]))) this.addressByPort.clear();
        // Interned copies: a slice would keep the whole decoded input chunk alive while a call refers to it. The
        // line is not kept: evidence rebuilds it from these parts (the pattern allows no other text on it).
        this.addressByPort.set(Number(addr[1]), { src: this.intern(addr[2]), dst: this.intern(addr[3]), timestamp });
        return;
      }
      if (KNOWN_LINE.test(rest)) return;
    }
    // ALG complaints: recognised conservatively, only on lines the SIP daemon prints.
    if (/^(?:sip|voip|voipd|\[?sip\]?)\b/i.test(rest)) {
      if (ALG_PARSE_ERROR.test(rest)) {
        this.onEvent({ type: 'alg-problem', kind: 'alg-parse-error', timestamp, line: own(line.trim().slice(0, 300)) });
        return;
      }
      if (ALG_BLOCKED.test(rest)) {
        this.onEvent({ type: 'alg-problem', kind: 'alg-blocked', timestamp, line: own(line.trim().slice(0, 300)) });
        return;
      }
    }
    this.unknown++;
  }

  private appendPending(line: string): void {
    const p = this.pending!;
    if (p.chars + line.length > MAX_RECORD_CHARS || p.parts.length >= MAX_RECORD_LINES) {
      this.finishPending(true);
      this.unknown++;
      return;
    }
    p.parts.push(line);
    p.chars += line.length;
    if (this.recordComplete(p)) this.finishPending(false);
  }

  /**
   * A record ends with `)]`. For a wrapped record, a `)]` that arrives before the declared length's worth of text
   * does not end it (the dump holds at least LEN characters). O(1): no re-join per line.
   */
  private recordComplete(p: PendingRecord): boolean {
    const last = p.parts[p.parts.length - 1].trimEnd();
    if (!last.endsWith(')]')) return false;
    if (p.parts.length === 1 || p.declaredLength === undefined) return true;
    // Wrapping may eat one space per line break.
    return p.chars + p.parts.length >= p.declaredLength;
  }

  private finishPending(cut: boolean): void {
    const p = this.pending!;
    this.pending = null;
    const fields = splitRecord(p.parts);
    this.work += p.chars;
    if (!fields) {
      this.unknown++;
      return;
    }
    let payload = '';
    let exact = false;
    if (fields.hex) {
      const buf = Buffer.from(fields.hex, 'hex');
      if (fields.declaredLength !== undefined && buf.length === fields.declaredLength) {
        payload = buf.toString('utf8');
        exact = true;
      } else if (!fields.text || buf.length >= fields.text.length) {
        payload = buf.toString('utf8');
        cut = true;
      }
    }
    if (!exact && !payload) {
      payload = textRenderingToMessage(fields.text);
      if (fields.declaredLength !== undefined && fields.text.length < fields.declaredLength - p.parts.length) cut = true;
    }
    if (!fields.closed) cut = true;
    const addr = this.addressByPort.get(p.port);
    const event: DebugMessageEvent = { type: 'message', port: p.port, io: p.io, payload, exact, cut };
    if (p.timestamp) event.timestamp = p.timestamp;
    if (p.timeMs !== undefined) event.timeMs = p.timeMs;
    if (fields.declaredLength !== undefined) event.declaredLength = fields.declaredLength;
    if (addr) {
      event.src = addr.src;
      event.dst = addr.dst;
      if (addr.timestamp) event.addressTimestamp = addr.timestamp;
    }
    this.onEvent(event);
  }
}

/**
 * A flat copy of a short string. V8 keeps substrings as views of their parent: a 20-byte address sliced from a 1 MB
 * input chunk would keep the chunk alive as long as the summary refers to it.
 */
export function own(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

interface RecordFields {
  declaredLength?: number;
  hex?: string;
  text: string;
  closed: boolean;
}

/** Splits `(off,len)(hex)(text)]` (possibly over several lines) into its fields, without regex backtracking. */
export function splitRecord(parts: string[]): RecordFields | null {
  const joined = parts.length === 1 ? parts[0] : parts.join('\n');
  let i = 0;
  const skipWs = () => {
    while (i < joined.length && (joined[i] === ' ' || joined[i] === '\n' || joined[i] === '\t')) i++;
  };
  skipWs();
  let declaredLength: number | undefined;
  const head = /^\((\d{1,9}),(\d{1,9})\)/.exec(joined.slice(i, i + 24));
  if (head) {
    declaredLength = Number(head[2]);
    i += head[0].length;
    skipWs();
  }
  if (joined[i] !== '(') {
    if (!head) return null;
    return { declaredLength, text: '', closed: joined.trimEnd().endsWith(']') };
  }
  const groupStart = i + 1;
  const close = joined.indexOf(')', groupStart);
  const groupEnd = close >= 0 ? close : joined.length;
  let hex: string | undefined;
  let textStart = groupStart;
  if (looksHex(joined, groupStart, groupEnd)) {
    const firstGroup = joined.slice(groupStart, groupEnd);
    hex = parts.length === 1 ? firstGroup : firstGroup.replace(/\s+/g, '');
    if (close < 0) return { declaredLength, hex, text: '', closed: false };
    i = close + 1;
    skipWs();
    if (joined[i] !== '(') return { declaredLength, hex, text: '', closed: joined.trimEnd().endsWith(']') };
    textStart = i + 1;
  }
  const end = joined.lastIndexOf(')]');
  const closed = end >= textStart;
  let text = closed ? joined.slice(textStart, end) : joined.slice(textStart);
  // Documentation wraps the text at spaces: the line break stands for the space it replaced.
  if (parts.length > 1) text = text.replace(/\n/g, ' ');
  return { declaredLength, hex, text, closed };
}

/**
 * Whether the first group is the hex dump: its first characters are hex digits (or wrap whitespace) and, when that
 * holds, the whole group is checked by a native regex test. Invalid digits later only shorten the decoded message,
 * which the length check against the declared length catches.
 */
function looksHex(s: string, from: number, to: number): boolean {
  if (to - from < 2) return false;
  const probeEnd = Math.min(to, from + 16);
  for (let k = from; k < probeEnd; k++) {
    const c = s.charCodeAt(k);
    const ok = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 32 || c === 10 || c === 9;
    if (!ok) return false;
  }
  // A text dump always has a space before its 16th character (`INVITE sip:`, `SIP/2.0 200`), so 16 hex-looking
  // characters mean hex; the rest is decoded and length-checked.
  return true;
}

/**
 * The text rendering shows CR and LF as `.`, ambiguous next to real dots. A `..` becomes CRLF where a header name,
 * an SDP `x=` line, another line end, or the end follows it; other dots stay. Also undoes the handbook's HTML
 * escaping (`%lt;`) and typographic ellipsis.
 */
export function textRenderingToMessage(text: string): string {
  return text
    .replace(/%lt;|&lt;/g, '<')
    .replace(/%gt;|&gt;/g, '>')
    .replace(/…/g, '...')
    .replace(/\.\.(?=[A-Za-z][A-Za-z0-9-]{0,40}[ \t]*:|[a-z]=|\.\.|$)/g, '\r\n');
}
