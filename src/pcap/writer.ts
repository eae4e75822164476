import type { CapturedSipMessage } from '../sip/analyzer';
import type { PacketRedaction } from '../sip/redact';
import { buildPacket, maxPayload, parseEndpoint, parseIp, type IpAddress, type Transport } from './packet';
import { fileHeader, packetBlock } from './pcapng';

/**
 * SIP debug → capture file, one packet per SIP message the analyzer rebuilt, streamed: each packet is handed to
 * `write` as it is made, so the file can be of any size and nothing but a little TCP state is kept.
 *
 * - Link type LINKTYPE_RAW; IPv4 or IPv6 as the debug wrote the endpoints.
 * - UDP unless the top Via names a stream transport: TCP, or TLS framed as TCP with a comment (the ALG logs the
 *   decrypted bytes). TCP segments carry plausible per-direction sequence numbers.
 * - Times from the console timestamps; messages within one timestamp keep their order 1 µs apart; without any
 *   timestamp, the capture's start plus 1 ms per message.
 * - With a redaction, addresses in the IP headers and the SIP text become the same pseudonym addresses, and
 *   Content-Length follows the redacted body.
 * - `maxBytes` bounds the file: once a packet would pass it, it and all later ones are left out and `cut` is set.
 */
export interface SipPcapOptions {
  write: (chunk: Buffer) => void;
  /** ms since the epoch: the first packet's time when the capture has no console timestamps. */
  startMs: number;
  maxBytes?: number;
  redaction?: PacketRedaction;
}

const UNKNOWN_ENDPOINT = { ip: '0.0.0.0', address: { version: 4 as const, bytes: new Uint8Array(4) }, port: 5060 };
const MAX_TCP_STREAMS = 10000;
const MAX_ENDPOINTS_CACHED = 4096;
const MAX_STEP_IN_SECOND = 999_999;

export class SipPcapWriter {
  /** Packets written, file bytes written, SIP messages left out by the size bound. */
  packets = 0;
  bytes = 0;
  leftOut = 0;
  cut = false;
  /** Public: the live check sets it when the capture starts. */
  startMs: number;

  private readonly write: (chunk: Buffer) => void;
  private readonly maxBytes: number;
  private readonly redaction?: PacketRedaction;
  private baseMs: number | undefined;
  private step = 0;
  private messages = 0;
  private ipId = 0;
  /** Next sequence number per TCP direction (`src>dst` as the debug wrote it). */
  private readonly tcpNext = new Map<string, number>();
  private readonly endpoints = new Map<string, ReturnType<typeof parseEndpoint>>();

  constructor(opts: SipPcapOptions) {
    this.write = opts.write;
    this.startMs = opts.startMs;
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    this.redaction = opts.redaction;
    this.emit(fileHeader({ application: 'sip-check (FortiGate SIP debug converted to packets)', interfaceName: 'fortigate-sip-debug' }));
  }

