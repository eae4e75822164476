/**
 * IP packets for a capture file: IPv4 (RFC 791) or IPv6 (RFC 8200) carrying UDP (RFC 768) or TCP (RFC 9293), with
 * correct lengths and checksums. Pure: bytes in, bytes out. The file's link type is LINKTYPE_RAW (101), so a packet
 * starts at its IP header (no Ethernet: the debug gives no MAC addresses and inventing some adds nothing).
 */

export type Transport = 'udp' | 'tcp';

export interface IpAddress {
  version: 4 | 6;
  bytes: Uint8Array;
}

export interface PacketSpec {
  src: IpAddress;
  dst: IpAddress;
  srcPort: number;
  dstPort: number;
  transport: Transport;
  payload: Buffer;
  /** TCP only. */
  seq?: number;
  ack?: number;
  /** IPv4 identification (wraps at 16 bits). */
  ipId?: number;
}

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const PROTO_UDP = 17;
const PROTO_TCP = 6;

/** The largest payload one packet of this shape can carry (IPv4 total length and the IPv6 payload length are 16 bits). */
export function maxPayload(version: 4 | 6, transport: Transport): number {
  const l4 = transport === 'udp' ? UDP_HEADER : TCP_HEADER;
  return version === 4 ? 0xffff - IPV4_HEADER - l4 : 0xffff - l4;
}

/** Builds one packet. The payload must fit (`maxPayload`); the two addresses must be of the same version. */
export function buildPacket(spec: PacketSpec): Buffer {
  const { src, dst, transport, payload } = spec;
  if (src.version !== dst.version) throw new Error('source and destination of different IP versions');
  if (payload.length > maxPayload(src.version, transport)) throw new Error(`payload of ${payload.length} bytes does not fit one packet`);
  const ipHeader = src.version === 4 ? IPV4_HEADER : IPV6_HEADER;
  const l4Header = transport === 'udp' ? UDP_HEADER : TCP_HEADER;
  const l4Length = l4Header + payload.length;
  const packet = Buffer.allocUnsafe(ipHeader + l4Length);
  const proto = transport === 'udp' ? PROTO_UDP : PROTO_TCP;

  if (src.version === 4) {
    packet[0] = 0x45;
    packet[1] = 0;
    packet.writeUInt16BE(ipHeader + l4Length, 2);
    packet.writeUInt16BE((spec.ipId ?? 0) & 0xffff, 4);
    packet.writeUInt16BE(0x4000, 6); // don't fragment, offset 0
    packet[8] = 64;
    packet[9] = proto;
    packet.writeUInt16BE(0, 10);
    packet.set(src.bytes, 12);
    packet.set(dst.bytes, 16);
    packet.writeUInt16BE(finish(sum16(packet, 0, IPV4_HEADER, 0)), 10);
  } else {
    packet.writeUInt32BE(0x60000000, 0);
    packet.writeUInt16BE(l4Length, 4);
    packet[6] = proto;
    packet[7] = 64;
    packet.set(src.bytes, 8);
    packet.set(dst.bytes, 24);
  }

  const l4 = ipHeader;
  packet.writeUInt16BE(spec.srcPort, l4);
  packet.writeUInt16BE(spec.dstPort, l4 + 2);
  let checksumAt: number;
  if (transport === 'udp') {
    packet.writeUInt16BE(l4Length, l4 + 4);
    packet.writeUInt16BE(0, l4 + 6);
    checksumAt = l4 + 6;
  } else {
    packet.writeUInt32BE((spec.seq ?? 0) >>> 0, l4 + 4);
    packet.writeUInt32BE((spec.ack ?? 0) >>> 0, l4 + 8);
    packet[l4 + 12] = (TCP_HEADER / 4) << 4;
    packet[l4 + 13] = 0x18; // PSH + ACK: a data segment of an established connection
    packet.writeUInt16BE(0xffff, l4 + 14); // window
    packet.writeUInt16BE(0, l4 + 16);
    packet.writeUInt16BE(0, l4 + 18); // urgent pointer
    checksumAt = l4 + 16;
  }
  packet.set(payload, l4 + l4Header);

  // Pseudo-header (RFC 768 / RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for IPv6): addresses, protocol, L4 length.
  let pseudo = sumBytes(src.bytes) + sumBytes(dst.bytes) + proto;
  pseudo += src.version === 4 ? l4Length : (l4Length >>> 16) + (l4Length & 0xffff);
  let checksum = finish(sum16(packet, l4, packet.length, pseudo));
  // UDP: a computed 0 is sent as 0xFFFF (0 means "no checksum").
  if (transport === 'udp' && checksum === 0) checksum = 0xffff;
  packet.writeUInt16BE(checksum, checksumAt);
  return packet;
}

/** One's complement sum of big-endian 16-bit words over buf[from, to), odd last byte padded with zero. */
function sum16(buf: Uint8Array, from: number, to: number, initial: number): number {
  let sum = initial;
  let i = from;
  // Carries are folded every 32K words at the latest, so the sum stays an exact small integer.
  for (; i + 1 < to; i += 2) {
    sum += (buf[i] << 8) | buf[i + 1];
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (i < to) sum += buf[i] << 8;
  return sum;
}

function sumBytes(bytes: Uint8Array): number {
  return sum16(bytes, 0, bytes.length, 0);
}

function finish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

// ------------------------------------------------------------------ addresses

/** `192.0.2.1` or an IPv6 text form (RFC 4291 §2.2, with `::` and a trailing dotted quad). Null when neither. */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIpv4Bytes(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIpv6Bytes(text);
  return v6 ? { version: 6, bytes: v6 } : null;
}

function parseIpv4Bytes(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6Bytes(input: string): Uint8Array | null {
  // A zone (`%eth0`) names a local interface: not part of the address on the wire.
  const text = input.includes('%') ? input.slice(0, input.indexOf('%')) : input;
  if (text.length < 2 || text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4Bytes(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/**
 * `A:p` as the debug writes an endpoint: `192.0.2.1:5060`, `[2001:db8::1]:5060`, or a bare IPv6 address with the
 * port after its last colon (`2001:db8::1:5060`, the only reading that leaves a port). Null when it is neither.
 */
export function parseEndpoint(endpoint: string): { ip: string; address: IpAddress; port: number } | null {
  let host: string;
  let portText: string;
  if (endpoint.startsWith('[')) {
    const close = endpoint.indexOf(']');
    if (close < 0 || endpoint[close + 1] !== ':') return null;
    host = endpoint.slice(1, close);
    portText = endpoint.slice(close + 2);
  } else {
    const colon = endpoint.lastIndexOf(':');
    if (colon <= 0) return null;
    host = endpoint.slice(0, colon);
    portText = endpoint.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port > 65535) return null;
  const address = parseIp(host);
  return address ? { ip: host, address, port } : null;
}
