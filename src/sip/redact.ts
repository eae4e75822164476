import { classifyIpv4, parseIpv4, type AddressClass } from './address';

/**
 * Redaction for everything posted to chat or attached: SIP user parts and phone numbers (`sip:USER@`, `tel:`,
 * `USER@host`, display names in From/To/Contact/P-Asserted-Identity) and IPv4 addresses become stable pseudonyms
 * (`user-1`, `ip-1`): the same input gives the same token for the life of one redactor, so ladders and tables stay
 * readable and correlatable. Hex dumps of `sip port N read [(0,LEN)(HEX)(TEXT)]` records are decoded, redacted and
 * re-encoded (LEN fixed up) so the raw attachment does not leak through the hex.
 * docs/domain.md: levels 32/64 dump phone numbers and digest headers; treat captures as sensitive.
 */
export type Redactor = ((text: string) => string) & {
  /** The same pseudonyms for a packet capture, where an address must stay an address (see `pseudonymAddress`). */
  packet: PacketRedaction;
};

/** Redaction of a SIP message's text and of the addresses in its IP headers, consistent with the chat's `ip-N`. */
export interface PacketRedaction {
  /** SIP text: users as in chat (`user-N`), IPv4 addresses as their pseudonym addresses. */
  text(text: string): string;
  /** An IPv4 address's pseudonym address (the address itself when addresses are not redacted). */
  address(ip: string): string;
}

/** The packet redaction of a redactor made by `createRedactor`, or undefined for any other function. */
export function packetRedactionOf(redact: ((text: string) => string) | undefined): PacketRedaction | undefined {
  const packet = (redact as Partial<Redactor> | undefined)?.packet;
  return packet && typeof packet.text === 'function' && typeof packet.address === 'function' ? packet : undefined;
}

/**
 * The address that stands for `ip-N` in a capture file: N in the low bits of a range of the same kind as the real
 * address, so a private address stays private and a public one public (the NAT checks still read right in
 * Wireshark) while no real address shows: RFC 1918 → 10.0.0.0/8, CGNAT → 100.64.0.0/10, link-local →
 * 169.254.0.0/16, loopback → 127.0.0.0/8, public → 198.18.0.0/15 (RFC 2544, never routed), anything else →
 * 240.0.0.0/4 (reserved). The ranges do not overlap, so two addresses never share a pseudonym.
 */
export function pseudonymAddress(n: number, kind: AddressClass): string {
  const [base, size] = PSEUDONYM_RANGES[kind];
  const value = (base + (n % size)) >>> 0;
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

const PSEUDONYM_RANGES: Record<AddressClass, [number, number]> = {
  private: [0x0a000000, 1 << 24],
  cgnat: [0x64400000, 1 << 22],
  'link-local': [0xa9fe0000, 1 << 16],
  loopback: [0x7f000000, 1 << 24],
  public: [0xc6120000, 1 << 17],
  unspecified: [0, 1],
  other: [0xf0000000, 1 << 28],
};

export function createRedactor(opts: { users: boolean; addresses: boolean }): Redactor {
  const users = new Map<string, string>();
  const addresses = new Map<string, string>();

  const userToken = (value: string): string => {
    let t = users.get(value);
    if (!t) {
      t = `user-${users.size + 1}`;
      users.set(value, t);
    }
    return t;
  };
  const addressToken = (value: string): string => {
    let t = addresses.get(value);
    if (!t) {
      t = `ip-${addresses.size + 1}`;
      addresses.set(value, t);
    }
    return t;
  };
  /** Pseudonyms are never redacted again (the redactor may see its own output). */
  const isToken = (v: string) => /^(?:user|ip)-\d+$/.test(v);

  /** `ip-N` in chat; in a capture file, the pseudonym address for N. */
  const packetAddress = (value: string): string => {
    const token = addressToken(value);
    return pseudonymAddress(Number(token.slice(3)), classifyIpv4(value));
  };

  const redactPlain = (text: string, asAddresses = false): string => {
    let out = text;
    if (opts.users) {
      out = out
        // Display names: `From: "Alice Smith" <sip:...>`, `To: Bob <sip:...>` (also in the `..`-joined text dump).
        .replace(DISPLAY_NAME, (m: string, head: string, quoted: string | undefined, bare: string | undefined) => {
          const name = (quoted ?? bare ?? '').trim();
          if (!name || isToken(name)) return m;
          return quoted !== undefined ? `${head}"${userToken(name)}" <` : `${head}${userToken(name)} <`;
        })
        .replace(SIP_USER, (m: string, scheme: string, user: string) => (isToken(user) ? m : `${scheme}${userToken(user)}@`))
        .replace(TEL_URI, (m: string, num: string) => (isToken(num) ? m : `tel:${userToken(num)}`))
        .replace(BARE_USER, (m: string, pre: string, user: string) => (isToken(user) || user.length < 2 ? m : `${pre}${userToken(user)}@`));
      // Users learned above also appear bare (tables, titles): replace whole tokens that hold digits (numbers, extensions).
      out = out.replace(WORD, (w: string) => {
        const t = users.get(w);
        return t && /\d{3}/.test(w) ? t : w;
      });
    }
    if (opts.addresses) {
      out = out.replace(IPV4, (m: string) => (parseIpv4(m) ? (asAddresses ? packetAddress(m) : addressToken(m)) : m));
    }
    return out;
  };

  const redactor = (text: string): string => {
    if (!opts.users && !opts.addresses) return text;
    const withHex = text.replace(HEX_RECORD, (m: string, offset: string, _len: string, hex: string) => {
      const compact = hex.replace(/\s+/g, '');
      if (compact.length % 2 !== 0) return m;
      const decoded = Buffer.from(compact, 'hex');
      if (decoded.length * 2 !== compact.length) return m;
      const redacted = Buffer.from(redactPlain(decoded.toString('latin1')), 'latin1');
      return `(${offset},${redacted.length})(${redacted.toString('hex')})`;
    });
    return redactPlain(withHex);
  };
  const packet: PacketRedaction = {
    text: (text) => (opts.users || opts.addresses ? redactPlain(text, true) : text),
    address: (ip) => (opts.addresses && parseIpv4(ip) ? packetAddress(ip) : ip),
  };
  return Object.assign(redactor, { packet });
}

/** `(0,515)(494e56...)`: the hex dump of a debug record (possibly wrapped). Linear: one class run, then a literal. */
const HEX_RECORD = /\((\d{1,9}),(\d{1,9})\)\s?\(([0-9a-fA-F][0-9a-fA-F\s]{15,})\)/g;
const DISPLAY_NAME = /((?:^|[\s.])(?:From|To|Contact|P-Asserted-Identity|P-Preferred-Identity|Remote-Party-ID|[ftm])[ \t]*:[ \t]*)(?:"([^"\r\n]{1,80})"|([^"<>\r\n;,:]{1,80}?))[ \t]*</gim;
const SIP_USER = /(sips?:)([^@\s<>;:"]{1,64})@/gi;
const TEL_URI = /tel:(\+?[\d\-.()]{3,32})/gi;
/** `1001@pbx.example.com` in tables (no scheme). The look-behind keeps `sip:` cases to SIP_USER. */
const BARE_USER = /(^|[\s(,"'<→>])([\w.+-]{1,64})@(?=[\w[])/g;
const WORD = /[+\w][\w.+-]*/g;
const IPV4 = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.]*\d)/g;
