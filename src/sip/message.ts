/**
 * A small, tolerant SIP message parser (RFC 3261 §7). Why our own: see docs/sip.md "Parsing the debug output"
 * (npm parsers are strict on CRLF, drop whole messages on one bad header, or are unmaintained).
 * Accepts CRLF or bare LF, unfolds continuation lines, maps compact header forms, and returns warnings instead of
 * failing. Linear time; header count and lengths are capped because the text comes from a device we do not trust.
 */

export interface SipUri {
  scheme: string;
  user?: string;
  host?: string;
  port?: number;
}

export interface SipNameAddr {
  display?: string;
  uri?: SipUri;
  tag?: string;
  expires?: number;
}

export interface SipVia {
  transport?: string;
  host?: string;
  port?: number;
  branch?: string;
  received?: string;
}

export interface SipMessage {
  kind: 'request' | 'response';
  method?: string;
  requestUri?: string;
  status?: number;
  reason?: string;
  /** The start line as written. */
  startLine: string;
  callId?: string;
  cseq?: { seq: number; method: string };
  from?: SipNameAddr;
  to?: SipNameAddr;
  via?: SipVia;
  /** `via?.branch`, without parsing the rest of the Via where the parser can (ParsedSipMessage). */
  readonly viaBranch?: string;
  contact?: SipNameAddr;
  expires?: number;
  maxForwards?: number;
  userAgent?: string;
  server?: string;
  contentType?: string;
  contentLength?: number;
  reasonHeader?: string;
  warning?: string;
  hasAuthorization: boolean;
  /** Unfolded header lines (`Name: value`), capped, kept for evidence. */
  headerLines: string[];
  body: string;
  warnings: string[];
}

const MAX_HEADERS = 80;
const MAX_HEADER_LINE = 2048;

/** RFC 3261 §7.3.3 compact forms. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

const REQUEST_LINE = /^([A-Za-z]{2,20}) (\S{1,512}) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3})(?: (.{0,200}))?$/;
const CSEQ = /^(\d{1,10})\s+([A-Za-z]{1,20})/;

export function isStartLine(line: string): boolean {
  return REQUEST_LINE.test(line) || STATUS_LINE.test(line);
}

/** Parses one message. Returns null when the text does not begin with a SIP start line. */
export function parseSipMessage(text: string): SipMessage | null {
  return parseAt(text, 0);
}

/**
 * Parses every message in a buffer (a TCP read may carry several), using Content-Length to find the boundaries.
 * `spans`, when given, receives each message's start and end offsets in `text` (for the pcap writer).
 */
export function parseSipMessages(text: string, max = 8, spans?: number[]): SipMessage[] {
  const out: SipMessage[] = [];
  let pos = 0;
  while (pos < text.length && out.length < max) {
    while (pos < text.length && (text.charCodeAt(pos) === 13 || text.charCodeAt(pos) === 10)) pos++;
    if (pos >= text.length) break;
    const message = parseAt(text, pos);
    if (!message) break;
    out.push(message);
    if (spans) spans.push(pos, Math.max(pos, parsedEnd));
    if (parsedEnd <= pos) break;
    pos = parsedEnd;
  }
  return out;
}

/**
 * The status of a start line STATUS_LINE matches, when it is plain: `SIP/2.0 ddd`, then nothing or a space and at
 * most 200 characters none of which `.` refuses (CR, LF, U+2028, U+2029). Null: let the patterns decide.
 */
function plainStatusLine(line: string): number | null {
  if (!line.startsWith('SIP/2.0 ') || line.length > 212) return null;
  let status = 0;
  for (let i = 8; i < 11; i++) {
    const d = line.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return null;
    status = status * 10 + d;
  }
  if (line.length === 11) return status;
  if (line.charCodeAt(11) !== 32) return null;
  for (let i = 12; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return null;
  }
  return status;
}

/** Marks a lazily parsed field not parsed yet (`undefined` is a valid result). */
const UNPARSED = Symbol('unparsed');
type Lazy<T> = T | typeof UNPARSED;

