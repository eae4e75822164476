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
