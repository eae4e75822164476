import { createRedactor } from '../../src/sip/redact';
import { analyse, fixture } from './support/load';

describe('createRedactor', () => {
  it('replaces SIP users, tel: numbers and display names with stable pseudonyms', () => {
    const redact = createRedactor({ users: true, addresses: false });
    const out = redact(['From: "Alice Smith" <sip:1001@pbx.example.com>;tag=1', 'To: Bob <sips:+441632960123@pbx.example.com>', 'P-Asserted-Identity: <tel:+441632960123>', 'Contact: <sip:1001@10.0.0.5:5060>'].join('\r\n'));
    // Display names are taken first, then URIs; the same number in sips: and tel: gets one token.
    expect(out).toBe(['From: "user-1" <sip:user-3@pbx.example.com>;tag=1', 'To: user-2 <sips:user-4@pbx.example.com>', 'P-Asserted-Identity: <tel:user-4>', 'Contact: <sip:user-3@10.0.0.5:5060>'].join('\r\n'));
    // Same input, same token, across calls of one redactor; bare occurrences of a learned number too.
    expect(redact('1001@pbx.example.com → 2002@pbx.example.com; caller 1001')).toBe('user-3@pbx.example.com → user-5@pbx.example.com; caller user-3');
    // A new redactor starts again.
    expect(createRedactor({ users: true, addresses: false })('sip:2002@x')).toBe('sip:user-1@x');
  });

  it('replaces IPv4 addresses, keeping ports, and leaves non-addresses alone', () => {
    const redact = createRedactor({ users: false, addresses: true });
    expect(redact('sip port 26 192.168.1.10:5060 -> 198.51.100.7:5060')).toBe('sip port 26 ip-1:5060 -> ip-2:5060');
    expect(redact('c=IN IP4 192.168.1.10..m=audio')).toBe('c=IN IP4 ip-1..m=audio');
    expect(redact('SIP/2.0 version 1.2.3 and 999.1.1.1 and 1.2.3.4.5')).toBe('SIP/2.0 version 1.2.3 and 999.1.1.1 and 1.2.3.4.5');
    expect(redact('From: <sip:1001@x>')).toBe('From: <sip:1001@x>');
  });

  it('redacts inside the hex dump of a debug record and fixes the declared length, so the capture still parses', () => {
    const raw = fixture('basic-call.log').toString('utf8');
    const redact = createRedactor({ users: true, addresses: true });
    const out = redact(raw);
    expect(out).not.toMatch(/1001|2002|192\.168|198\.51|203\.0/);
    // Nothing recoverable from the hex either.
    const hexes = out.match(/\(([0-9a-f]{40,})\)/g) ?? [];
    expect(hexes.length).toBe(7);
    for (const h of hexes) expect(Buffer.from(h.slice(1, -1), 'hex').toString('latin1')).not.toMatch(/1001|192\.168/);
    const s = analyse([out]).summary();
    expect(s.messages).toBe(7);
    expect(s.calls[0].state).toBe('completed');
    expect(s.calls[0].from).toMatch(/^user-\d+@pbx\.example\.com$/);
    expect(s.calls[0].to).toMatch(/^user-\d+@pbx\.example\.com$/);
    expect(s.calls[0].from).not.toBe(s.calls[0].to);
    expect(s.calls[0].media[0].address).toMatch(/^ip-\d+$/);
  });

  it('is the identity when nothing is asked', () => {
    const text = fixture('register-401.log').toString('utf8');
    expect(createRedactor({ users: false, addresses: false })(text)).toBe(text);
  });
});