/**
 * A parsed message. Only what every message needs (start line, Call-ID, CSeq, Content-Length, body) is read up
 * front; the other headers are remembered by their line and parsed on first access: the analyzer looks at From, To
 * or Contact for a few messages only, and this runs for every message of a capture.
 */
class ParsedSipMessage implements SipMessage {
  method?: string;
  requestUri?: string;
  status?: number;
  reason?: string;
  callId?: string;
  cseq?: { seq: number; method: string };
  contentLength?: number;
  hasAuthorization = false;
  headerLines: string[] = [];
  body = '';
  warnings: string[] = [];

  // Index in headerLines of the header each lazy field comes from (-1: absent). First one wins where RFC 3261
  // means the top one (From, To, Via, Contact); the last one otherwise, as a plain assignment per header would.
  fromLine = -1;
  toLine = -1;
  viaLine = -1;
  contactLine = -1;
  expiresLine = -1;
  maxForwardsLine = -1;
  userAgentLine = -1;
  serverLine = -1;
  contentTypeLine = -1;
  reasonLine = -1;
  warningLine = -1;

  private fromValue: Lazy<SipNameAddr | undefined> = UNPARSED;
  private toValue: Lazy<SipNameAddr | undefined> = UNPARSED;
  private viaValue: Lazy<SipVia | undefined> = UNPARSED;
  private contactValue: Lazy<SipNameAddr | undefined> = UNPARSED;

  constructor(
    readonly kind: 'request' | 'response',
    readonly startLine: string,
  ) {}

  private value(index: number): string | undefined {
    if (index < 0) return undefined;
    const line = this.headerLines[index];
    return line.slice(line.indexOf(':') + 1).trim();
  }

  get from(): SipNameAddr | undefined {
    if (this.fromValue === UNPARSED) this.fromValue = this.fromLine < 0 ? undefined : parseNameAddr(this.value(this.fromLine)!);
    return this.fromValue;
  }

  get to(): SipNameAddr | undefined {
    if (this.toValue === UNPARSED) this.toValue = this.toLine < 0 ? undefined : parseNameAddr(this.value(this.toLine)!);
    return this.toValue;
  }

  get via(): SipVia | undefined {
    if (this.viaValue === UNPARSED) this.viaValue = this.viaLine < 0 ? undefined : parseVia(this.value(this.viaLine)!);
    return this.viaValue;
  }

  /**
   * `via?.branch` without the rest of the Via (the analyzer's retransmission key wants only the branch, for every
   * message): the same value parseVia gives, by its own fast path where that applies, else by parseVia itself.
   */
  get viaBranch(): string | undefined {
    if (this.viaValue !== UNPARSED) return this.viaValue?.branch;
    if (this.viaLine < 0) return undefined;
    const value = this.value(this.viaLine)!;
    const comma = value.indexOf(',');
    const first = comma < 0 ? value : value.slice(0, comma);
    if (first.startsWith('SIP/2.0/') && printableAscii(first)) return paramAscii(first, 'branch', 128);
    return this.via?.branch;
  }

  get contact(): SipNameAddr | undefined {
    if (this.contactValue === UNPARSED) this.contactValue = this.contactLine < 0 ? undefined : parseNameAddr(this.value(this.contactLine)!);
    return this.contactValue;
  }

  get expires(): number | undefined {
    return this.expiresLine < 0 ? undefined : toInt(this.value(this.expiresLine)!);
  }

  get maxForwards(): number | undefined {
    return this.maxForwardsLine < 0 ? undefined : toInt(this.value(this.maxForwardsLine)!);
  }

  get userAgent(): string | undefined {
    return this.value(this.userAgentLine)?.slice(0, 200);
  }

  get server(): string | undefined {
    return this.value(this.serverLine)?.slice(0, 200);
  }

  get contentType(): string | undefined {
    return this.value(this.contentTypeLine)?.toLowerCase().slice(0, 100);
  }

