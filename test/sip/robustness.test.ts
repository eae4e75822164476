import { SipCaptureAnalyzer } from '../../src/sip';
import { seededRandom as rng } from '../../src/simulator/debugStream';
import { analyse, fixture } from './support/load';

const ALL = ['basic-call.log', 'register-401.log', 'rejected-486.log', 'cancelled.log', 'no-final.log', 'retransmitted-invite.log', 'auth-loop-407.log', 'private-sdp.log', 'options.log', 'handbook-wrapped.log'];


describe('robustness', () => {
  it('the same capture split at every byte boundary into two chunks gives the identical summary', () => {
    // CRLF line ends, wrapped records and UTF-8 in one capture.
    const options = fixture('options.log').toString('utf8');
    const lastOptions = options.slice(options.lastIndexOf('2024-05-02 10:19:00 sip port 26 locate'));
    const capture = Buffer.concat([fixture('handbook-wrapped.log'), Buffer.from(lastOptions), Buffer.from('2024-05-02 10:30:00 sip port 26 blocked: caller “Zoë” rate limited\r\n')]);
    const expected = JSON.stringify(analyse([capture]).summary());
    expect(JSON.parse(expected).problems.length).toBeGreaterThan(0);
    for (let i = 1; i < capture.length; i++) {
      const got = JSON.stringify(analyse([capture.subarray(0, i), capture.subarray(i)]).summary());
      if (got !== expected) throw new Error(`summary differs when split at byte ${i}`);
    }
  });

  it('pushBytes: split at every byte boundary, the same summary as the line path', () => {
    const options = fixture('options.log').toString('utf8');
    const lastOptions = options.slice(options.lastIndexOf('2024-05-02 10:19:00 sip port 26 locate'));
    // Complete records (the byte fast path), a wrapped one, CRLF, UTF-8 and a damaged hex dump.
    const capture = Buffer.concat([fixture('basic-call.log'), fixture('handbook-wrapped.log'), Buffer.from(lastOptions), Buffer.from('2024-05-02 10:30:00 sip port 26 read [(0,5)(4f5054ZZ)(OPT..)]\r\n2024-05-02 10:30:00 sip port 26 blocked: caller “Zoë” rate limited\r\n')]);
    const expected = JSON.stringify(analyse([capture]).summary());
    for (let i = 1; i < capture.length; i++) {
      const a = new SipCaptureAnalyzer();
      a.pushBytes(capture.subarray(0, i));
      a.pushBytes(capture.subarray(i));
      const got = JSON.stringify(a.summary());
      if (got !== expected) throw new Error(`summary differs when split at byte ${i}`);
    }
  });

  it('pushBytes: random bytes and mutated lines give what the line path gives', () => {
    const next = rng(5);
    const lines = ALL.flatMap((f) => fixture(f).toString('utf8').split(/\r?\n/));
    const alphabet = '()[]:.;,<>@ \t0123456789abcdefSIP/2.0\r..read [(0,é“';
    const out: string[] = [];
    for (const original of lines) {
      let line = original;
      const r = next();
      if (r < 0.15) line = line.slice(0, Math.floor(next() * line.length));
      else if (r < 0.4) {
        const chars = [...line];
        for (let k = 0; k < 3; k++) chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)];
        line = chars.join('');
      }
      out.push(line);
    }
    const bytes = Buffer.concat([Buffer.from(out.join('\n')), Buffer.from([0xe2, 0x82, 0x0a, 0xff, 0x41, 0x0d, 0x0d, 0x0a, 0xf0, 0x9f])]);
    const expected = JSON.stringify(analyse([bytes]).summary());
    for (const size of [7, 100, 4096]) {
      const a = new SipCaptureAnalyzer();
      for (let i = 0; i < bytes.length; i += size) a.pushBytes(bytes.subarray(i, i + size));
      expect(JSON.stringify(a.summary())).toBe(expected);
    }
  });

  it('survives garbled input: random bytes never throw and are counted as unknown', () => {
    const next = rng(42);
    const a = new SipCaptureAnalyzer();
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(next() * 300);
      let line = '';
      for (let i = 0; i < len; i++) line += String.fromCharCode(Math.floor(next() * 256));
      a.pushLine(line);
    }
    const s = a.summary();
    expect(s.lines.total).toBe(2000);
    expect(s.lines.unknown).toBeGreaterThan(1500);
    expect(s.messages).toBe(0);
  });

  it('mutated fixture lines never throw (cut, duplicated, bytes flipped, hex damaged)', () => {
    const next = rng(7);
    const lines = ALL.flatMap((f) => fixture(f).toString('utf8').split(/\r?\n/));
    const alphabet = '()[]:.;,<>@ \t0123456789abcdefSIP/2.0\r\n..read [(0,';
    for (let round = 0; round < 30; round++) {
      const a = new SipCaptureAnalyzer({ maxCallsTracked: 20, maxMessagesPerCall: 8 });
      for (const original of lines) {
        let line = original;
        const r = next();
        if (r < 0.1) line = line.slice(0, Math.floor(next() * line.length));
        else if (r < 0.2) line = line.slice(Math.floor(next() * line.length));
        else if (r < 0.4) {
          const chars = [...line];
          for (let k = 0; k < 5; k++) chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)];
          line = chars.join('');
        } else if (r < 0.45) line = line + line;
        a.pushLine(line);
        if (next() < 0.02) a.pushLine(original);
      }
      const s = a.summary();
      expect(s.lines.total).toBeGreaterThanOrEqual(lines.length);
      a.ladders(5);
    }
  });

  it('truncated capture: a record cut at the end still yields what it can', () => {
    const text = fixture('basic-call.log').toString('utf8');
    const cut = text.slice(0, text.length - 200);
    const s = analyse([cut]).summary();
    expect(s.messages).toBe(7);
    expect(s.calls[0].state).toBe('completed');
    const s2 = analyse([text.slice(0, text.indexOf('(494e56') + 400)]).summary();
    expect(s2.lines.total).toBe(4);
  });

  it('work stays linear in the input size (characters examined, not wall-clock)', () => {
    const next = rng(99);
    const base = ALL.flatMap((f) => fixture(f).toString('utf8').split(/\r?\n/));
    // Hostile shapes: records that never close, `)]` on every line, giant lines, long digit/dot runs.
    const hostile = ['sip port 1 read [(0,999999999)(', ...Array.from({ length: 50 }, () => 'abc)]'), '9.'.repeat(5000), 'sip port 1 read [' + '('.repeat(3000), 'sip ' + 'block '.repeat(2000)];
    const build = (copies: number) => {
      const out: string[] = [];
      for (let c = 0; c < copies; c++) for (const l of [...base, ...hostile]) out.push(next() < 0.1 ? l.slice(0, Math.floor(next() * l.length)) : l);
      return out;
    };
    const measure = (lines: string[]) => {
      const a = new SipCaptureAnalyzer();
      let chars = 0;
      for (const l of lines) {
        chars += l.length + 1;
        a.pushLine(l);
      }
      a.summary();
      return { chars, work: a.workCount };
    };
    const small = measure(build(2));
    const large = measure(build(16));
    expect(small.work / small.chars).toBeLessThan(4);
    expect(large.work / large.chars).toBeLessThan(4);
    expect(large.work / small.work).toBeLessThan(((large.chars / small.chars) * 1.3));
  });
});
