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
  /** The `off` of `(off,len)` when not 0: this record continues a message an earlier record began. */
  offset?: number;
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
/** Holds any record's hex: a record is at most MAX_RECORD_CHARS characters, so its hex at most half that in bytes. */
const hexScratch = Buffer.alloc(MAX_RECORD_CHARS / 2 + 16);

const RECORD_START = /^sip port (\d{1,6})(?: [^[\]]{0,40})? (read|write|recv|send) \[/;
const ADDRESS_LINE = /^sip port (\d{1,6}) (\S{1,64}) -> (\S{1,64})\s*$/;
const KNOWN_LINE = /^sip (?:port \d{1,6} (?:locate session|accept|connect|close|create|delete|new|redirect)|sess(?:ion)? 0x[0-9a-f]{1,16} |(?:vd|vdom) )/;
const ALG_PARSE_ERROR = /\b(?:parse (?:error|fail(?:ed|ure)?)|malformed|invalid (?:sip|message|header|request|response))\b/i;
const ALG_BLOCKED = /\b(?:block(?:ed)?|drop(?:ped)?|den(?:y|ied)|discard(?:ed)?)\b/i;
const DAEMON_LINE = /^(?:sip|voip|voipd|\[?sip\]?)\b/i;
const WHITE_SPACE = /\s+/g;
const LINE_FEEDS = /\n/g;
const DECLARED_LENGTH = /^\s*\(\d{1,9},(\d{1,9})\)/;

/** Port and direction of the last record start `recordStart` found (module state: no match array per record). */
let recordPort = 0;
let recordWrite = false;
const RECORD_WORDS = ['read [', 'write [', 'recv [', 'send ['];

/**
 * Length of the RECORD_START match at the start of `rest` (which begins `sip port `), or 0. The console's own
 * `sip port N read [` is recognised by hand; for it the pattern's optional middle group cannot match (it would need
 * a blank where the word is), so the result is the pattern's. Anything else goes to the pattern, and only when its
 * ` [` is within the first 62 characters it could match at.
 */
function recordStart(rest: string): number {
  let i = 9;
  while (i < rest.length && i < 16 && rest.charCodeAt(i) >= 48 && rest.charCodeAt(i) <= 57) i++;
  if (i > 9 && i <= 15 && rest.charCodeAt(i) === 32) {
    for (const word of RECORD_WORDS) {
      if (rest.startsWith(word, i + 1)) {
        recordPort = Number(rest.slice(9, i));
        recordWrite = word === 'write [' || word === 'send [';
        return i + 1 + word.length;
      }
    }
  }
  const bracket = rest.indexOf(' [', 9);
  if (bracket < 0 || bracket > 64) return 0;
  const rec = RECORD_START.exec(rest);
  if (!rec) return 0;
  recordPort = Number(rec[1]);
  recordWrite = rec[2] === 'write' || rec[2] === 'send';
  return rec[0].length;
}

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

/** timestampLength on bytes (the same positions: a timestamp is ASCII, so bytes and characters agree). */
function timestampLengthBytes(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length < 20 || buf[start + 4] !== 45 || buf[start + 7] !== 45 || buf[start + 13] !== 58 || buf[start + 16] !== 58) return 0;
  const sep = buf[start + 10];
  if (sep !== 32 && sep !== 84) return 0;
  for (const k of TIMESTAMP_DIGITS) {
    const c = buf[start + k];
    if (c < 48 || c > 57) return 0;
  }
  let i = 19;
  if (buf[start + i] === 46) {
    i++;
    while (i < length && i < 26 && buf[start + i] >= 48 && buf[start + i] <= 57) i++;
  }
  const afterStamp = i;
  while (i < length && (buf[start + i] === 32 || buf[start + i] === 9)) i++;
  return i > afterStamp ? i : 0;
}

const RECORD_WORD_BYTES = RECORD_WORDS.map((w) => Buffer.from(w));
const NO_BYTES = Buffer.alloc(0);

function matchBytes(buf: Buffer, at: number, end: number, word: Buffer): boolean {
  if (end - at < word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[at + k] !== word[k]) return false;
  return true;
}