  get reasonHeader(): string | undefined {
    return this.value(this.reasonLine)?.slice(0, 200);
  }

  get warning(): string | undefined {
    return this.value(this.warningLine)?.slice(0, 200);
  }
}

/** Where the message `parseAt` last returned ends (module state: no result object per message). */
let parsedEnd = 0;

function parseAt(text: string, start: number): SipMessage | null {
  findHeadEnd(text, start);
  const headIndex = headEndIndex;
  const bodyStart = headBodyStart;
  // The start line: up to the first LF (index scans, no split of the whole head).
  let lineEnd = text.indexOf('\n', start);
  if (lineEnd < 0 || lineEnd > headIndex) lineEnd = headIndex;
  const startLine = stripCr(text.slice(start, lineEnd)).trim();
  let message: ParsedSipMessage;
  const status = plainStatusLine(startLine);
  if (status !== null) {
    // `SIP/2.0 200 OK`, read by hand (REQUEST_LINE cannot match it: `SIP` is not followed by a space).
    message = new ParsedSipMessage('response', startLine);
    message.status = status;
    message.reason = startLine.length > 12 ? startLine.slice(12).trim() : '';
  } else {
    const req = REQUEST_LINE.exec(startLine);
    if (req) {
      message = new ParsedSipMessage('request', startLine);
      message.method = req[1].toUpperCase();
      message.requestUri = req[2];
    } else {
      const st = STATUS_LINE.exec(startLine);
      if (!st) return null;
      message = new ParsedSipMessage('response', startLine);
      message.status = Number(st[1]);
      message.reason = st[2]?.trim() ?? '';
    }
  }

  // Unfold continuation lines (RFC 3261 §7.3.1: a line starting with SP or HT continues the previous one). A header
  // is applied once the next line shows it is not continued.
  let current: string | undefined;
  let headers = 0;
  let pos = lineEnd + 1;
  while (lineEnd < headIndex && pos <= headIndex) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > headIndex) nl = headIndex;
    const stop = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const from = pos;
    pos = nl + 1;
    if (stop === from) continue;
    const c = text.charCodeAt(from);
    if ((c === 32 || c === 9) && current !== undefined) {
      const joined = current + ' ' + text.slice(from, stop).trim();
      current = joined.length > MAX_HEADER_LINE ? joined.slice(0, MAX_HEADER_LINE) : joined;
      continue;
    }
    if (current !== undefined) applyHeaderLine(message, current);
    if (headers >= MAX_HEADERS) {
      current = undefined;
      // First, where the header pass that used to follow the unfolding put it.
      message.warnings.unshift(`more than ${MAX_HEADERS} headers: the rest ignored`);
      break;
    }
    headers++;
    current = text.slice(from, stop - from > MAX_HEADER_LINE ? from + MAX_HEADER_LINE : stop);
  }
  if (current !== undefined) applyHeaderLine(message, current);

  // Body: honour Content-Length, tolerate truncation (the debug dump may be cut).
  let end = bodyStart;
  if (bodyStart < 0) {
    end = text.length;
  } else {
    const available = text.length - bodyStart;
    let bodyLength = available;
    if (message.contentLength !== undefined) {
      if (message.contentLength > available) message.warnings.push(`body truncated: Content-Length ${message.contentLength}, ${available} bytes present`);
      bodyLength = Math.min(message.contentLength, available);
    }
    message.body = text.slice(bodyStart, bodyStart + bodyLength);
    end = bodyStart + bodyLength;
  }
  if (!message.callId) message.warnings.push('no Call-ID');
  if (!message.cseq) message.warnings.push('no CSeq');
  parsedEnd = end;
  return message;
}

/**
 * Index of the blank line ending the head (CRLFCRLF or LFLF), and where the body starts (-1: no blank line), in
 * headEndIndex and headBodyStart.
 */
let headEndIndex = 0;
let headBodyStart = 0;

