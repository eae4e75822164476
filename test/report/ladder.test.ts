import { analyseFixtures } from '../sip/support/load';
import { ladderSvgSize, renderLadderPng, renderLadderSvg, renderTextLadder, SVG_LAYOUT } from '../../src/report/ladder';
import type { SipLadder } from '../../src/sip/types';

function basicLadder(): SipLadder {
  return analyseFixtures('basic-call.log').ladders(1)[0];
}

/** Width and height from the PNG's IHDR chunk (bytes 16-23, big-endian). */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderTextLadder', () => {
  it('draws one column per endpoint and one arrow row per message, sngrep style', () => {
    const text = renderTextLadder(basicLadder());
    const lines = text.split('\n');
    expect(lines[0]).toBe('1001@pbx.example.com → 2002@pbx.example.com · completed 200 OK');
    expect(lines[1]).toBe('Call-ID: basic1@192.168.1.10');
    // The phone behind source NAT is one lane; the FortiGate sits between inside and outside, with its translation.
    expect(lines[2]).toBe('FortiGate NAT: 192.168.1.10:5060 → 203.0.113.2:5060 (the far end answers the outside address)');
    lines.splice(2, 1);
    expect(lines[2]).toMatch(/192\.168\.1\.10:5060\s+FortiGate\s+198\.51\.100\.7:5060$/);
    const rows = lines.slice(4);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatch(/^10:11:12 +\|-+INVITE \(SDP\)-+>\| {2}\[192\.168\.1\.10:16384 PCMU\]$/);
    expect(rows[2]).toMatch(/^10:11:13 \+1s +\|<-+180 Ringing-+\|$/);
    expect(rows[5]).toMatch(/^10:11:46 \+30s +\|-+BYE-+>\|/);
    // The arrow starts at the sender's column and points at the receiver's.
    const laneCols = [...lines[3]].flatMap((c, i) => (c === '|' ? [i] : []));
    expect(rows[0].indexOf('|-')).toBe(laneCols[0]);
    expect(rows[0].indexOf('>|')).toBe(laneCols[2] - 1);
    expect(rows[1].indexOf('|<')).toBe(laneCols[0]);
  });

  it('draws responses right to left, retransmissions dotted, and ellipsises long labels', () => {
    const ladder: SipLadder = {
      callId: 'x',
      title: 't',
      endpoints: ['10.0.0.1:5060', '10.0.0.2:5060'],
      rows: [
        { from: '10.0.0.2:5060', to: '10.0.0.1:5060', label: '183 Session Progress With A Very Long Reason Phrase', kind: 'response', status: 183, retransmission: false },
        { from: '10.0.0.1:5060', to: '10.0.0.2:5060', label: 'INVITE', kind: 'request', retransmission: true },
      ],
    };
    const [, , , , r1, r2] = renderTextLadder(ladder).split('\n');
    expect(r1).toMatch(/\|<-183 Session Progre…--\|$/);
    expect(r2).toMatch(/\|\.+INVITE\.+>\| {2}\(retransmission\)$/);
  });
});

