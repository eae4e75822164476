/**
 * IPv4 address classes for the NAT checks (docs/sip.md "NAT and one-way audio"): RFC 1918 private ranges,
 * 100.64.0.0/10 carrier-grade NAT (RFC 6598), 169.254.0.0/16 link-local and 127.0.0.0/8 loopback are never valid on
 * the public side of a NAT.
 */

/** Parses dotted-quad IPv4, or returns null. A character loop, no regex or split: it runs for every message. */
export function parseIpv4(text: string): [number, number, number, number] | null {
  const out: [number, number, number, number] = [0, 0, 0, 0];
  return scanIpv4(text, out) ? out : null;
}

/** Validates dotted-quad IPv4, filling `out` when given. */
export function scanIpv4(text: string, out?: number[]): boolean {
  if (text.length < 7 || text.length > 15) return false;
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      if (out) out[part] = value;
      part++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  if (part !== 3 || digits === 0) return false;
  if (out) out[3] = value;
  return true;
}

export type AddressClass = 'public' | 'private' | 'cgnat' | 'link-local' | 'loopback' | 'unspecified' | 'other';

export function classifyIpv4(text: string): AddressClass {
  // First two octets by hand (no allocation: this runs for every message), then a full validity check.
  const dot1 = text.indexOf('.');
  const dot2 = dot1 > 0 ? text.indexOf('.', dot1 + 1) : -1;
  if (dot2 < 0 || !scanIpv4(text)) return 'other';
  const a = Number(text.slice(0, dot1));
  const b = Number(text.slice(dot1 + 1, dot2));
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a >= 224) return 'other';
  return 'public';
}

/** True for addresses that cannot be reached from the Internet (the NAT-problem classes). */
export function isNonRoutable(text: string): boolean {
  const c = classifyIpv4(text);
  return c === 'private' || c === 'cgnat' || c === 'link-local' || c === 'loopback';
}

export function isPublic(text: string): boolean {
  return classifyIpv4(text) === 'public';
}

/** `10.0.0.5:5060` → `10.0.0.5`. */
export function hostOf(endpoint: string): string {
  const colon = endpoint.lastIndexOf(':');
  return colon > 0 ? endpoint.slice(0, colon) : endpoint;
}