function findHeadEnd(text: string, start: number): void {
  let i = text.indexOf('\n', start);
  while (i >= 0) {
    let j = i + 1;
    if (text.charCodeAt(j) === 13) j++;
    if (text.charCodeAt(j) === 10) {
      headEndIndex = i;
      headBodyStart = j + 1;
      return;
    }
    i = text.indexOf('\n', j);
  }
  headEndIndex = text.length;
  headBodyStart = -1;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * CSEQ by hand for the usual `314159 INVITE` (digits, spaces or tabs, letters): no match array per message. Anything
 * else that could involve the pattern's wider white space goes to the pattern itself.
 */
function parseCSeq(value: string): { seq: number; method: string } | null {
  let i = 0;
  while (i < value.length && i < 11 && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
  if (i === 0 || i > 10) return null;
  let j = i;
  while (j < value.length && (value.charCodeAt(j) === 32 || value.charCodeAt(j) === 9)) j++;
  const c = value.charCodeAt(j);
  if (j === i || c <= 32 || c > 126) {
    const cs = CSEQ.exec(value);
    return cs ? { seq: Number(cs[1]), method: cs[2].toUpperCase() } : null;
  }
  let k = j;
  while (k < value.length && k - j < 20) {
    const l = value.charCodeAt(k) | 32;
    if (l < 97 || l > 122) break;
    k++;
  }
  if (k === j) return null;
  return { seq: Number(value.slice(0, i)), method: value.slice(j, k).toUpperCase() };
}

/** Lower-case name of a header, without slicing for the usual spellings (this runs for every header line). */
function headerName(line: string, colon: number): string {
  switch (colon) {
    case 2:
      if (line.startsWith('To')) return 'to';
      break;
    case 3:
      if (line.startsWith('Via')) return 'via';
      break;
    case 4:
      if (line.startsWith('From')) return 'from';
      if (line.startsWith('CSeq')) return 'cseq';
      break;
    case 6:
      if (line.startsWith('Server')) return 'server';
      if (line.startsWith('Reason')) return 'reason';
      break;
    case 7:
      if (line.startsWith('Call-ID')) return 'call-id';
      if (line.startsWith('Contact')) return 'contact';
      if (line.startsWith('Expires')) return 'expires';
      if (line.startsWith('Warning')) return 'warning';
      break;
    case 10:
      if (line.startsWith('User-Agent')) return 'user-agent';
      break;
    case 12:
      if (line.startsWith('Max-Forwards')) return 'max-forwards';
      if (line.startsWith('Content-Type')) return 'content-type';
      break;
    case 13:
      if (line.startsWith('Authorization')) return 'authorization';
      break;
    case 14:
      if (line.startsWith('Content-Length')) return 'content-length';
      break;
    case 19:
      if (line.startsWith('Proxy-Authorization')) return 'proxy-authorization';
      break;
  }
  const name = line.slice(0, colon).trim().toLowerCase();
  return name.length === 1 ? (COMPACT[name] ?? name) : name;
}

function applyHeaderLine(m: ParsedSipMessage, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) {
    m.warnings.push(`header without a colon: ${line.slice(0, 60)}`);
    return;
  }
  const index = m.headerLines.length;
  m.headerLines.push(line);
  switch (headerName(line, colon)) {
    case 'call-id':
      m.callId ??= line.slice(colon + 1).trim().slice(0, 256);
      break;
    case 'cseq': {
      const value = line.slice(colon + 1).trim();
      const cs = parseCSeq(value);
      if (cs) m.cseq ??= cs;
      else m.warnings.push(`bad CSeq: ${value.slice(0, 60)}`);
      break;
    }
    case 'from':
      if (m.fromLine < 0) m.fromLine = index;
      break;
    case 'to':
      if (m.toLine < 0) m.toLine = index;
      break;
    case 'via':
      // Only the top Via matters here (the hop that sent the packet).
      if (m.viaLine < 0) m.viaLine = index;
      break;
    case 'contact':
      if (m.contactLine < 0 && line.slice(colon + 1).trim() !== '*') m.contactLine = index;
      break;
    case 'expires':
      m.expiresLine = index;
      break;
    case 'max-forwards':
      m.maxForwardsLine = index;
      break;
    case 'user-agent':
      m.userAgentLine = index;
      break;
    case 'server':
      m.serverLine = index;
      break;
    case 'content-type':
      m.contentTypeLine = index;
      break;
    case 'content-length':
      m.contentLength = toInt(line.slice(colon + 1).trim());
      break;
    case 'reason':
      m.reasonLine = index;
      break;
    case 'warning':
      m.warningLine = index;
      break;
    case 'authorization':
    case 'proxy-authorization':
      m.hasAuthorization = true;
      break;
  }
}

const LEADING_INT = /^\d{1,10}/;
const QUOTES = /^"|"$/g;
const URI_PARAMS = /[;?]/;
const VIA_SENT_BY = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]{2,5})\s+([^;\s]+)/i;

