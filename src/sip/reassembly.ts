import type { DebugMessageEvent } from './reader';
import { isStartLine } from './message';

/**
 * Joins a SIP message that a stream transport (TCP, TLS) delivered in several reads, so it is one message (and one
 * packet in the capture file) rather than a cut message and an unreadable tail. A record is held when its last
 * message is incomplete (no blank line after the head, or a body shorter than Content-Length) and its transport is
 * not UDP (a datagram never continues). The next record of the same `sip port N` and direction continues it when
 * its `(off,len)` offset is not 0 or it does not begin with a SIP start line; anything else releases the held one
 * as it was. Bounded: a held message never grows past MAX_JOINED characters, and few are held at once.
 */
const MAX_JOINED = 256 * 1024;
const MAX_HELD = 256;
const HEAD_END = /\r?\n\r?\n/;
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})/im;

export class SipStreamJoiner {
  private readonly held = new Map<string, DebugMessageEvent>();

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
      if (continues(held, event) && held.payload.length + event.payload.length <= MAX_JOINED) {
        const joined: DebugMessageEvent = { ...event, payload: held.payload + event.payload, exact: held.exact && event.exact, cut: event.cut };
        delete joined.offset;
        if (held.declaredLength !== undefined && event.declaredLength !== undefined) joined.declaredLength = held.declaredLength + event.declaredLength;
        this.consider(key, joined);
        return;
      }
      this.emit(held);
    }
    this.consider(key, event);
  }

  /** Releases what is held (end of the capture: the rest never came). */
  flush(): void {
    const held = [...this.held.values()];
    this.held.clear();
    for (const event of held) this.emit(event);
  }

  private consider(key: string, event: DebugMessageEvent): void {
    if (this.held.size < MAX_HELD && event.payload.length < MAX_JOINED && awaitsMore(event.payload)) this.held.set(key, event);
    else this.emit(event);
  }
}

function continues(held: DebugMessageEvent, next: DebugMessageEvent): boolean {
  if (held.src !== next.src || held.dst !== next.dst) return false;
  if (next.offset !== undefined) return true;
  const firstLine = next.payload.slice(0, Math.max(0, next.payload.indexOf('\n'))).replace(/\r$/, '');
  return !isStartLine(firstLine.trim());
}

/** Not a UDP message (a datagram never continues): its first Via is within the head's first 2 KB. */
function mayContinue(payload: string): boolean {
  const udp = payload.indexOf('SIP/2.0/UDP');
  return udp < 0 || udp > 2048;
}

/** Whether the payload's last message stops before its end (head or body), over a stream transport. */
function awaitsMore(payload: string): boolean {
  if (!mayContinue(payload)) return false;
  // The last message of the payload: from the last start line.
  let start = 0;
  const starts = /(?:^|\n)((?:[A-Z]{2,20} \S+ SIP\/2\.0|SIP\/2\.0 \d{3}[^\r\n]*))\r?$/gm;
  for (let m = starts.exec(payload); m; m = starts.exec(payload)) start = m.index + (m[0].startsWith('\n') ? 1 : 0);
  const last = payload.slice(start);
  const head = HEAD_END.exec(last);
  if (!head) return true;
  const declared = CONTENT_LENGTH.exec(last.slice(0, head.index));
  if (!declared) return false;
  return Buffer.byteLength(last.slice(head.index + head[0].length)) < Number(declared[1]);
}
