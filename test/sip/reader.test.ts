import { SipDebugReader, textRenderingToMessage, type DebugEvent, type DebugMessageEvent } from '../../src/sip/reader';
import { fixture } from './support/load';

function read(lines: string[]): { events: DebugEvent[]; reader: SipDebugReader } {
  const events: DebugEvent[] = [];
  const reader = new SipDebugReader((e) => events.push(e));
  for (const l of lines) reader.pushLine(l);
  reader.flush();
  return { events, reader };
}

const messages = (events: DebugEvent[]) => events.filter((e): e is DebugMessageEvent => e.type === 'message');

describe('SipDebugReader', () => {
  it('rejoins the handbook INVITE wrapped over many CRLF lines and decodes its hex exactly (515 bytes)', () => {
    const lines = fixture('handbook-wrapped.log').toString('utf8').split('\n');
    const { events, reader } = read(lines);
    const [ev] = messages(events);
    expect(messages(events)).toHaveLength(1);
    expect(ev.exact).toBe(true);
    expect(ev.cut).toBe(false);
    expect(ev.declaredLength).toBe(515);
    expect(Buffer.byteLength(ev.payload)).toBe(515);
    expect(ev.payload.startsWith('INVITE sip:service@192.168.2.100:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.1.1:5061;')).toBe(true);
    expect(ev.src).toBe('192.168.2.134:5061');
    expect(ev.dst).toBe('172.16.67.192:5060');
    expect(ev.timestamp).toBe('2010-01-04 21:39:59');
    expect(reader.unknown).toBe(0);
  });

  it('falls back to the text rendering when the hex is cut, turning `..` back into CRLF', () => {
    const line = 'sip port 26 read [(0,120)(494e56495445207369703a)(INVITE sip:2002@pbx.example.com SIP/2.0..Call-ID: abc@10.0.0.5..CSeq: 1 INVITE..Via: SIP/2.0/UDP 10.0.0.5:5060....)]';
    const { events } = read(['sip port 26 10.0.0.5:5060 -> 198.51.100.7:5060', line]);
    const [ev] = messages(events);
    expect(ev.exact).toBe(false);
    expect(ev.payload).toBe('INVITE sip:2002@pbx.example.com SIP/2.0\r\nCall-ID: abc@10.0.0.5\r\nCSeq: 1 INVITE\r\nVia: SIP/2.0/UDP 10.0.0.5:5060\r\n\r\n');
  });

  it('reads a record with no hex at all (ASCII dump only)', () => {
    const { events } = read(['sip port 3 read [(0,40)(OPTIONS sip:a@b SIP/2.0..CSeq: 1 OPTIONS....)]']);
    expect(messages(events)[0].payload).toBe('OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n');
  });

  it('keeps real dots: IP addresses and version numbers survive the text fallback', () => {
    expect(textRenderingToMessage('Via: SIP/2.0/UDP 10.0.0.5:5060..To: <sip:a@b.c>..')).toBe('Via: SIP/2.0/UDP 10.0.0.5:5060\r\nTo: <sip:a@b.c>\r\n');
  });

  it('ends a record cut by the next event and marks it cut; the next event is still read', () => {
    const { events, reader } = read([
      '2024-05-02 10:00:00 sip port 26 read [(0,515)(494e5649544520',
      '2024-05-02 10:00:01 sip port 26 10.0.0.5:5060 -> 198.51.100.7:5060',
      '2024-05-02 10:00:01 sip port 26 read [(0,4)(41434b20)(ACK )]',
    ]);
    const msgs = messages(events);
    expect(msgs).toHaveLength(2);
    expect(msgs[0].cut).toBe(true);
    expect(msgs[1].payload).toBe('ACK ');
    expect(msgs[1].exact).toBe(true);
    expect(msgs[1].src).toBe('10.0.0.5:5060');
    expect(reader.total).toBe(3);
  });

  it('caps a record that never closes', () => {
    const lines = ['sip port 26 read [(0,9999999)('];
    for (let i = 0; i < 5000; i++) lines.push('41'.repeat(100));
    const { events, reader } = read(lines);
    expect(messages(events).length).toBe(1);
    expect(messages(events)[0].cut).toBe(true);
    expect(reader.unknown).toBeGreaterThan(0);
  });

  it('counts unknown lines and recognises ALG complaints conservatively', () => {
    const { events, reader } = read([
      'hello world',
      '2024-05-02 10:00:00 sip port 26 drop message: malformed header Via',
      'sip port 26 blocked request INVITE from 10.0.0.5:5060 (rate limit)',
      'sip port 26 something new in 7.4',
      'the admin dropped by',
      '',
    ]);
    const problems = events.filter((e) => e.type === 'alg-problem');
    expect(problems.map((p) => p.type === 'alg-problem' && p.kind)).toEqual(['alg-parse-error', 'alg-blocked']);
    expect(reader.unknown).toBe(3);
    expect(reader.total).toBe(6);
  });

  it('joins an address line the documentation wrapped after `->`', () => {
    const { events } = read(['2024-05-02 10:00:00 sip port 26 10.0.0.5:5060 ->', '198.51.100.7:5060', 'sip port 26 read [(0,4)(41434b20)(ACK )]']);
    expect(messages(events)[0].dst).toBe('198.51.100.7:5060');
  });
});
