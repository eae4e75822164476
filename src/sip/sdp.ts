import { parse } from 'sdp-transform';

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

/**
 * Media of an SDP body. `i=` is ignored on purpose: the ALG's NAT trace writes the original private address there
 * (`i=(o=IN IP4 10.x.x.x)`), which is not a fault (../shared/SIP.md).
 */
export function sdpMedia(body: string): SdpMedia[] {
  if (!body || body.length > MAX_SDP) return [];
  let session: ReturnType<typeof parse>;
  try {
    session = parse(body);
  } catch {
    return [];
  }
  const sessionAddress = session.connection?.ip;
  const out: SdpMedia[] = [];
  for (const m of session.media ?? []) {
    if (out.length >= MAX_MEDIA) break;
    const address = m.connection?.ip ?? sessionAddress ?? '';
    const rtpNames = new Map<string, string>();
    for (const r of m.rtp ?? []) rtpNames.set(String(r.payload), r.codec);
    const codecs: string[] = [];
    for (const p of String(m.payloads ?? '').split(' ')) {
      if (!p || codecs.length >= 8) continue;
      codecs.push(rtpNames.get(p) ?? STATIC_PAYLOADS[p] ?? p);
    }
    const direction = m.direction ?? session.direction;
    const media: SdpMedia = { type: m.type, address, port: Number(m.port), codecs };
    if (direction) media.direction = direction;
    out.push(media);
  }
  return out;
}
