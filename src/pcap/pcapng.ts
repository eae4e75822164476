/**
 * pcapng blocks (IETF draft-ietf-opsawg-pcapng): Section Header, Interface Description and Enhanced Packet Blocks,
 * little-endian. pcapng rather than classic pcap for one reason: per-packet comments (`opt_comment`), which say when
 * a packet was rebuilt from the debug's text column, cut, or is the decrypted view of a TLS connection. Wireshark,
 * tshark and libpcap ≥ 1.1 (so sngrep) read it, whatever the file's extension.
 */

export const LINKTYPE_RAW = 101;

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;

/** Largest packet a reader must accept (tshark's own snap length): our packets are at most 64 KB plus headers. */
export const SNAP_LENGTH = 262144;

interface Option {
  code: number;
  value: Buffer;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function optionsLength(options: Option[]): number {
  if (options.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of options) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(buf: Buffer, at: number, options: Option[]): number {
  if (options.length === 0) return at;
  let p = at;
  for (const o of options) {
    buf.writeUInt16LE(o.code, p);
    buf.writeUInt16LE(o.value.length, p + 2);
    o.value.copy(buf, p + 4);
    const padded = pad4(o.value.length);
    buf.fill(0, p + 4 + o.value.length, p + 4 + padded);
    p += 4 + padded;
  }
  buf.writeUInt32LE(OPT_END, p);
  return p + 4;
}

/** Comments are UTF-8 and at most 65535 bytes (the option length is 16 bits). */
function textOption(code: number, text: string): Option {
  let value = Buffer.from(text, 'utf8');
  if (value.length > 0xffff) value = value.subarray(0, 0xffff);
  return { code, value };
}

/** The file's start: a Section Header Block and one Interface Description Block (LINKTYPE_RAW, microseconds). */
export function fileHeader(opts: { application: string; interfaceName: string }): Buffer {
  const shbOptions = [textOption(SHB_USERAPPL, opts.application)];
  const shbLength = 28 + optionsLength(shbOptions);
  const idbOptions = [textOption(IF_NAME, opts.interfaceName), { code: IF_TSRESOL, value: Buffer.from([6]) }];
  const idbLength = 20 + optionsLength(idbOptions);
  const buf = Buffer.alloc(shbLength + idbLength);
  buf.writeUInt32LE(SHB, 0);
  buf.writeUInt32LE(shbLength, 4);
  buf.writeUInt32LE(BYTE_ORDER_MAGIC, 8);
  buf.writeUInt16LE(1, 12);
  buf.writeUInt16LE(0, 14);
  buf.writeInt32LE(-1, 16); // section length unknown (a streamed file)
  buf.writeInt32LE(-1, 20);
  let p = writeOptions(buf, 24, shbOptions);
  buf.writeUInt32LE(shbLength, p);
  p += 4;
  const idb = p;
  buf.writeUInt32LE(IDB, idb);
  buf.writeUInt32LE(idbLength, idb + 4);
  buf.writeUInt16LE(LINKTYPE_RAW, idb + 8);
  buf.writeUInt16LE(0, idb + 10);
  buf.writeUInt32LE(SNAP_LENGTH, idb + 12);
  p = writeOptions(buf, idb + 16, idbOptions);
  buf.writeUInt32LE(idbLength, p);
  return buf;
}

/** One Enhanced Packet Block on interface 0. `timeUs`: microseconds since the Unix epoch. */
export function packetBlock(packet: Buffer, timeUs: number, comments: readonly string[] = []): Buffer {
  const options = comments.map((c) => textOption(OPT_COMMENT, c));
  const length = 32 + pad4(packet.length) + optionsLength(options);
  const buf = Buffer.allocUnsafe(length);
  buf.writeUInt32LE(EPB, 0);
  buf.writeUInt32LE(length, 4);
  buf.writeUInt32LE(0, 8);
  buf.writeUInt32LE(Math.floor(timeUs / 0x100000000), 12);
  buf.writeUInt32LE(timeUs % 0x100000000 >>> 0, 16);
  buf.writeUInt32LE(packet.length, 20);
  buf.writeUInt32LE(packet.length, 24);
  packet.copy(buf, 28);
  buf.fill(0, 28 + packet.length, 28 + pad4(packet.length));
  const p = writeOptions(buf, 28 + pad4(packet.length), options);
  buf.writeUInt32LE(length, p);
  return buf;
}
