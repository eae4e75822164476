import { parse } from 'sdp-transform';
import { sdpMedia, type SdpMedia } from '../../src/sip/sdp';

/** The previous implementation on top of sdp-transform's full parse: the one-pass reader must agree with it. */
function reference(body: string): SdpMedia[] {
  if (!body || body.length > 16384) return [];
  const STATIC: Record<string, string> = { '0': 'PCMU', '3': 'GSM', '4': 'G723', '8': 'PCMA', '9': 'G722', '18': 'G729' };
  const session = parse(body);
  const sessionAddress = session.connection?.ip;
  const out: SdpMedia[] = [];
  for (const m of session.media ?? []) {
    if (out.length >= 8) break;
    const ip = m.connection?.ip ?? sessionAddress;
    // sdp-transform makes a numeric-looking address a number; sdpMedia keeps text (see src/sip/sdp.ts).
    const address = ip === undefined ? '' : String(ip);
    const rtpNames = new Map<string, string>();
    for (const r of m.rtp ?? []) rtpNames.set(String(r.payload), r.codec);
    const codecs: string[] = [];
    for (const p of String(m.payloads ?? '').split(' ')) {
      if (!p || codecs.length >= 8) continue;
      codecs.push(rtpNames.get(p) ?? STATIC[p] ?? p);
    }
    const direction = m.direction ?? session.direction;
    const media: SdpMedia = { type: m.type, address, port: Number(m.port), codecs };
    if (direction) media.direction = direction;
    out.push(media);
  }
  return out;
}

const OFFER = ['v=0', 'o=- 3912 3912 IN IP4 10.0.0.5', 's=call', 'c=IN IP4 10.0.0.5', 't=0 0', 'm=audio 4000 RTP/AVP 0 8 18 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', 'm=video 0 RTP/AVP 96', 'c=IN IP4 203.0.113.9', 'a=rtpmap:96 H264/90000', 'a=inactive', ''].join('\r\n');

describe('sdpMedia', () => {
  it('reads address, port, codecs (rtpmap or static) and direction per m= line', () => {
    expect(sdpMedia(OFFER)).toEqual([
      { type: 'audio', address: '10.0.0.5', port: 4000, codecs: ['PCMU', 'PCMA', 'G729', 'telephone-event'], direction: 'sendrecv' },
      { type: 'video', address: '203.0.113.9', port: 0, codecs: ['H264'], direction: 'inactive' },
    ]);
  });

  it('session-level direction applies to media without their own; LF and CR line ends', () => {
    const body = 'v=0\nc=IN IP4 192.0.2.1\na=recvonly\rm=audio 5004 RTP/AVP 9\n';
    expect(sdpMedia(body)).toEqual([{ type: 'audio', address: '192.0.2.1', port: 5004, codecs: ['G722'], direction: 'recvonly' }]);
  });

  it('keeps a numeric-looking c= address as text', () => {
    expect(sdpMedia('c=IN IP4 123\r\nm=audio 1 RTP/AVP 0\r\n')[0].address).toBe('123');
  });

  it('agrees with sdp-transform on mutated bodies', () => {
    let seed = 2024;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const alphabet = ['\r', '\n', '\r\n', ' ', '/', ':', '=', 'a=', 'c=', 'm=', 'rtpmap:', 'sendonly', '0', '9', 'x', 'IN IP4 ', '\u2028', '\u00a0', 'é', '_', '-', 'NaN', '.'];
    for (let round = 0; round < 3000; round++) {
      let body = OFFER;
      const edits = 1 + Math.floor(next() * 8);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(next() * body.length);
        const r = next();
        if (r < 0.4) body = body.slice(0, at) + body.slice(at + 1 + Math.floor(next() * 6));
        else body = body.slice(0, at) + alphabet[Math.floor(next() * alphabet.length)] + body.slice(at);
      }
      if (round % 50 === 0) body += 'm=audio 1 RTP/AVP 0\r\na=sendonly\r\n'.repeat(1 + (round % 11));
      const got = sdpMedia(body);
      const want = reference(body);
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`differs on ${JSON.stringify(body)}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    }
  });
});