/** Leading decimal (up to 10 digits) after white space, or undefined. */
function toInt(value: string): number | undefined {
  const c = value.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    // The usual case, without a trim, a pattern and a match array: exact below 2^53.
    let n = 0;
    for (let i = 0; i < value.length && i < 10; i++) {
      const d = value.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    return n;
  }
  const n = LEADING_INT.exec(value.trim());
  return n ? Number(n[0]) : undefined;
}

const TAG_PARAM = /;\s*tag\s*=\s*([^;\s,]{1,128})/i;
const EXPIRES_PARAM = /;\s*expires\s*=\s*(\d{1,10})/i;
const BRANCH_PARAM = /;\s*branch\s*=\s*([^;\s,]{1,128})/i;
const RECEIVED_PARAM = /;\s*received\s*=\s*([^;\s,]{1,64})/i;

/** `"Name" <sip:user@host:port;params>;tag=x` or `sip:user@host;tag=x`. */
export function parseNameAddr(value: string): SipNameAddr {
  const out: SipNameAddr = {};
  let rest: string;
  const lt = value.indexOf('<');
  const gt = lt >= 0 ? value.indexOf('>', lt) : -1;
  if (lt >= 0 && gt > lt) {
    const display = value.slice(0, lt).trim().replace(QUOTES, '').trim();
    if (display) out.display = display;
    out.uri = parseUri(value.slice(lt + 1, gt));
    rest = value.slice(gt + 1);
  } else {
    const semi = value.indexOf(';');
    out.uri = parseUri(semi >= 0 ? value.slice(0, semi) : value);
    rest = semi >= 0 ? value.slice(semi) : '';
  }
  if (rest.length > 0) {
    const tag = TAG_PARAM.exec(rest);
    if (tag) out.tag = tag[1];
    const exp = EXPIRES_PARAM.exec(rest);
    if (exp) out.expires = Number(exp[1]);
  }
  return out;
}

/** `sip:user@host:port;params?headers`, `tel:+123`. Tolerant: returns what it finds. */
export function parseUri(raw: string): SipUri | undefined {
  const s = raw.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = s.slice(0, colon).toLowerCase();
  let rest = s.slice(colon + 1);
  const cut = rest.search(URI_PARAMS);
  if (cut >= 0) rest = rest.slice(0, cut);
  if (scheme === 'tel') return { scheme, user: rest };
  const uri: SipUri = { scheme };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    uri.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const hp = splitHostPort(rest);
  if (hp.host) uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  return uri;
}

/** `SIP/2.0/UDP host:port;branch=z9hG4bK...;received=...`. */
export function parseVia(value: string): SipVia {
  const comma = value.indexOf(',');
  const first = comma < 0 ? value : value.slice(0, comma);
  if (printableAscii(first)) {
    const fast = parseViaAscii(first);
    if (fast) return fast;
  }
  const via: SipVia = {};
  const m = VIA_SENT_BY.exec(first.trim());
  if (m) {
    via.transport = m[1].toUpperCase();
    const hp = splitHostPort(m[2]);
    if (hp.host) via.host = hp.host;
    if (hp.port !== undefined) via.port = hp.port;
  }
  const branch = BRANCH_PARAM.exec(first);
  if (branch) via.branch = branch[1];
  const received = RECEIVED_PARAM.exec(first);
  if (received) via.received = received[1];
  return via;
}

