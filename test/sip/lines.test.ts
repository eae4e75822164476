import { SipByteLineSplitter, SipLineSplitter } from '../../src/sip';

function linesOf(chunks: Array<Buffer | string>, maxLine?: number): string[] {
  const out: string[] = [];
  const splitter = new SipLineSplitter((line) => out.push(line), maxLine);
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return out;
}

describe('SipLineSplitter with large chunks (decoded 64 KB at a time)', () => {
  it('gives the same lines as splitting the whole text: UTF-8 and CRLF across every slice boundary', () => {
    const words = ['sip port 26 read [(0,3)(414243)(ABC)]', 'Zoë “quoted” ☎', 'x'.repeat(70000), '', 'end\r'];
    const parts: string[] = [];
    for (let i = 0; parts.join('\n').length < 300000; i++) parts.push(words[i % words.length] + '€'.repeat(i % 5));
    const text = parts.join('\r\n') + '\n';
    const bytes = Buffer.from(text, 'utf8');
    const expected = text.split('\n').slice(0, -1).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    expect(linesOf([bytes])).toEqual(expected);
    // Shifted so that multi-byte characters and CRLF pairs straddle the 64 KB slices differently.
    for (const shift of [1, 2, 3, 65535, 65537]) expect(linesOf([bytes.subarray(0, shift), bytes.subarray(shift)])).toEqual(expected);
  });

  it('cuts an over-long line once per chunk, as for a chunk decoded whole', () => {
    const text = 'A'.repeat(600000) + '\n' + 'B'.repeat(100) + '\n';
    // The line ends inside the chunk: it comes out whole; the reader caps what it keeps.
    expect(linesOf([Buffer.from(text)], 512 * 1024).map((l) => l.length)).toEqual([600000, 100]);
    // No line end in the chunk: one cut at maxLine, the rest waits for more.
    expect(linesOf([Buffer.from('C'.repeat(1100000)), Buffer.from('\n')], 512 * 1024).map((l) => l.length)).toEqual([524288, 575712]);
  });
});

describe('SipByteLineSplitter', () => {
  function byteLinesOf(chunks: Buffer[], maxLine?: number): string[] {
    const out: string[] = [];
    const splitter = new SipByteLineSplitter((buf, start, end) => out.push(buf.toString('utf8', start, end)), maxLine);
    for (const c of chunks) splitter.push(c);
    splitter.end();
    return out;
  }

  it('gives the lines SipLineSplitter gives: UTF-8, CRLF and long-line cuts at every chunk boundary', () => {
    const text = ['a\r\r', 'Zoë “quoted” ☎', '', 'x'.repeat(3000) + '€', 'y'.repeat(2500), 'end\r'].join('\n') + '\n' + 'tail ☎';
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xe2, 0x82])]);
    for (const size of [1, 2, 3, 5, 64, 1000, 4096]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(byteLinesOf(chunks, 1024)).toEqual(linesOf(chunks, 1024));
    }
  });
});
