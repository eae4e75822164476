/**
 * A small, tolerant SIP message parser (RFC 3261 §7). Why our own: see ../shared/SIP.md "Parsing the debug output"
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

/** The usual spellings, to skip a toLowerCase per header on the hot path. */
const COMMON_NAMES = new Map(
  ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'User-Agent', 'Server', 'Content-Type', 'Content-Length', 'Expires', 'Reason', 'Warning', 'Authorization', 'Proxy-Authorization'].map((n) => [n, n.toLowerCase()]),
);

const REQUEST_LINE = /^([A-Za-z]{2,20}) (\S{1,512}) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3})(?: (.{0,200}))?$/;

export function isStartLine(line: string): boolean {
  return REQUEST_LINE.test(line) || STATUS_LINE.test(line);
}

/** Parses one message. Returns null when the text does not begin with a SIP start line. */
export function parseSipMessage(text: string): SipMessage | null {
  return parseAt(text, 0)?.message ?? null;
}

/** Parses every message in a buffer (a TCP read may carry several), using Content-Length to find the boundaries. */
export function parseSipMessages(text: string, max = 8): SipMessage[] {
  const out: SipMessage[] = [];
  let pos = 0;
  while (pos < text.length && out.length < max) {
    while (pos < text.length && (text.charCodeAt(pos) === 13 || text.charCodeAt(pos) === 10)) pos++;
    if (pos >= text.length) break;
    const parsed = parseAt(text, pos);
    if (!parsed) break;
    out.push(parsed.message);
    if (parsed.end <= pos) break;
    pos = parsed.end;
  }
  return out;
}

function parseAt(text: string, start: number): { message: SipMessage; end: number } | null {
  const headEnd = findHeadEnd(text, start);
  const head = text.slice(start, headEnd.index);
  const rawLines = head.split('\n');
  const startLine = stripCr(rawLines[0] ?? '').trim();
  const warnings: string[] = [];
  let message: SipMessage;
  const req = REQUEST_LINE.exec(startLine);
  if (req) {
    message = { kind: 'request', method: req[1].toUpperCase(), requestUri: req[2], startLine, hasAuthorization: false, headerLines: [], body: '', warnings };
  } else {
    const st = STATUS_LINE.exec(startLine);
    if (!st) return null;
    message = { kind: 'response', status: Number(st[1]), reason: st[2]?.trim() ?? '', startLine, hasAuthorization: false, headerLines: [], body: '', warnings };
  }

  // Unfold continuation lines (RFC 3261 §7.3.1: a line starting with SP or HT continues the previous one).
  const headers: string[] = [];
  for (let i = 1; i < rawLines.length; i++) {
    const line = stripCr(rawLines[i]);
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      const joined = headers[headers.length - 1] + ' ' + line.trim();
      headers[headers.length - 1] = joined.length > MAX_HEADER_LINE ? joined.slice(0, MAX_HEADER_LINE) : joined;
      continue;
    }
    if (headers.length >= MAX_HEADERS) {
      warnings.push(`more than ${MAX_HEADERS} headers: the rest ignored`);
      break;
    }
    headers.push(line.length > MAX_HEADER_LINE ? line.slice(0, MAX_HEADER_LINE) : line);
  }

  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      warnings.push(`header without a colon: ${line.slice(0, 60)}`);
      continue;
    }
    message.headerLines.push(line);
    const rawName = line.slice(0, colon);
    let name = COMMON_NAMES.get(rawName) ?? rawName.trim().toLowerCase();
    if (name.length === 1) name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    applyHeader(message, name, value);
  }

  // Body: honour Content-Length, tolerate truncation (the debug dump may be cut).
  let end = headEnd.bodyStart;
  if (headEnd.bodyStart < 0) {
    end = text.length;
  } else {
    const available = text.length - headEnd.bodyStart;
    let bodyLength = available;
    if (message.contentLength !== undefined) {
      if (message.contentLength > available) warnings.push(`body truncated: Content-Length ${message.contentLength}, ${available} bytes present`);
      bodyLength = Math.min(message.contentLength, available);
    }
    message.body = text.slice(headEnd.bodyStart, headEnd.bodyStart + bodyLength);
    end = headEnd.bodyStart + bodyLength;
  }
  if (!message.callId) warnings.push('no Call-ID');
  if (!message.cseq) warnings.push('no CSeq');
  return { message, end };
}

/** Index of the blank line ending the head (CRLFCRLF or LFLF), and where the body starts (-1: no blank line). */
function findHeadEnd(text: string, start: number): { index: number; bodyStart: number } {
  let i = text.indexOf('\n', start);
  while (i >= 0) {
    let j = i + 1;
    if (text.charCodeAt(j) === 13) j++;
    if (text.charCodeAt(j) === 10) return { index: i, bodyStart: j + 1 };
    i = text.indexOf('\n', j);
  }
  return { index: text.length, bodyStart: -1 };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function applyHeader(m: SipMessage, name: string, value: string): void {
  switch (name) {
    case 'call-id':
      m.callId ??= value.slice(0, 256);
      break;
    case 'cseq': {
      const cs = /^(\d{1,10})\s+([A-Za-z]{1,20})/.exec(value);
      if (cs) m.cseq ??= { seq: Number(cs[1]), method: cs[2].toUpperCase() };
      else m.warnings.push(`bad CSeq: ${value.slice(0, 60)}`);
      break;
    }
    case 'from':
      m.from ??= parseNameAddr(value);
      break;
    case 'to':
      m.to ??= parseNameAddr(value);
      break;
    case 'via':
      // Only the top Via matters here (the hop that sent the packet).
      m.via ??= parseVia(value);
      break;
    case 'contact':
      if (value !== '*') m.contact ??= parseNameAddr(value);
      break;
    case 'expires':
      m.expires = toInt(value);
      break;
    case 'max-forwards':
      m.maxForwards = toInt(value);
      break;
    case 'user-agent':
      m.userAgent = value.slice(0, 200);
      break;
    case 'server':
      m.server = value.slice(0, 200);
      break;
    case 'content-type':
      m.contentType = value.toLowerCase().slice(0, 100);
      break;
    case 'content-length':
      m.contentLength = toInt(value);
      break;
    case 'reason':
      m.reasonHeader = value.slice(0, 200);
      break;
    case 'warning':
      m.warning = value.slice(0, 200);
      break;
    case 'authorization':
    case 'proxy-authorization':
      m.hasAuthorization = true;
      break;
  }
}

function toInt(value: string): number | undefined {
  const n = /^\d{1,10}/.exec(value.trim());
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
    const display = value.slice(0, lt).trim().replace(/^"|"$/g, '').trim();
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
  const cut = rest.search(/[;?]/);
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
  const first = value.split(',')[0];
  const via: SipVia = {};
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]{2,5})\s+([^;\s]+)/i.exec(first.trim());
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