/** Only printable ASCII, space and tab: then `\s` means space or tab, and a hand scan is easy to keep exact. */
function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c > 126) return false;
  }
  return true;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * parseVia for printable ASCII with the usual `SIP/2.0/UDP host:port;params` start, by hand: the same results as
 * VIA_SENT_BY, BRANCH_PARAM and RECEIVED_PARAM (three match arrays per message otherwise). Null: use the patterns.
 */
function parseViaAscii(first: string): SipVia | null {
  if (!first.startsWith('SIP/2.0/')) return null;
  const via: SipVia = {};
  // The pattern allows blanks before the transport.
  let t = 8;
  while (t < first.length && isBlank(first.charCodeAt(t))) t++;
  let i = t;
  while (i < first.length && i < t + 6 && (first.charCodeAt(i) | 32) >= 97 && (first.charCodeAt(i) | 32) <= 122) i++;
  const letters = i - t;
  let j = i;
  while (j < first.length && isBlank(first.charCodeAt(j))) j++;
  let k = j;
  while (k < first.length && first.charCodeAt(k) !== 59 && !isBlank(first.charCodeAt(k))) k++;
  if (letters >= 2 && letters <= 5 && j > i && k > j) {
    via.transport = first.slice(t, i).toUpperCase();
    const hp = splitHostPort(first.slice(j, k));
    if (hp.host) via.host = hp.host;
    if (hp.port !== undefined) via.port = hp.port;
  }
  const branch = paramAscii(first, 'branch', 128);
  if (branch !== undefined) via.branch = branch;
  const received = paramAscii(first, 'received', 64);
  if (received !== undefined) via.received = received;
  return via;
}

/** `;\s*name\s*=\s*([^;\s,]{1,max})` (name case-insensitive), leftmost, for printable ASCII. */
function paramAscii(s: string, name: string, max: number): string | undefined {
  let semi = s.indexOf(';');
  while (semi >= 0) {
    let i = semi + 1;
    while (i < s.length && isBlank(s.charCodeAt(i))) i++;
    let n = 0;
    while (n < name.length && i + n < s.length && (s.charCodeAt(i + n) | 32) === name.charCodeAt(n)) n++;
    if (n === name.length) {
      i += n;
      while (i < s.length && isBlank(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) === 61) {
        i++;
        while (i < s.length && isBlank(s.charCodeAt(i))) i++;
        let end = i;
        while (end < s.length && end - i < max) {
          const c = s.charCodeAt(end);
          if (c === 59 || c === 44 || isBlank(c)) break;
          end++;
        }
        if (end > i) return s.slice(i, end);
      }
    }
    semi = s.indexOf(';', semi + 1);
  }
  return undefined;
}

function splitHostPort(s: string): { host?: string; port?: number } {
  const t = s.trim();
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    const host = close > 0 ? t.slice(1, close) : t.slice(1);
    const port = close > 0 && t[close + 1] === ':' ? toInt(t.slice(close + 2)) : undefined;
    return { host, port };
  }
  const colon = t.lastIndexOf(':');
  if (colon > 0 && t.indexOf(':') === colon) return { host: t.slice(0, colon), port: toInt(t.slice(colon + 1)) };
  return { host: t || undefined };
}

/** Display form of a From/To: `user@host` (sngrep shows the URI), or the host alone. */
export function uriLabel(na: SipNameAddr | undefined): string {
  const uri = na?.uri;
  if (!uri) return '?';
  if (uri.scheme === 'tel') return uri.user ?? '?';
  if (uri.user && uri.host) return `${uri.user}@${uri.host}`;
  return uri.user ?? uri.host ?? '?';
}
