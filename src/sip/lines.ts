import { StringDecoder } from 'node:string_decoder';

/**
 * Turns a byte stream (SSH channel data, a file) into console lines for `SipCaptureAnalyzer.pushLine`: UTF-8 decoded
 * across chunk boundaries, LF or CRLF line ends (a CRLF split between chunks counts once). A line longer than
 * `maxLine` is cut there so a device that never sends a newline cannot grow memory.
 */
const DECODE_SLICE = 64 * 1024;

export class SipLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void, private readonly maxLine = 512 * 1024) {}

  push(chunk: Buffer | string): void {
    let tail: boolean;
    if (typeof chunk !== 'string' && chunk.length > DECODE_SLICE) {
      // Decoded a slice at a time: a string of a megabyte lives in V8's large-object space and each one brings a
      // full collection nearer, while 64 KB ones die young (the decoder carries split characters across). Lines
      // come out as from the whole chunk: the long-line cut below still runs once per chunk.
      tail = false;
      for (let i = 0; i < chunk.length; i += DECODE_SLICE) {
        const text = this.decoder.write(chunk.subarray(i, i + DECODE_SLICE));
        if (text.length > 0) tail = this.pushText(text);
      }
    } else {
      tail = this.pushText(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    }
    if (tail && this.partial.length > this.maxLine) {
      // Keep a trailing CR with its LF: cut one character earlier.
      const cut = this.partial.charCodeAt(this.maxLine - 1) === 13 ? this.maxLine - 1 : this.maxLine;
      this.emit(this.partial.slice(0, cut));
      this.partial = this.partial.slice(cut);
    }
  }

  /** Emits the complete lines of `text`; keeps the rest. True when `text` did not end with a line end. */
  private pushText(text: string): boolean {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && this.partial !== '') {
      this.emit(this.partial + text.slice(0, nl));
      this.partial = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) {
      this.partial = this.partial === '' ? text.slice(start) : this.partial + text.slice(start);
      return true;
    }
    return false;
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.emit(rest);
  }

  private emit(line: string): void {
    this.onLine(line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
  }
}

/**
 * `SipLineSplitter` on bytes: hands each line to `onLine` as a range of the chunk it arrived in (no copy, no
 * string), LF or CRLF ends (one CR dropped, as above). A line split between chunks is joined first. The long-line
 * cut happens where `SipLineSplitter` makes it (at `maxLine` characters, once per chunk), so both give the same lines.
 */
export class SipByteLineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;

  constructor(private readonly onLine: (buf: Buffer, start: number, end: number) => void, private readonly maxLine = 512 * 1024) {}

  push(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (this.partBytes > 0 && nl >= 0) {
      this.parts.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.parts);
      this.parts = [];
      this.partBytes = 0;
      this.emit(line, 0, line.length);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl >= 0) {
      this.emit(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      // A copy: the caller may reuse its chunk.
      const rest = Buffer.from(chunk.subarray(start));
      this.parts.push(rest);
      this.partBytes += rest.length;
      // Characters never outnumber bytes: only a long tail can need the cut.
      if (this.partBytes > this.maxLine) this.cutLong();
    }
  }

  end(): void {
    if (this.partBytes === 0) return;
    const line = Buffer.concat(this.parts);
    this.parts = [];
    this.partBytes = 0;
    this.emit(line, 0, line.length);
  }

  /** SipLineSplitter's cut, on the decoded tail (an incomplete character at the end waits, as in a StringDecoder). */
  private cutLong(): void {
    const bytes = Buffer.concat(this.parts);
    const held = incompleteTail(bytes);
    const text = bytes.toString('utf8', 0, bytes.length - held);
    if (text.length <= this.maxLine) {
      this.parts = [bytes];
      return;
    }
    const cut = text.charCodeAt(this.maxLine - 1) === 13 ? this.maxLine - 1 : this.maxLine;
    const line = Buffer.from(text.slice(0, cut));
    this.emit(line, 0, line.length);
    const rest = Buffer.concat([Buffer.from(text.slice(cut)), bytes.subarray(bytes.length - held)]);
    this.parts = [rest];
    this.partBytes = rest.length;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    this.onLine(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end);
  }
}

/** Bytes at the end of `buf` that start a UTF-8 character not yet complete (0 to 3). */
function incompleteTail(buf: Buffer): number {
  for (let back = 1; back <= 3 && back <= buf.length; back++) {
    const b = buf[buf.length - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
