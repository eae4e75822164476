/**
 * SipStreamJoiner: a SIP message a TCP or TLS connection delivered in several debug reads becomes one message; a
 * UDP datagram is never held; anything that does not continue releases what was held, in order.
 */
import type { DebugMessageEvent } from '../../src/sip/reader';
import { SipStreamJoiner } from '../../src/sip/reassembly';

const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const invite = (transport: string, id = 'j1') =>
  `INVITE sip:2002@pbx.example.com SIP/2.0\r\nVia: SIP/2.0/${transport} 192.0.2.10:5060;branch=z9hG4bK-${id}\r\nCall-ID: ${id}@x\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

function ev(payload: string, extra: Partial<DebugMessageEvent> = {}): DebugMessageEvent {
  return { type: 'message', port: 30, io: 'read', src: '192.0.2.10:5060', dst: '198.51.100.7:5060', payload, exact: true, cut: false, ...extra };
}

function joiner() {
  const out: DebugMessageEvent[] = [];
  return { out, j: new SipStreamJoiner((e) => out.push(e)) };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

test('a TCP message in many small reads (with offsets) comes out once, whole', () => {
  const { out, j } = joiner();
  const text = invite('TCP');
  pieces(text, 7).forEach((p, i) => j.push(ev(p, i === 0 ? {} : { offset: i * 7 })));
  expect(out.map((e) => e.payload)).toEqual([text]);
  expect(out[0].offset).toBeUndefined();
});

test('a TLS message whose tail carries offset 0 but no start line is joined too', () => {
  const { out, j } = joiner();
  const text = invite('TLS');
  const cut = text.indexOf('m=audio');
  j.push(ev(text.slice(0, cut)));
  expect(out).toEqual([]);
  j.push(ev(text.slice(cut)));
  expect(out.map((e) => e.payload)).toEqual([text]);
});

test('a UDP message is never held, even cut', () => {
  const { out, j } = joiner();
  const cutUdp = invite('UDP').slice(0, 200);
  j.push(ev(cutUdp));
  expect(out.map((e) => e.payload)).toEqual([cutUdp]);
});

test('a new message on the same port releases the held one first, as it was; other endpoints never join', () => {
  const { out, j } = joiner();
  const partial = invite('TCP', 'a').slice(0, 150);
  j.push(ev(partial));
  j.push(ev(invite('TCP', 'b')));
  expect(out.map((e) => e.payload)).toEqual([partial, invite('TCP', 'b')]);

  const other = joiner();
  other.j.push(ev(partial));
  other.j.push(ev('rest of something', { src: '192.0.2.99:5060', offset: 150 }));
  other.j.flush();
  expect(other.out.map((e) => e.payload)).toEqual([partial, 'rest of something']);
});

test('what is still held at the end comes out on flush', () => {
  const { out, j } = joiner();
  const partial = invite('TCP').slice(0, -10);
  j.push(ev(partial));
  expect(out).toEqual([]);
  j.flush();
  expect(out.map((e) => e.payload)).toEqual([partial]);
});

test('a read carrying a whole message and the start of the next holds only until the rest comes', () => {
  const { out, j } = joiner();
  const first = invite('TCP', 'one');
  const second = invite('TCP', 'two');
  j.push(ev(first + second.slice(0, 100)));
  expect(out).toEqual([]);
  j.push(ev(second.slice(100), { offset: first.length + 100 }));
  expect(out.map((e) => e.payload)).toEqual([first + second]);
});
