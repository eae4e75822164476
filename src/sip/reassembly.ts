import type { DebugMessageEvent } from './reader';
import { isStartLine } from './message';

/**
 * Joins a SIP message that a stream transport (TCP, TLS) delivered in several reads, so it is one message (and one
 * packet in the capture file) rather than a cut message and an unreadable tail. A record is held when its last
 * message is incomplete (no blank line after the head, or a body shorter than Content-Length) and its transport is
 * not UDP (a datagram never continues). The next record of the same `sip port N` and direction continues it when
 * its `(off,len)` offset is not 0 or it does not begin with a SIP start line; anything else releases the held one
 * as it was. Bounded and linear: a held message never grows past MAX_JOINED characters, few are held at once, and
 * each appended part is scanned once (the head's end is searched from where the last search stopped, the body is
 * counted part by part), so many tiny reads cannot make the work quadratic.
 */
const MAX_JOINED = 256 * 1024;
const MAX_HELD = 256;
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})/im;
const START_LINES = /^(?:[A-Za-z]{2,20} \S+ SIP\/2\.0|SIP\/2\.0 \d{3}[^\r\n]*)\r?$/gm;

interface Held {
  event: DebugMessageEvent;
  /** Where the last message of the payload starts. */
  start: number;
  /** Where its body starts, or -1 while the head is incomplete. */
  bodyStart: number;
  /** Its Content-Length, once the head is complete (-1: none given, so nothing more is expected). */
  declared: number;
  /** Bytes of body seen so far. */
  bodyBytes: number;
}

export class SipStreamJoiner {
  private readonly held = new Map<string, Held>();

  constructor(private readonly emit: (event: DebugMessageEvent) => void) {}

  push(event: DebugMessageEvent): void {
    // The usual case (nothing held, a UDP message) costs one indexOf and no key string.
    if (this.held.size === 0 && !mayContinue(event.payload)) {
      this.emit(event);
      return;
    }
    const key = `${event.port}|${event.io}`;
    const held = this.held.get(key);
    if (held) {
      this.held.delete(key);
      if (continues(held.event, event) && held.event.payload.length + event.payload.length <= MAX_JOINED) {
        this.append(key, held, event);
        return;
      }
      this.emit(held.event);
    }
    this.consider(key, event);
  }

  /** Releases what is held (end of the capture: the rest never came). */
  flush(): void {
    const held = [...this.held.values()];
    this.held.clear();
    for (const h of held) this.emit(h.event);
  }

  /** A record that begins fresh: held when its last message is incomplete. */
  private consider(key: string, event: DebugMessageEvent): void {
    if (this.held.size >= MAX_HELD || event.payload.length >= MAX_JOINED || !mayContinue(event.payload)) {
      this.emit(event);
      return;
    }
    const payload = event.payload;
    let start = 0;
    START_LINES.lastIndex = 0;
    for (let m = START_LINES.exec(payload); m; m = START_LINES.exec(payload)) start = m.index;
    const h: Held = { event, start, bodyStart: -1, declared: -1, bodyBytes: 0 };
    this.readHead(h, start);
    this.keepOrEmit(key, h);
  }

  private append(key: string, h: Held, next: DebugMessageEvent): void {
    const before = h.event.payload.length;
    const joined: DebugMessageEvent = { ...next, payload: h.event.payload + next.payload, exact: h.event.exact && next.exact, cut: next.cut };
    delete joined.offset;
    if (h.event.declaredLength !== undefined && next.declaredLength !== undefined) joined.declaredLength = h.event.declaredLength + next.declaredLength;
    h.event = joined;
    if (h.bodyStart < 0) this.readHead(h, Math.max(h.start, before - 3));
    else h.bodyBytes += Buffer.byteLength(next.payload);
    this.keepOrEmit(key, h);
  }

  /** Looks for the end of the head from `from` on; once found, reads Content-Length and counts the body so far. */
  private readHead(h: Held, from: number): void {
    const payload = h.event.payload;
    const end = headEnd(payload, from);
    if (end < 0) return;
    h.bodyStart = end;
    const declared = CONTENT_LENGTH.exec(payload.slice(h.start, end));
    h.declared = declared ? Number(declared[1]) : -1;
    h.bodyBytes = Buffer.byteLength(payload.slice(end));
  }

  private keepOrEmit(key: string, h: Held): void {
    const incomplete = h.bodyStart < 0 || (h.declared >= 0 && h.bodyBytes < h.declared);
    if (incomplete) this.held.set(key, h);
    else this.emit(h.event);
  }
}

/** Index just after the blank line ending a head (CRLF CRLF or LF LF) at or after `from`, or -1. */
function headEnd(s: string, from: number): number {
  let i = s.indexOf('\n', from);
  while (i >= 0) {
    let j = i + 1;
    if (s.charCodeAt(j) === 13) j++;
    if (s.charCodeAt(j) === 10) return j + 1;
    i = s.indexOf('\n', i + 1);
  }
  return -1;
}

function continues(held: DebugMessageEvent, next: DebugMessageEvent): boolean {
  if (held.src !== next.src || held.dst !== next.dst) return false;
  if (next.offset !== undefined) return true;
  const nl = next.payload.indexOf('\n');
  const firstLine = (nl < 0 ? next.payload : next.payload.slice(0, nl)).trim();
  return !isStartLine(firstLine);
}

/** Not a UDP message (a datagram never continues): its first Via is within the head's first 2 KB. */
function mayContinue(payload: string): boolean {
  const udp = payload.indexOf('SIP/2.0/UDP');
  return udp < 0 || udp > 2048;
}
