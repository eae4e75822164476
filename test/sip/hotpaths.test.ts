import { SipCaptureAnalyzer } from '../../src/sip';
import { parseSipMessage, parseVia, type SipVia } from '../../src/sip/message';
import { debugLog, sipMessage } from './support/debugLog';
import { analyse } from './support/load';

/** Paths the parser takes for speed (remembered session lines, the retransmission key table) keep their meaning. */
describe('parser fast paths', () => {
  const options = (n: number, cseq = 1) =>
    sipMessage('OPTIONS sip:pbx.example.com SIP/2.0', [`Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-o${n}`, `From: <sip:1001@pbx.example.com>;tag=o${n}`, 'To: <sip:pbx.example.com>', `Call-ID: opt-${n}@192.168.1.10`, `CSeq: ${cseq} OPTIONS`]);

  it('a session line seen before still sets the address and timestamp of the record that follows it', () => {
    const a = { ts: '2024-05-02 10:00:00', port: 26, src: '192.168.1.10:5060', dst: '198.51.100.7:5060', message: options(1) };
    const b = { ...a, port: 27, src: '198.51.100.7:5060', dst: '203.0.113.2:5060', message: options(5) };
    // The same three session lines per direction, word for word, with later timestamps.
    const log = debugLog([a, b, { ...a, ts: '2024-05-02 10:00:05', message: options(2) }, { ...b, ts: '2024-05-02 10:00:09', message: options(3) }]);
    const s = analyse([log]).summary();
    expect(s.lines).toEqual({ total: 16, unknown: 0 });
    const unanswered = s.problems.find((p) => p.kind === 'no-final-response')!;
    expect(unanswered.message).toBe('4 OPTIONS without a final response in the capture window');
    expect(unanswered.evidence).toContain('2024-05-02 10:00:00 sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060');
    expect(unanswered.evidence).toContain('2024-05-02 10:00:00 sip port 27 198.51.100.7:5060 -> 203.0.113.2:5060');
    // A line that ends in `->` joins the next one even when the same text was seen complete before.
    const wrapped = debugLog([{ ...a, message: options(4) }]).replace('sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060', 'sip port 26 192.168.1.10:5060 ->\n198.51.100.7:5060');
    expect(analyse([log, wrapped]).summary().problems.find((p) => p.kind === 'no-final-response')!.message).toBe('5 OPTIONS without a final response in the capture window');
  });

  it('retransmissions are recognised within the last 10 000 to 20 000 distinct messages, not before', () => {
    const a = new SipCaptureAnalyzer();
    const push = (n: number) => {
      for (const line of debugLog([{ port: 26, src: '192.168.1.10:5060', dst: '198.51.100.7:5060', message: options(n) }]).split('\n')) if (line) a.pushLine(line);
    };
    for (let n = 0; n < 25000; n++) push(n);
    push(24990); // recent: a retransmission
    push(3); // 25 000 messages ago: out of the window, a new message
    const s = a.summary();
    expect(s.messages).toBe(25002);
    expect(s.retransmissions).toBe(1);
  });
});

/** The pattern-based Via parser the hand scan replaced for plain ASCII: both must agree. */
function referenceVia(value: string): SipVia {
  const first = value.split(',')[0];
  const via: SipVia = {};
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]{2,5})\s+([^;\s]+)/i.exec(first.trim());
  if (m) {
    via.transport = m[1].toUpperCase();
    const hp = parseSipMessage(`OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP ${m[2]}\r\n\r\n`)?.via;
    if (hp?.host) via.host = hp.host;
    if (hp?.port !== undefined) via.port = hp.port;
  }
  const branch = /;\s*branch\s*=\s*([^;\s,]{1,128})/i.exec(first);
  if (branch) via.branch = branch[1];
  const received = /;\s*received\s*=\s*([^;\s,]{1,64})/i.exec(first);
  if (received) via.received = received[1];
  return via;
}

describe('parseVia', () => {
  it('agrees with the patterns on mutated Via values', () => {
    let seed = 77;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const base = 'SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-12-a;rport;received=203.0.113.9, SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKx';
    const alphabet = [' ', '\t', ';', ',', '=', 'BRANCH', ';branch=', 'received', '[', ']', ':', 'x', 'UDPX', '/', '\u00a0', 'é', '"', 'sip', '2.0'];
    for (let round = 0; round < 5000; round++) {
      let v = base;
      const edits = Math.floor(next() * 6);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(next() * v.length);
        if (next() < 0.4) v = v.slice(0, at) + v.slice(at + 1 + Math.floor(next() * 8));
        else v = v.slice(0, at) + alphabet[Math.floor(next() * alphabet.length)] + v.slice(at);
      }
      if (round % 7 === 0) v = v.replace(';branch=', ';branch=' + 'b'.repeat(120 + (round % 20)));
      const got = JSON.stringify(parseVia(v));
      const want = JSON.stringify(referenceVia(v));
      if (got !== want) throw new Error(`differs on ${JSON.stringify(v)}: ${got} vs ${want}`);
      // The branch alone (the retransmission key's) is the full parse's branch.
      if (!/[\r\n]/.test(v)) {
        const branch = parseSipMessage(`OPTIONS sip:x SIP/2.0\r\nVia: ${v}\r\nCall-ID: a\r\n\r\n`)?.viaBranch;
        const full = parseSipMessage(`OPTIONS sip:x SIP/2.0\r\nVia: ${v}\r\nCall-ID: a\r\n\r\n`)?.via?.branch;
        if (branch !== full) throw new Error(`viaBranch differs on ${JSON.stringify(v)}: ${branch} vs ${full}`);
      }
    }
  });
});
