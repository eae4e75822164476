/**
 * Writes SIP messages as FortiOS 5.x `diagnose debug application sip -1` output, in the shape of the FortiOS 5.2
 * handbook "SIP debug log format" sample: locate / sess found / address line / `read [(0,LEN)(HEX)(TEXT)]`, where
 * TEXT shows CR and LF (and other non-printables) as `.`. Used to produce the fixtures in test/fixtures/sip.
 */
export interface DebugRecordSpec {
  /** `2024-05-02 10:11:12`, omitted when the capture has no console timestamps. */
  ts?: string;
  port: number;
  src: string;
  dst: string;
  /** The SIP message with real CRLF line ends. */
  message: string;
  sess?: string;
}

export function crlf(lines: string[]): string {
  return lines.join('\r\n');
}

/** A SIP message from header lines and an optional body (Content-Length computed like a UA would). */
export function sipMessage(startLine: string, headers: string[], body = ''): string {
  const all = [startLine, ...headers, `Content-Length: ${Buffer.byteLength(body)}`];
  return all.join('\r\n') + '\r\n\r\n' + body;
}

export function sdpBody(ip: string, port: number, codecs: Array<[number, string]>, extra: string[] = []): string {
  const lines = [
    'v=0',
    `o=- 3912 3912 IN IP4 ${ip}`,
    's=call',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${codecs.map(([pt]) => pt).join(' ')}`,
    ...codecs.map(([pt, name]) => `a=rtpmap:${pt} ${name}/8000`),
    ...extra,
  ];
  return lines.join('\r\n') + '\r\n';
}

function asciiDump(message: string): string {
  let out = '';
  for (const ch of Buffer.from(message, 'utf8')) out += ch >= 0x20 && ch < 0x7f ? String.fromCharCode(ch) : '.';
  return out;
}

export function debugRecord(spec: DebugRecordSpec, opts: { wrap?: boolean } = {}): string[] {
  const p = spec.ts ? `${spec.ts} ` : '';
  const bytes = Buffer.from(spec.message, 'utf8');
  const hex = bytes.toString('hex');
  const text = asciiDump(spec.message);
  const sess = spec.sess ?? '0x979df38';
  const lines = [
    `${p}sip port ${spec.port} locate session for ${spec.src} -> ${spec.dst}`,
    `${p}sip sess ${sess} found for ${spec.src} -> ${spec.dst}`,
    `${p}sip port ${spec.port} ${spec.src} -> ${spec.dst}`,
  ];
  const record = `${p}sip port ${spec.port} read [(0,${bytes.length})(${hex})(${text})]`;
  if (!opts.wrap) return [...lines, record];
  // Documentation wrap: the hex cut every 104 characters, the text at spaces near 80 columns (the space eaten).
  const out = [...lines, `${p}sip port ${spec.port} read [(0,${bytes.length})`];
  const hexParts = `(${hex})`.match(/.{1,104}/g) ?? [];
  out.push(...hexParts.slice(0, -1));
  const textWords = `(${text})]`.split(' ');
  let current = hexParts[hexParts.length - 1] ?? '';
  for (const word of textWords) {
    if (current.length + word.length + 1 > 80 && current.length > 0) {
      out.push(current);
      current = word;
    } else {
      current = current.length > 0 && !current.endsWith(')') ? `${current} ${word}` : `${current}${word}`;
    }
  }
  if (current) out.push(current);
  return out;
}

export function debugLog(records: DebugRecordSpec[], opts: { wrap?: boolean; eol?: string } = {}): string {
  const eol = opts.eol ?? '\n';
  return records.flatMap((r) => debugRecord(r, opts)).join(eol) + eol;
}