describe('renderLadderSvg', () => {
  it('draws every message of the fixture call: one arrow and one label per row, colours by class', () => {
    const ladder = basicLadder();
    const svg = renderLadderSvg([ladder]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="msg"/g)).toHaveLength(7);
    expect(svg.match(/class="arrow"/g)).toHaveLength(7);
    const labels = [...svg.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['INVITE (SDP)', '100 Trying', '180 Ringing', '200 OK (SDP)', 'ACK', 'BYE', '200 OK']);
    expect(svg.match(/<text class="label"[^>]*fill="#1a7f37"/g)).toHaveLength(2);
    expect(svg).toContain('>+30s<');
  });

  it('colours errors red and retransmissions grey dashed, escapes XML and ellipsises to the lane', () => {
    const ladder: SipLadder = {
      callId: '<evil>&"id"',
      title: 'a <b> & c',
      endpoints: ['10.0.0.1:5060', '10.0.0.2:5060'],
      rows: [
        { from: '10.0.0.1:5060', to: '10.0.0.2:5060', label: 'INVITE', kind: 'request', retransmission: true },
        { from: '10.0.0.2:5060', to: '10.0.0.1:5060', label: '503 Service Unavailable <because> of a very long reason phrase indeed', kind: 'response', status: 503, retransmission: false },
      ],
    };
    const svg = renderLadderSvg([ladder]);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    expect(svg).toContain('data-call-id="&lt;evil&gt;&amp;&quot;id&quot;"');
    expect(svg).not.toContain('<evil>');
    expect(svg).toMatch(/class="arrow"[^>]*stroke="#8c959f"[^>]*stroke-dasharray/);
    const red = /<text class="label"[^>]*fill="#cf222e">([^<]*)<\/text>/.exec(svg)!;
    expect(red[1].endsWith('…')).toBe(true);
    expect(red[1].length).toBeLessThanOrEqual(Math.floor((SVG_LAYOUT.lane - 16) / SVG_LAYOUT.charWidth));
  });
});

describe('NAT and identical calls on the picture', () => {
  it('draws the FortiGate lane with the translation under it and says how many identical calls one ladder stands for', () => {
    const ladders = analyseFixtures('nat-busy-calls.log').ladders(3);
    const svg = renderLadderSvg(ladders);
    const lanes = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle" font-weight="bold" fill="(#[0-9a-f]+)">([^<]*)<\/text>/g)].map((m) => m[2]);
    expect(lanes.slice(0, 3)).toEqual(['10.10.20.16:5060', 'FortiGate', '198.51.100.10:5060']);
    expect([...svg.matchAll(/<text class="nat"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).slice(0, 2)).toEqual(['SNAT 10.10.20.16:5060', '→ 203.0.113.2:65478']);
    expect(svg).toContain('busy 486 Busy Here ×3');
    expect(svg).toContain('Drawn once for 3 identical calls: busy-nat-1@10.10.20.16, busy-nat-2@10.10.20.16, busy-nat…');
    // The outside address is no lane of its own.
    expect(lanes).not.toContain('203.0.113.2:65478');
    const text = renderTextLadder(ladders[0]);
    expect(text.split('\n').slice(0, 4)).toEqual([
      '1002@voip.example.net → 02079460991@voip.example.net · busy 486 Busy Here ×3',
      'Call-ID: busy-nat-1@10.10.20.16',
      'Drawn once for 3 identical calls: busy-nat-1@10.10.20.16, busy-nat-2@10.10.20.16, busy-nat-3@10.10.20.16',
      'FortiGate NAT: 10.10.20.16:5060 → 203.0.113.2:65478 (the far end answers the outside address)',
    ]);
  });

  it('the PNG is as tall as the layout says with the NAT note and the repeat line', async () => {
    const ladders = analyseFixtures('nat-busy-calls.log').ladders(3);
    const png = await renderLadderPng(ladders);
    const L = SVG_LAYOUT;
    expect(pngSize(png).height).toBe(L.margin + 2 * (L.title + L.header + L.natHeader + L.gap) + 14 + (4 + 4) * L.row);
  });
});

describe('renderLadderPng', () => {
  it('renders a PNG of the size the layout declares', async () => {
    const ladders = analyseFixtures('basic-call.log', 'rejected-486.log').ladders(2);
    const png = await renderLadderPng(ladders);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const L = SVG_LAYOUT;
    // 3 lanes (phone, FortiGate, provider); ladders of 4 and 7 rows, each with the NAT note under the FortiGate.
    const expected = { width: L.gutter + 3 * L.lane + L.margin, height: L.margin + 2 * (L.title + L.header + L.natHeader + L.gap) + (4 + 7) * L.row };
    expect(ladderSvgSize(ladders)).toEqual(expected);
    expect(pngSize(png)).toEqual(expected);
  });

  it('renders an empty picture when there is no call', async () => {
    const png = await renderLadderPng([]);
    expect(pngSize(png).height).toBe(80);
  });
});