  /** One SIP message as the analyzer rebuilt it. */
  add(m: CapturedSipMessage): void {
    const timeUs = this.clock(m.record.timeMs);
    if (this.cut) {
      this.leftOut++;
      return;
    }
    const ev = m.record;
    const comments: string[] = [`FortiGate debug: sip port ${ev.port} ${ev.io}${ev.timestamp ? ` at ${ev.timestamp}` : ''}`];
    let src = ev.src === undefined ? null : this.endpoint(ev.src);
    let dst = ev.dst === undefined ? null : this.endpoint(ev.dst);
    if (!src || !dst || src.address.version !== dst.address.version) {
      comments.push(`endpoints not usable from the debug (${ev.src ?? '?'} -> ${ev.dst ?? '?'}): written as 0.0.0.0`);
      src = { ...UNKNOWN_ENDPOINT, port: src?.port ?? 5060 };
      dst = { ...UNKNOWN_ENDPOINT, port: dst?.port ?? 5060 };
    }

    let text = m.text;
    let srcAddress = src.address;
    let dstAddress = dst.address;
    if (this.redaction) {
      const redacted = this.redaction.text(text);
      text = redacted === text ? text : fixContentLength(text, redacted);
      srcAddress = this.pseudonym(src.ip, src.address);
      dstAddress = this.pseudonym(dst.ip, dst.address);
    }

    const via = m.message.via?.transport;
    let transport: Transport = 'udp';
    if (via === 'TCP' || via === 'WS') transport = 'tcp';
    else if (via === 'TLS' || via === 'WSS') {
      transport = 'tcp';
      comments.push(`SIP over ${via} on the wire: these are the decrypted bytes the SIP ALG logged, framed as plain TCP`);
    } else if (via && via !== 'UDP') comments.push(`Via transport ${via}: framed as UDP`);
    if (!ev.exact) {
      comments.push(ev.cut
        ? 'the debug record was cut: this message is incomplete'
        : "rebuilt from the debug's text column (no complete hex dump): CR LF restored where it showed '..'; bytes may differ from the wire");
    } else if (ev.cut) comments.push('the debug record was cut: this message may be incomplete');
    if (m.retransmission) comments.push('retransmission: same transaction and direction as an earlier message');

    let payload = Buffer.from(text, 'utf8');
    const room = maxPayload(srcAddress.version, transport);
    const blocks: Buffer[] = [];
    if (transport === 'udp') {
      if (payload.length > room) {
        comments.push(`message of ${payload.length} bytes cut to ${room}: more than one UDP datagram can carry`);
        payload = payload.subarray(0, room);
      }
      blocks.push(packetBlock(buildPacket({ src: srcAddress, dst: dstAddress, srcPort: src.port, dstPort: dst.port, transport, payload, ipId: this.ipId++ }), timeUs, comments));
    } else {
      const key = `${ev.src ?? '?'}>${ev.dst ?? '?'}`;
      const back = `${ev.dst ?? '?'}>${ev.src ?? '?'}`;
      let seq = this.tcpNext.get(key) ?? initialSeq(key);
      const ack = this.tcpNext.get(back) ?? initialSeq(back);
      // A message larger than one packet goes as consecutive segments of the same stream (only the first commented).
      for (let at = 0; at < payload.length || at === 0; at += room) {
        const segment = payload.subarray(at, at + room);
        blocks.push(packetBlock(buildPacket({ src: srcAddress, dst: dstAddress, srcPort: src.port, dstPort: dst.port, transport, payload: segment, seq, ack, ipId: this.ipId++ }), timeUs, at === 0 ? comments : []));
        seq = (seq + segment.length) >>> 0;
        if (payload.length === 0) break;
      }
      if (this.tcpNext.size >= MAX_TCP_STREAMS && !this.tcpNext.has(key)) this.tcpNext.clear();
      this.tcpNext.set(key, seq);
    }
    const size = blocks.reduce((n, b) => n + b.length, 0);
    if (this.bytes + size > this.maxBytes) {
      this.cut = true;
      this.leftOut++;
      return;
    }
    for (const b of blocks) this.emit(b);
    this.packets += blocks.length;
  }

  /** Endpoints repeat from message to message: parsed once (bounded cache). */
  private endpoint(text: string): ReturnType<typeof parseEndpoint> {
    let known = this.endpoints.get(text);
    if (known === undefined) {
      if (this.endpoints.size >= MAX_ENDPOINTS_CACHED) this.endpoints.clear();
      known = parseEndpoint(text);
      this.endpoints.set(text, known);
    }
    return known;
  }

  private emit(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.write(chunk);
  }

  /** Microseconds since the epoch for the next message. */
  private clock(timeMs: number | undefined): number {
    const index = this.messages++;
    if (timeMs !== undefined && timeMs !== this.baseMs) {
      this.baseMs = timeMs;
      this.step = 0;
      return timeMs * 1000;
    }
    if (this.baseMs !== undefined) {
      // Same console timestamp (or none after some): the order, 1 µs apart, never into the next second.
      this.step = Math.min(this.step + 1, MAX_STEP_IN_SECOND - (this.baseMs % 1000) * 1000);
      return this.baseMs * 1000 + this.step;
    }
    return (this.startMs + index) * 1000;
  }

  private pseudonym(ip: string, address: IpAddress): IpAddress {
    if (address.version !== 4 || ip === '0.0.0.0') return address;
    const mapped = parseIp(this.redaction!.address(ip));
    return mapped && mapped.version === 4 ? mapped : address;
  }
}

/** A deterministic, plausible initial sequence number per direction (no clock, no randomness: same input, same file). */
function initialSeq(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const HEAD_END = /\r?\n\r?\n/;
const CONTENT_LENGTH = /^(content-length|l)([ \t]*:[ \t]*)(\d{1,9})/im;

/**
 * After redaction changed a message, its Content-Length is set to the new body's byte length, when it matched the
 * original body (a truncated message keeps its header as it was).
 */
export function fixContentLength(original: string, redacted: string): string {
  const o = HEAD_END.exec(original);
  const r = HEAD_END.exec(redacted);
  if (!o || !r) return redacted;
  const oHead = original.slice(0, o.index);
  const declared = CONTENT_LENGTH.exec(oHead);
  if (!declared || Number(declared[3]) !== Buffer.byteLength(original.slice(o.index + o[0].length))) return redacted;
  const head = redacted.slice(0, r.index);
  const newLength = Buffer.byteLength(redacted.slice(r.index + r[0].length));
  return head.replace(CONTENT_LENGTH, (_m, name: string, sep: string) => `${name}${sep}${newLength}`) + redacted.slice(r.index);
}

/** `sip-check-<firewall>-<UTC time>.pcap`, the time as `20240502T101112Z` (no colons: they are not valid everywhere). */
export function pcapFileName(firewall: string, at: Date): string {
  const utc = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `sip-check-${firewall}-${utc}.pcap`;
}