/** Hex digit values by byte, -1 for anything else. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX_VALUE[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[97 + c] = 10 + c;
  HEX_VALUE[65 + c] = 10 + c;
}

/** A remembered session line: an address line's parts, or KNOWN for a line with nothing to keep. */
interface SeenLine {
  port: number;
  src?: string;
  dst?: string;
}
const KNOWN: SeenLine = { port: -1 };
const SEEN_LINES = 8;

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
  private readonly seenLines: Array<{ text: string; bytes: Buffer; what: SeenLine }> = [];
  private seenNext = 0;
  /** A line that ended in `->` (documentation wrap): joined with the next one. */
  private carry: string | null = null;

  /** Endpoints and timestamps repeat: one flat copy of each (bounded). */
  private readonly interned = new Map<string, string>();

  constructor(private readonly onEvent: (event: DebugEvent) => void) {}

  private lastTimestampRaw = '';
  private lastTimestamp = '';
  private lastTimeMs: number | undefined;
  private lastTimeMsKnown = false;
  private readonly timestampCodes = new Uint16Array(64);

  /**
   * Consecutive lines mostly carry the same timestamp: comparing the line's prefix with the last one in place beats
   * slicing and hashing a fresh copy per line. The time value is computed once per distinct prefix, on demand.
   */
  private ownTimestamp(line: string, length: number): string {
    if (!this.sameTimestamp(line, length)) {
      this.lastTimestampRaw = ownAscii(line.slice(0, length));
      for (let k = 0; k < length && k < this.timestampCodes.length; k++) this.timestampCodes[k] = line.charCodeAt(k);
      this.lastTimestamp = ownAscii(this.lastTimestampRaw.trimEnd());
      this.lastTimeMsKnown = false;
    }
    return this.lastTimestamp;
  }

  /** Whether the line starts with the last timestamp prefix: compared by character, backwards (seconds change first). */
  private sameTimestamp(line: string, length: number): boolean {
    if (length !== this.lastTimestampRaw.length || length > this.timestampCodes.length) return false;
    const codes = this.timestampCodes;
    for (let k = length - 1; k >= 0; k--) if (line.charCodeAt(k) !== codes[k]) return false;
    return true;
  }

  /** Milliseconds of the current timestamp prefix (the pattern only looks at the prefix `timestampLength` accepted). */
  private currentTimeMs(): number | undefined {
    if (!this.lastTimeMsKnown) {
      this.lastTimeMs = timestampMs(this.lastTimestampRaw);
      this.lastTimeMsKnown = true;
    }
    return this.lastTimeMs;
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

  /**
   * `pushLine(buf.toString('utf8', start, end))`, for one console line as bytes (no LF). The
   * line a console prints for a whole record (`TS sip port N read [(0,LEN)(HEX)(TEXT)]`, hex complete) is read where
   * it lies: only the hex span is decoded, the text dump (a third of the line) is never turned into a string. Every
   * other line is decoded and goes through `pushLine`, so the events are exactly the line path's.
   */
  pushLineBytes(buf: Buffer, start: number, end: number): void {
    if (this.pending !== null || this.carry !== null || end - start > MAX_RECORD_CHARS || !this.recordFromBytes(buf, start, end)) {
      this.pushLine(buf.toString('utf8', start, end));
    }
  }

  /** The fast path of `pushLineBytes`; false (nothing consumed) when the line is not the usual complete record. */
  private recordFromBytes(buf: Buffer, start: number, end: number): boolean {
    if (end > start && buf[end - 1] === 13) end--; // pushLine drops a second CR too
    // Leading timestamp: the last one's bytes again (the usual case), else the character check of timestampLength.
    const last = this.lastTimestampRaw.length;
    let tsLength = 0;
    let same = false;
    if (last > 0 && end - start > last) {
      const next = buf[start + last];
      if (next !== 32 && next !== 9 && this.sameTimestampBytes(buf, start, last)) {
        tsLength = last;
        same = true;
      }
    }
    if (!same) tsLength = timestampLengthBytes(buf, start, end);
    const i = start + tsLength;
    // A session line seen before (`locate session`, `sess … found`, `sip port N A -> B`): handleLine's shortcut.
    if (this.seenLines.length > 0 && end - i >= 4 && buf[i] === 115 && buf[i + 1] === 105 && buf[i + 2] === 112 && buf[i + 3] === 32) {
      let e = end;
      while (e > i && (buf[e - 1] === 32 || buf[e - 1] === 9 || buf[e - 1] === 13 || buf[e - 1] === 11 || buf[e - 1] === 12)) e--;
      // A non-ASCII end may be white space trimEnd removes: the line way decides then.
      const seen = buf[e - 1] < 0x80 ? this.seenLineBytes(buf, i, e) : undefined;
      if (seen) {
        this.total++;
        this.work += end - start + 1;
        const timestamp = same ? this.lastTimestamp : tsLength > 0 ? this.ownTimestampBytes(buf, start, tsLength) : undefined;
        if (seen.src !== undefined) this.setAddress(seen.port, seen.src, seen.dst!, timestamp);
        return true;
      }
    }
    // `sip port N ` + a record word, as recordStart matches it by hand.
    if (end - i < 16 || buf[i] !== 115 || buf[i + 1] !== 105 || buf[i + 2] !== 112 || buf[i + 3] !== 32 || buf[i + 4] !== 112 || buf[i + 5] !== 111 || buf[i + 6] !== 114 || buf[i + 7] !== 116 || buf[i + 8] !== 32) return false;
    let k = i + 9;
    let port = 0;
    while (k < end && k < i + 16 && buf[k] >= 48 && buf[k] <= 57) port = port * 10 + (buf[k++] - 48);
    if (k === i + 9 || k > i + 15 || buf[k] !== 32) return false;
    k++;
    let word = 0;
    while (word < RECORD_WORD_BYTES.length && !matchBytes(buf, k, end, RECORD_WORD_BYTES[word])) word++;
    if (word === RECORD_WORD_BYTES.length) return false;
    // read, write, recv, send
    const write = word === 1 || word === 3;
    k += RECORD_WORD_BYTES[word].length;
    const bodyStart = k;
    // Complete on its line: ends in `)]` before trailing blanks.
    let e = end;
    while (e > bodyStart && (buf[e - 1] === 32 || buf[e - 1] === 9 || buf[e - 1] === 13 || buf[e - 1] === 11 || buf[e - 1] === 12)) e--;
    if (e - bodyStart < 2 || buf[e - 1] !== 93 || buf[e - 2] !== 41) return false;
    // `(off,len)` right away.
    if (buf[k] !== 40) return false;
    k++;
    const offStart = k;
    while (k < e && k - offStart < 10 && buf[k] >= 48 && buf[k] <= 57) k++;
    if (k === offStart || k - offStart > 9 || buf[k] !== 44) return false;
    k++;
    const lenStart = k;
    let declaredLength = 0;
    while (k < e && k - lenStart < 10 && buf[k] >= 48 && buf[k] <= 57) declaredLength = declaredLength * 10 + (buf[k++] - 48);
    if (k === lenStart || k - lenStart > 9 || buf[k] !== 41) return false;
    k++;
    while (k < e && (buf[k] === 32 || buf[k] === 9)) k++;
    if (buf[k] !== 40) return false;
    const hexStart = k + 1;
    const close = buf.indexOf(41, hexStart);
    if (close < 0 || close >= e || close - hexStart < 2) return false;
    for (let h = hexStart; h < hexStart + 16 && h < close; h++) if (HEX_VALUE[buf[h]] < 0 && buf[h] !== 32 && buf[h] !== 9) return false;
    k = close + 1;
    while (k < e && (buf[k] === 32 || buf[k] === 9)) k++;
    if (buf[k] !== 40) return false;
    // The hex, decoded exactly as the line path decodes it (Buffer.write(hex, 'hex'): pairs up to the first invalid
    // one), natively, from a one-byte string of the span; only an exact dump (the declared length) is taken here.
    if ((close - hexStart) >>> 1 < declaredLength) return false;
    const scratch = (close - hexStart) >>> 1 <= hexScratch.length ? hexScratch : Buffer.allocUnsafe((close - hexStart) >>> 1);
    const n = scratch.write(buf.toString('latin1', hexStart, close), 0, 'hex');
    if (n !== declaredLength) return false;

    // Now the line path's bookkeeping, in its order.
    this.total++;
    this.work += end - start + 1 + (end - bodyStart);
    const timestamp = same ? this.lastTimestamp : tsLength > 0 ? this.ownTimestampBytes(buf, start, tsLength) : undefined;
    const timeMs = tsLength > 0 ? this.currentTimeMs() : undefined;
    const event: DebugMessageEvent = { type: 'message', port, io: write ? 'write' : 'read', payload: scratch.toString('utf8', 0, n), exact: true, cut: false };
    if (timestamp) event.timestamp = timestamp;
    if (timeMs !== undefined) event.timeMs = timeMs;
    event.declaredLength = declaredLength;
    const addr = this.addressByPort.get(port);
    if (addr) {
      event.src = addr.src;
      event.dst = addr.dst;
      if (addr.timestamp) event.addressTimestamp = addr.timestamp;
    }
    this.onEvent(event);
    return true;
  }

  /** ownTimestamp on bytes (a timestamp prefix is ASCII: latin1 decodes it as UTF-8 would). */
  private ownTimestampBytes(buf: Buffer, start: number, length: number): string {
    if (length !== this.lastTimestampRaw.length || !this.sameTimestampBytes(buf, start, length)) {
      this.lastTimestampRaw = buf.toString('latin1', start, start + length);
      for (let c = 0; c < length && c < this.timestampCodes.length; c++) this.timestampCodes[c] = buf[start + c];
      this.lastTimestamp = ownAscii(this.lastTimestampRaw.trimEnd());
      this.lastTimeMsKnown = false;
    }
    return this.lastTimestamp;
  }

  /** seenLine on bytes: equal UTF-8 bytes are equal strings (a miss only sends the line the string way). */
  private seenLineBytes(buf: Buffer, start: number, end: number): SeenLine | undefined {
    const lines = this.seenLines;
    const length = end - start;
    for (let k = 0; k < lines.length; k++) {
      const bytes = lines[k].bytes;
      if (bytes.length === length && buf.compare(bytes, 0, length, start, end) === 0) return lines[k].what;
    }
    return undefined;
  }

  /** sameTimestamp on bytes. */
  private sameTimestampBytes(buf: Buffer, start: number, length: number): boolean {
    if (length > this.timestampCodes.length) return false;
    const codes = this.timestampCodes;
    for (let k = length - 1; k >= 0; k--) if (buf[start + k] !== codes[k]) return false;
    return true;
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
    // Most lines repeat the last timestamp prefix: then its length is known (the blanks end where they ended).
    const last = this.lastTimestampRaw.length;
    const next = line.charCodeAt(last);
    const same = last > 0 && line.length > last && next !== 32 && next !== 9 && this.sameTimestamp(line, last);
    const tsLength = same ? last : timestampLength(line);
    let rest = tsLength > 0 ? line.slice(tsLength) : line.trimStart();
    if (rest.length === 0) return;
    // Only a line that begins with white space can be blank (all JS white space is <= 32 or > 126).
    const c0 = rest.charCodeAt(0);
    if ((c0 <= 32 || c0 > 126) && rest.trim() === '') return;
    // A prefix already found equal needs no second comparison in ownTimestamp: its value is the last one.
    const timestamp = same ? this.lastTimestamp : tsLength > 0 ? this.ownTimestamp(line, tsLength) : undefined;

    if (rest.startsWith('sip ')) {
      // A remembered session line is not a record (RECORD_START failed on it; trailing blanks cannot change that).
      const trimmed = rest.trimEnd();
      const seen = this.seenLine(trimmed);
      if (seen) {
        if (seen.src !== undefined) this.setAddress(seen.port, seen.src, seen.dst!, timestamp);
        return;
      }
      // RECORD_START can only match with its ` [` within the first 62 characters: a cheap scan rules most lines out.
      const rec = rest.startsWith('port ', 4) ? recordStart(rest) : 0;
      if (rec > 0) {
        const io = recordWrite ? 'write' : 'read';
        const body = rest.slice(rec);
        const timeMs = tsLength > 0 ? this.currentTimeMs() : undefined;
        let declaredLength: number | undefined;
        if (body.charCodeAt(0) === 40) {
          // `(off,len)` right away (the usual case): a hand scan of the pattern below.
          const end = offsetLengthEnd(body, 0);
          if (end > 0) declaredLength = Number(body.slice(body.indexOf(',') + 1, end - 1));
        } else {
          const declared = DECLARED_LENGTH.exec(body.slice(0, 32));
          if (declared) declaredLength = Number(declared[1]);
        }
        const port = recordPort;
        if (body.trimEnd().endsWith(')]')) {
          // Complete on its line (what a console prints): no pending record kept.
          this.finishRecord(timestamp, timeMs, port, io, body, 1, body.length, false);
          return;
        }
        this.pending = { timestamp, timeMs, port, io, parts: [body], chars: body.length, declaredLength };
        return;
      }
      rest = trimmed;
      if (rest.endsWith('->') && this.carry === null) {
        this.carry = line.trimEnd();
        return;
      }
      const addr = rest.startsWith('port ', 4) && rest.includes(' -> ') ? ADDRESS_LINE.exec(rest) : null;
      if (addr) {
        // Interned copies: a slice would keep the whole decoded input chunk alive while a call refers to it. The
        // line is not kept: evidence rebuilds it from these parts (the pattern allows no other text on it).
        const port = Number(addr[1]);
        const src = this.intern(addr[2]);
        const dst = this.intern(addr[3]);
        this.setAddress(port, src, dst, timestamp);
        this.rememberLine(rest, { port, src, dst });
        return;
      }
      if (KNOWN_LINE.test(rest)) {
        this.rememberLine(rest, KNOWN);
        return;
      }
    }
    // ALG complaints: recognised conservatively, only on lines the SIP daemon prints.
    if (DAEMON_LINE.test(rest)) {
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

  private setAddress(port: number, src: string, dst: string, timestamp: string | undefined): void {
    if (this.addressByPort.size >= MAX_PORTS_TRACKED && !this.addressByPort.has(port)) this.addressByPort.clear();
    this.addressByPort.set(port, { src, dst, timestamp });
  }

  /**
   * The session lines before each record (`locate session`, `sess … found`, `sip port N A -> B`) repeat word for
   * word between the same endpoints: the last few, with what they were, spare the patterns. Only lines the patterns
   * recognised, and none ending in `->` (whether that one joins the next depends on state).
   */
  private seenLine(rest: string): SeenLine | undefined {
    const lines = this.seenLines;
    for (let k = 0; k < lines.length; k++) if (lines[k].text === rest) return lines[k].what;
    return undefined;
  }

  private rememberLine(rest: string, what: SeenLine): void {
    if (rest.endsWith('->') || rest.length > 200) return;
    const text = copyExact(rest);
    let bytes = Buffer.from(text, 'utf8');
    // A lone surrogate (possible through pushLine only) has no bytes of its own: such a line is matched as text.
    if (bytes.toString('utf8') !== text) bytes = NO_BYTES;
    const entry = { text, bytes, what };
    if (this.seenLines.length < SEEN_LINES) this.seenLines.push(entry);
    else this.seenLines[this.seenNext] = entry;
    this.seenNext = (this.seenNext + 1) % SEEN_LINES;
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
    this.finishRecord(p.timestamp, p.timeMs, p.port, p.io, p.parts.length === 1 ? p.parts[0] : p.parts.join('\n'), p.parts.length, p.chars, cut);
  }

  /** `joined`: the record's text after `read [`, its `lines` joined with LF. */
  private finishRecord(timestamp: string | undefined, timeMs: number | undefined, port: number, io: 'read' | 'write', joined: string, lines: number, chars: number, cut: boolean): void {
    const fields = splitRecord(joined, lines);
    this.work += chars;
    if (!fields) {
      this.unknown++;
      return;
    }
    let payload = '';
    let exact = false;
    if (fields.hex) {
      // Decoded into one reused buffer (what Buffer.from(hex, 'hex') gives, without a Buffer per message).
      const scratch = fields.hex.length >>> 1 <= hexScratch.length ? hexScratch : Buffer.allocUnsafe(fields.hex.length >>> 1);
      const length = scratch.write(fields.hex, 0, 'hex');
      if (fields.declaredLength !== undefined && length === fields.declaredLength) {
        payload = scratch.toString('utf8', 0, length);
        exact = true;
      } else if (!fields.text || length >= fields.text.length) {
        payload = scratch.toString('utf8', 0, length);
        cut = true;
      }
    }
    if (!exact && !payload) {
      payload = textRenderingToMessage(fields.text);
      if (fields.declaredLength !== undefined && fields.text.length < fields.declaredLength - lines) cut = true;
    }
    if (!fields.closed) cut = true;
    const addr = this.addressByPort.get(port);
    const event: DebugMessageEvent = { type: 'message', port, io, payload, exact, cut };
    if (timestamp) event.timestamp = timestamp;
    if (timeMs !== undefined) event.timeMs = timeMs;
    if (fields.declaredLength !== undefined) event.declaredLength = fields.declaredLength;
    // `(off,len)`: a non-zero offset is rare (a message continued from an earlier read): read only then.
    if (joined.charCodeAt(0) === 40 && joined.charCodeAt(1) !== 48) {
      const offset = Number(joined.slice(1, joined.indexOf(',')));
      if (offset > 0) event.offset = offset;
    }
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

/**
 * `own` for text known to be ASCII (a timestamp prefix), cheaper: slices shorter than 13 characters are copies in V8,
 * so two of them joined refer to nothing else.
 */
function ownAscii(s: string): string {
  if (s.length < 13) return s;
  if (s.length <= 24) return s.slice(0, 12) + s.slice(12);
  return own(s);
}

/**
 * A flat copy that refers to nothing else, exact for any UTF-16 (`own` maps lone surrogates to U+FFFD). Flat matters:
 * it is compared with every session line.
 */
function copyExact(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

function digitsAt(s: string, at: number, count: number): number {
  let n = 0;
  for (let k = at; k < at + count; k++) n = n * 10 + (s.charCodeAt(k) - 48);
  return n;
}

/**
 * Value in ms of a prefix `timestampLength` accepted (digits in place, `.` + up to 6 digits, blanks): what TIMESTAMP
 * /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\s+/ gave,
 * by position. Like the pattern, a `.` without digits is no time.
 */
function timestampMs(prefix: string): number | undefined {
  let fraction = 0;
  if (prefix.charCodeAt(19) === 46) {
    let end = 20;
    while (end < prefix.length && prefix.charCodeAt(end) >= 48 && prefix.charCodeAt(end) <= 57) end++;
    if (end === 20) return undefined;
    fraction = Math.floor(Number('0.' + prefix.slice(20, end)) * 1000);
  }
  // Date.UTC(y, mo, d, h, mi, s) is the day's value plus h, mi and s in ms, exactly (ECMA-262 MakeDate/MakeTime):
  // the day's value is kept for the next timestamps of the same day.
  const day = digitsAt(prefix, 0, 4) * 10000 + digitsAt(prefix, 5, 2) * 100 + digitsAt(prefix, 8, 2);
  if (day !== lastDay) {
    lastDay = day;
    lastDayMs = Date.UTC(digitsAt(prefix, 0, 4), digitsAt(prefix, 5, 2) - 1, digitsAt(prefix, 8, 2));
  }
  return lastDayMs + digitsAt(prefix, 11, 2) * 3600000 + digitsAt(prefix, 14, 2) * 60000 + digitsAt(prefix, 17, 2) * 1000 + fraction;
}

let lastDay = -1;
let lastDayMs = 0;

interface RecordFields {
  declaredLength?: number;
  hex?: string;
  text: string;
  closed: boolean;
}

/** Splits `(off,len)(hex)(text)]` (possibly over several lines) into its fields, without regex backtracking. */
export function splitRecord(joined: string, lines: number): RecordFields | null {
  let i = skipWs(joined, 0);
  let declaredLength: number | undefined;
  // `(offset,length)`: each number 1 to 9 digits (a hand scan of /^\((\d{1,9}),(\d{1,9})\)/).
  const headEnd = offsetLengthEnd(joined, i);
  const head = headEnd > 0;
  if (head) {
    declaredLength = Number(joined.slice(joined.indexOf(',', i) + 1, headEnd - 1));
    i = skipWs(joined, headEnd);
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
    hex = lines === 1 ? firstGroup : firstGroup.replace(WHITE_SPACE, '');
    if (close < 0) return { declaredLength, hex, text: '', closed: false };
    i = skipWs(joined, close + 1);
    if (joined[i] !== '(') return { declaredLength, hex, text: '', closed: joined.trimEnd().endsWith(']') };
    textStart = i + 1;
  }
  const end = joined.lastIndexOf(')]');
  const closed = end >= textStart;
  let text = closed ? joined.slice(textStart, end) : joined.slice(textStart);
  // Documentation wraps the text at spaces: the line break stands for the space it replaced.
  if (lines > 1) text = text.replace(LINE_FEEDS, ' ');
  return { declaredLength, hex, text, closed };
}

function skipWs(s: string, from: number): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9) break;
    i++;
  }
  return i;
}

/** End (exclusive) of a `(digits,digits)` group at `from`, each run 1 to 9 digits; 0 when there is none. */
function offsetLengthEnd(s: string, from: number): number {
  if (s.charCodeAt(from) !== 40) return 0;
  let i = from + 1;
  for (let run = 0; run < 2; run++) {
    const start = i;
    while (i < s.length && i - start < 10) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 9) return 0;
    if (s.charCodeAt(i) !== (run === 0 ? 44 : 41)) return 0;
    i++;
  }
  return i;
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
