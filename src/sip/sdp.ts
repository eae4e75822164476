/**
 * The few SDP facts the summary shows: per `m=` line the connection address, port, codecs and direction.
 *
 * Same results as `sdp-transform`'s `parse()` (docs/sip.md) for these fields, with the same per-line patterns
 * (its grammar for `c=`, `m=`, `a=rtpmap` and the direction attributes), but one pass over the lines and nothing else
 * built: a full parse ran ~30 patterns per `a=` line and was a tenth of the parser's time. test/sip/sdp.test.ts
 * checks the two agree on real and mutated bodies. One difference on purpose: an address is always kept as text
 * (sdp-transform turns a numeric-looking `c=` address such as `123` into a number, which the NAT check then choked on).
 */

/** One `m=` line as the summary shows it. `c=` at media level wins over session level (RFC 4566 §5.7). */
export interface SdpMedia {
  type: string;
  address: string;
  port: number;
  codecs: string[];
  direction?: string;
}

/** RFC 3551 static payload types, for offers without `a=rtpmap`. */
const STATIC_PAYLOADS: Record<string, string> = { '0': 'PCMU', '3': 'GSM', '4': 'G723', '8': 'PCMA', '9': 'G722', '18': 'G729' };
const MAX_SDP = 16384;
const MAX_MEDIA = 8;

// sdp-transform 3.0 lib/grammar.js, verbatim (linear: no nested quantifiers). The readers below scan for the same
// matches by hand (no slice and match array per line); none of these patterns can backtrack into another result.
const CONNECTION = /^IN IP(\d) (\S*)/;
// const MEDIA_LINE = /^(\w*) (\d*) ([\w/]*)(?: (.*))?/;
// const RTPMAP = /^rtpmap:(\d*) ([\w\-.]*)(?:\s*\/(\d*)(?:\s*\/(\S*))?)?/;
const DIRECTIONS = ['sendrecv', 'recvonly', 'sendonly', 'inactive'];

interface MediaSection {
  type?: string;
  port?: string;
  payloads?: string;
  ip?: string;
  /** `a=rtpmap` payload → codec, in order (a later line for the same payload wins, as in a Map). */
  rtp: string[];
  direction?: string;
}

/** sdp-transform's `toIntIfInt`: a value that reads back as the same number becomes that number. */
function intIfInt(v: string): string {
  const n = Number(v);
  return (String(n) === v ? n : v) as string;
}

/**
 * Media of an SDP body. `i=` is ignored on purpose: the ALG's NAT trace writes the original private address there
 * (`i=(o=IN IP4 10.x.x.x)`), which is not a fault (docs/sip.md).
 */
