import { parseSipMessage, parseSipMessages } from '../../src/sip/message';

describe('parseSipMessage', () => {
  it('reads a request with CRLF: start line, dialog headers, top Via, SDP body by Content-Length', () => {
    const body = 'v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const text = [
      'INVITE sip:2002@pbx.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK776asdhds;rport',
      'Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKother',
      'From: "Alice Smith" <sip:1001@pbx.example.com>;tag=1928301774',
      'To: Bob <sip:2002@pbx.example.com>',
      'Call-ID: a84b4c76e66710@10.0.0.5',
      'CSeq: 314159 INVITE',
      'Contact: <sip:1001@10.0.0.5:5062;transport=udp>;expires=120',
      'Max-Forwards: 70',
      'User-Agent: Yealink SIP-T46S',
      'Content-Type: application/sdp',
      `Content-Length: ${body.length}`,
      '',
      body + 'TRAILING-GARBAGE',
    ].join('\r\n');
    const m = parseSipMessage(text)!;
    expect(m.kind).toBe('request');
    expect(m.method).toBe('INVITE');
    expect(m.requestUri).toBe('sip:2002@pbx.example.com');
    expect(m.callId).toBe('a84b4c76e66710@10.0.0.5');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.from).toEqual({ display: 'Alice Smith', uri: { scheme: 'sip', user: '1001', host: 'pbx.example.com' }, tag: '1928301774' });
    expect(m.to?.display).toBe('Bob');
    expect(m.to?.tag).toBeUndefined();
    expect(m.via).toEqual({ transport: 'UDP', host: '10.0.0.5', port: 5062, branch: 'z9hG4bK776asdhds' });
    expect(m.contact?.uri).toEqual({ scheme: 'sip', user: '1001', host: '10.0.0.5', port: 5062 });
    expect(m.contact?.expires).toBe(120);
    expect(m.maxForwards).toBe(70);
    expect(m.userAgent).toBe('Yealink SIP-T46S');
    expect(m.contentType).toBe('application/sdp');
    expect(m.body).toBe(body);
    expect(m.warnings).toEqual([]);
  });

  it('accepts bare LF, folded headers and compact forms (RFC 3261 §7.3)', () => {
    const text = [
      'SIP/2.0 486 Busy Here',
      'v: SIP/2.0/TCP 192.0.2.4;branch=z9hG4bKnashds7',
      'f: <sip:alice@example.com>;tag=88sja8x',
      't: <sip:bob@example.com>',
      '  ;tag=314159',
      'i: 2xTb9vxSit55XU7p8@192.0.2.4',
      'CSeq: 2 INVITE',
      'm: <sip:bob@192.0.2.4>',
      'Warning: 399 pbx "Busy everywhere"',
      'Reason: Q.850;cause=17',
      'Server: Asterisk',
      'l: 0',
      '',
      '',
    ].join('\n');
    const m = parseSipMessage(text)!;
    expect(m.kind).toBe('response');
    expect(m.status).toBe(486);
    expect(m.reason).toBe('Busy Here');
    expect(m.via?.transport).toBe('TCP');
    expect(m.via?.host).toBe('192.0.2.4');
    expect(m.via?.port).toBeUndefined();
    expect(m.from?.uri?.user).toBe('alice');
    expect(m.to?.tag).toBe('314159');
    expect(m.callId).toBe('2xTb9vxSit55XU7p8@192.0.2.4');
    expect(m.contact?.uri?.host).toBe('192.0.2.4');
    expect(m.warning).toBe('399 pbx "Busy everywhere"');
    expect(m.reasonHeader).toBe('Q.850;cause=17');
    expect(m.server).toBe('Asterisk');
    expect(m.contentLength).toBe(0);
    expect(m.body).toBe('');
  });

  it('returns warnings instead of failing on broken headers and a truncated body', () => {
    const text = 'OPTIONS sip:x SIP/2.0\r\nthis is not a header\r\nCSeq: banana\r\nContent-Length: 500\r\n\r\nv=0\r\n';
    const m = parseSipMessage(text)!;
    expect(m.method).toBe('OPTIONS');
    expect(m.body).toBe('v=0\r\n');
    expect(m.warnings.join('\n')).toMatch(/header without a colon/);
    expect(m.warnings.join('\n')).toMatch(/bad CSeq/);
    expect(m.warnings.join('\n')).toMatch(/body truncated/);
    expect(m.warnings.join('\n')).toMatch(/no Call-ID/);
  });

  it('returns null for text that is not SIP', () => {
    expect(parseSipMessage('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBeNull();
    expect(parseSipMessage('')).toBeNull();
  });

  it('splits several messages of one TCP read by Content-Length', () => {
    const a = 'SIP/2.0 100 Trying\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const b = 'SIP/2.0 180 Ringing\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    expect(parseSipMessages(a + b).map((m) => m.status)).toEqual([100, 180]);
  });

  it('reads tel: URIs', () => {
    const m = parseSipMessage('MESSAGE sip:x SIP/2.0\nFrom: <tel:+441632960123;phone-context=x>;tag=1\nTo: sip:y@z\n\n')!;
    expect(m.from?.uri).toEqual({ scheme: 'tel', user: '+441632960123' });
    expect(m.to?.uri?.host).toBe('z');
  });
});
