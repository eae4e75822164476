import { parseIpv4 } from './address';

/**
 * Redaction for everything posted to chat or attached: SIP user parts and phone numbers (`sip:USER@`, `tel:`,
 * `USER@host`, display names in From/To/Contact/P-Asserted-Identity) and IPv4 addresses become stable pseudonyms
 * (`user-1`, `ip-1`): the same input gives the same token for the life of one redactor, so ladders and tables stay
 * readable and correlatable. Hex dumps of `sip port N read [(0,LEN)(HEX)(TEXT)]` records are decoded, redacted and
 * re-encoded (LEN fixed up) so the raw attachment does not leak through the hex.
 * DOMAIN.md: levels 32/64 dump phone numbers and digest headers; treat captures as sensitive.
 */
export function createRedactor(opts: { users: boolean; addresses: boolean }): (text: string) => string {
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

  const redactPlain = (text: string): string => {
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
      out = out.replace(IPV4, (m: string) => (parseIpv4(m) ? addressToken(m) : m));
    }
    return out;
  };

  return (text: string): string => {
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