export function sdpMedia(body: string): SdpMedia[] {
  if (!body || body.length > MAX_SDP) return [];
  let sessionIp: string | undefined;
  let sessionDirection: string | undefined;
  const sections: MediaSection[] = [];
  let cur: MediaSection | undefined;
  const n = body.length;
  let pos = 0;
  while (pos < n) {
    // Lines end at CRLF, CR or LF (sdp-transform splits on /\r\n|\r|\n/).
    let end = pos;
    while (end < n) {
      const c = body.charCodeAt(end);
      if (c === 10 || c === 13) break;
      end++;
    }
    const type = body.charCodeAt(pos);
    if (end - pos >= 2 && body.charCodeAt(pos + 1) === 61) {
      if (type === 109) {
        // m=: a new media section even when the rest does not parse.
        if (sections.length >= MAX_MEDIA) break;
        cur = { rtp: [] };
        sections.push(cur);
        readMediaLine(body, pos + 2, end, cur);
      } else if (type === 99) {
        const ip = connectionAddress(body, pos + 2, end);
        if (ip !== undefined) {
          if (cur) cur.ip = ip;
          else sessionIp = ip;
        }
      } else if (type === 97) {
        const first = body.charCodeAt(pos + 2);
        if (first === 114 && cur && body.startsWith('rtpmap:', pos + 2)) {
          readRtpmap(body, pos + 9, end, cur);
        } else if (first === 115 || first === 114 || first === 105) {
          const direction = directionAt(body, pos + 2, end);
          if (direction !== undefined) {
            if (cur) cur.direction = direction;
            else sessionDirection = direction;
          }
        }
      }
    }
    pos = end + (body.charCodeAt(end) === 13 && body.charCodeAt(end + 1) === 10 ? 2 : 1);
  }

  const out: SdpMedia[] = [];
  for (const s of sections) {
    const address = s.ip ?? sessionIp ?? '';
    const codecs: string[] = [];
    // The space-separated payload types (a scan: no array of them).
    const payloads = s.payloads ?? '';
    let from = 0;
    while (from <= payloads.length && codecs.length < 8) {
      let to = payloads.indexOf(' ', from);
      if (to < 0) to = payloads.length;
      if (to > from) {
        const p = payloads.slice(from, to);
        codecs.push(rtpCodec(s.rtp, p) ?? STATIC_PAYLOADS[p] ?? p);
      }
      from = to + 1;
    }
    const direction = s.direction ?? sessionDirection;
    const media: SdpMedia = { type: s.type as string, address, port: Number(s.port), codecs };
    if (direction) media.direction = direction;
    out.push(media);
  }
  return out;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `m=` content in [from, end): MEDIA_LINE's type, port and payloads (`.*` stops at U+2028/U+2029 too). */
function readMediaLine(s: string, from: number, end: number, section: MediaSection): void {
  let a = from;
  while (a < end && isWordChar(s.charCodeAt(a))) a++;
  if (a >= end || s.charCodeAt(a) !== 32) return;
  let b = a + 1;
  while (b < end && isDigit(s.charCodeAt(b))) b++;
  if (b >= end || s.charCodeAt(b) !== 32) return;
  let c = b + 1;
  while (c < end && (isWordChar(s.charCodeAt(c)) || s.charCodeAt(c) === 47)) c++;
  section.type = intIfInt(s.slice(from, a));
  section.port = s.slice(a + 1, b);
  if (c < end && s.charCodeAt(c) === 32) {
    let stop = c + 1;
    while (stop < end && s.charCodeAt(stop) !== 0x2028 && s.charCodeAt(stop) !== 0x2029) stop++;
    section.payloads = s.slice(c + 1, stop);
  }
}

/** `c=` content in [from, end): CONNECTION's address, or undefined when it does not match. */
function connectionAddress(s: string, from: number, end: number): string | undefined {
  if (end - from < 7 || !s.startsWith('IN IP', from) || !isDigit(s.charCodeAt(from + 5)) || s.charCodeAt(from + 6) !== 32) return undefined;
  let k = from + 7;
  while (k < end) {
    const c = s.charCodeAt(k);
    if (c === 32 || (c >= 9 && c <= 13)) break;
    // Beyond ASCII, which characters `\S` refuses is the pattern's business.
    if (c > 126) return CONNECTION.exec(s.slice(from, end))?.[2];
    k++;
  }
  return s.slice(from + 7, k);
}

/** `a=rtpmap:` content from `from` (after the colon): RTPMAP's payload and codec, pushed onto the section. */
function readRtpmap(s: string, from: number, end: number, section: MediaSection): void {
  let e = from;
  while (e < end && isDigit(s.charCodeAt(e))) e++;
  if (e >= end || s.charCodeAt(e) !== 32) return;
  let f = e + 1;
  while (f < end) {
    const c = s.charCodeAt(f);
    if (!isWordChar(c) && c !== 45 && c !== 46) break;
    f++;
  }
  section.rtp.push(s.slice(from, e), intIfInt(s.slice(e + 1, f)));
}

function directionAt(s: string, from: number, end: number): string | undefined {
  for (const d of DIRECTIONS) if (from + d.length <= end && s.startsWith(d, from)) return d;
  return undefined;
}

function rtpCodec(rtp: string[], payload: string): string | undefined {
  for (let i = rtp.length - 2; i >= 0; i -= 2) if (rtp[i] === payload) return rtp[i + 1];
  return undefined;
}
