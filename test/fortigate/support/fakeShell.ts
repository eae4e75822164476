import { Duplex } from 'node:stream';

/**
 * An in-memory shell stream that plays FortiOS bytes: the channel under test holds this end; the test pushes
 * device output with `send` and sees every keystroke the channel wrote in `written`.
 */
export class FakeShell extends Duplex {
  readonly written: string[] = [];
  private onWriteHandlers: Array<(text: string) => void> = [];

  _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const text = chunk.toString();
    this.written.push(text);
    for (const h of this.onWriteHandlers) h(text);
    cb();
  }

  _read(): void {
    // data is pushed by send()
  }

  /** Device output, as one chunk. */
  send(data: string | Buffer): void {
    this.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Device output split into the given chunks (byte boundaries, so UTF-8 characters may be cut). */
  sendChunks(data: string | Buffer, cuts: number[]): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let last = 0;
    for (const cut of [...cuts, buf.length]) {
      if (cut > last) this.push(buf.subarray(last, cut));
      last = Math.max(last, cut);
    }
  }

  onWrite(h: (text: string) => void): void {
    this.onWriteHandlers.push(h);
  }

  /** The device hangs up. */
  hangUp(): void {
    this.push(null);
    this.destroy();
  }

  /** Everything the channel typed, joined. */
  typed(): string {
    return this.written.join('');
  }
}

/**
 * A reactive device: answers each line typed (up to `\r`) and each single keystroke (pager space, banner `a`)
 * from a handler, the way a FortiOS CLI does. `null` for a lone key means "not a keystroke I wait for": it is
 * kept as the start of a typed line; `''` means handled with nothing to send.
 */
export function scriptDevice(shell: FakeShell, answer: (input: string) => string | Buffer | null | Array<string | Buffer>): void {
  let line = '';
  shell.onWrite((text) => {
    for (const ch of text) {
      if (ch === '\r') {
        const out = answer(line + '\r');
        line = '';
        emit(out);
      } else if ((ch === ' ' || ch === 'a') && line === '') {
        // A lone key while the device waits (pager, banner); typed commands are followed by `\r`.
        const out = answer(ch);
        if (out !== null) emit(out);
        else line += ch;
      } else {
        line += ch;
      }
    }
  });
  function emit(out: string | Buffer | null | Array<string | Buffer>) {
    if (out === null) return;
    const parts = Array.isArray(out) ? out : [out];
    setImmediate(() => {
      for (const p of parts) if (p.length) shell.send(p);
    });
  }
}
