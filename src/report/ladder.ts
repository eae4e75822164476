import path from 'node:path';
import { renderAsync } from '@resvg/resvg-js';
import { FIREWALL_LANE, type SipLadder, type SipLadderRow } from '../sip/types';

/**
 * Call ladders (sngrep's call flow, Homer's per-call ladder): lanes are `IP:port` endpoints in first-seen order, one
 * row per message with time and delta. Text for code blocks and as the fallback when an upload fails; SVG drawn by
 * us; PNG through resvg with a bundled font so the pixels are the same everywhere (docs/sip.md "The ladder picture").
 */

const FONT_FILE = path.join(__dirname, '../../assets/fonts/DejaVuSansMono.ttf');
const FONT_FAMILY = 'DejaVu Sans Mono';

// ------------------------------------------------------------------ text

const TEXT_LANE = 24;
const TEXT_GUTTER = 18;

export function renderTextLadder(ladder: SipLadder): string {
  const lanes = ladder.endpoints.length > 0 ? ladder.endpoints : ['?'];
  const center = (i: number) => TEXT_GUTTER + Math.floor(TEXT_LANE / 2) + i * TEXT_LANE;
  const width = TEXT_GUTTER + lanes.length * TEXT_LANE;
  const out: string[] = [ladder.title, `Call-ID: ${ladder.callId}`];
  if (ladder.repeat) out.push(`Drawn once for ${ladder.repeat.count} identical calls: ${ladder.repeat.callIds.join(', ')}`);
  for (const n of ladder.nat ?? []) out.push(`${FIREWALL_LANE} NAT: ${n.inside} → ${n.outside} (the far end answers the outside address)`);

  const header = Array<string>(width).fill(' ');
  lanes.forEach((ep, i) => {
    const label = ep.length > TEXT_LANE - 1 ? ep.slice(0, TEXT_LANE - 2) + '…' : ep;
    const start = Math.max(0, center(i) - Math.floor(label.length / 2));
    for (let k = 0; k < label.length && start + k < width; k++) header[start + k] = label[k];
  });
  out.push(header.join('').trimEnd());
  out.push(laneLine(lanes.length, center, width).join('').trimEnd());

  for (const row of ladder.rows) {
    const cells = laneLine(lanes.length, center, width);
    const gutter = `${row.time ?? ''}${row.deltaMs !== undefined ? ' ' + delta(row.deltaMs) : ''}`.slice(0, TEXT_GUTTER - 1);
    for (let k = 0; k < gutter.length; k++) cells[k] = gutter[k];
    const a = laneIndex(lanes, row.from);
    const b = laneIndex(lanes, row.to);
    const label = rowLabel(row);
    if (a === b) {
      const x = center(a) + 1;
      const text = `<-- ${label}`;
      for (let k = 0; k < text.length && x + k < width; k++) cells[x + k] = text[k];
    } else {
      const left = Math.min(center(a), center(b));
      const right = Math.max(center(a), center(b));
      const fill = row.retransmission ? '.' : '-';
      for (let x = left + 1; x < right; x++) cells[x] = fill;
      if (b > a) cells[right - 1] = '>';
      else cells[left + 1] = '<';
      // Keep the arrow head and one dash on each side visible.
      const room = right - left - 5;
      const shown = ellipsis(label, room);
      const start = left + 3 + Math.floor((room - shown.length) / 2);
      for (let k = 0; k < shown.length; k++) cells[start + k] = shown[k];
    }
    let line = cells.join('').trimEnd();
    if (row.sdp) line += `  [${row.sdp}]`;
    if (row.retransmission) line += '  (retransmission)';
    out.push(line);
  }
  return out.join('\n');
}

function laneLine(n: number, center: (i: number) => number, width: number): string[] {
  const cells = Array<string>(width).fill(' ');
  for (let i = 0; i < n; i++) cells[center(i)] = '|';
  return cells;
}

function laneIndex(lanes: string[], endpoint: string): number {
  const i = lanes.indexOf(endpoint);
  return i >= 0 ? i : 0;
}

function rowLabel(row: SipLadderRow): string {
  return row.sdp ? `${row.label} (SDP)` : row.label;
}

function ellipsis(text: string, maxChars: number): string {
  if (maxChars <= 0) return '';
  if (text.length <= maxChars) return text;
  return maxChars === 1 ? '…' : text.slice(0, maxChars - 1) + '…';
}

/** `+0 ms`, `+1.5 s`, `+2m05s`. */
function delta(ms: number): string {
  if (ms < 1000) return `+${ms}ms`;
  if (ms < 60000) return `+${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const s = Math.round(ms / 1000);
  return `+${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

// ------------------------------------------------------------------ SVG

export const SVG_LAYOUT = {
  gutter: 150,
  lane: 190,
  margin: 20,
  title: 34,
  header: 40,
  row: 34,
  gap: 24,
  /** Extra header room under the FortiGate lane for the translation it made. */
  natHeader: 28,
  fontSize: 12,
  /** DejaVu Sans Mono advance width is 0.6 em. */
  charWidth: 7.2,
} as const;

const COLOURS = { ok: '#1a7f37', error: '#cf222e', retransmission: '#8c959f', normal: '#24292f', lane: '#d0d7de', muted: '#57606a', firewall: '#bc4c00' };

/** Header height of one ladder: room for the NAT note under the FortiGate lane when there is one. */
function headerHeight(l: SipLadder): number {
  return SVG_LAYOUT.header + (l.nat?.length ? SVG_LAYOUT.natHeader : 0) + (l.repeat ? 14 : 0);
}

/** Width and height of the SVG (and PNG) for these ladders. */
export function ladderSvgSize(ladders: readonly SipLadder[]): { width: number; height: number } {
  const L = SVG_LAYOUT;
  const lanes = Math.max(2, ...ladders.map((l) => l.endpoints.length));
  const width = L.gutter + lanes * L.lane + L.margin;
  if (ladders.length === 0) return { width, height: 80 };
  const height = L.margin + ladders.reduce((h, l) => h + L.title + headerHeight(l) + Math.max(1, l.rows.length) * L.row + L.gap, 0);
  return { width, height };
}

export function renderLadderSvg(ladders: readonly SipLadder[]): string {
  const L = SVG_LAYOUT;
  const { width, height } = ladderSvgSize(ladders);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}" font-size="${L.fontSize}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (ladders.length === 0) {
    parts.push(`<text x="${L.margin}" y="44" fill="${COLOURS.muted}">No call to draw.</text>`, '</svg>');
    return parts.join('\n');
  }
  let y = L.margin;
  for (const ladder of ladders) {
    const lanes = ladder.endpoints.length > 0 ? ladder.endpoints : ['?'];
    const cx = (i: number) => L.gutter + i * L.lane + L.lane / 2;
    const top = y;
    const extra = ladder.repeat ? 14 : 0;
    const bodyTop = top + L.title + headerHeight(ladder);
    const bottom = bodyTop + Math.max(1, ladder.rows.length) * L.row;
    const titleChars = Math.floor((width - 2 * L.margin) / (L.charWidth * 14 / L.fontSize));
    parts.push(`<g class="ladder" data-call-id="${xml(ladder.callId)}">`);
    parts.push(`<text x="${L.margin}" y="${top + 16}" font-size="14" font-weight="bold" fill="${COLOURS.normal}">${xml(ellipsis(ladder.title, titleChars))}</text>`);
    parts.push(`<text x="${L.margin}" y="${top + 30}" fill="${COLOURS.muted}">${xml(ellipsis('Call-ID: ' + ladder.callId, titleChars + 8))}</text>`);
    if (ladder.repeat) {
      parts.push(`<text x="${L.margin}" y="${top + 44}" fill="${COLOURS.muted}">${xml(ellipsis(`Drawn once for ${ladder.repeat.count} identical calls: ${ladder.repeat.callIds.join(', ')}`, titleChars + 8))}</text>`);
    }
    const laneChars = Math.floor((L.lane - 10) / L.charWidth);
    const smallChars = Math.floor((L.lane - 10) / (L.charWidth * 10 / L.fontSize));
    const headTop = top + L.title + extra;
    lanes.forEach((ep, i) => {
      const firewall = ep === FIREWALL_LANE && ladder.nat !== undefined;
      parts.push(`<text x="${cx(i)}" y="${headTop + 24}" text-anchor="middle" font-weight="bold" fill="${firewall ? COLOURS.firewall : COLOURS.normal}">${xml(ellipsis(ep, laneChars))}</text>`);
      if (firewall) {
        // The translation under the FortiGate: inside address, then the outside one the far end answers to.
        const nat = ladder.nat![0];
        const more = ladder.nat!.length > 1 ? ` (+${ladder.nat!.length - 1})` : '';
        parts.push(`<text class="nat" x="${cx(i)}" y="${headTop + 38}" text-anchor="middle" font-size="10" fill="${COLOURS.firewall}">${xml(ellipsis(`SNAT ${nat.inside}`, smallChars))}</text>`);
        parts.push(`<text class="nat" x="${cx(i)}" y="${headTop + 50}" text-anchor="middle" font-size="10" fill="${COLOURS.firewall}">${xml(ellipsis(`→ ${nat.outside}${more}`, smallChars))}</text>`);
      }
      const laneTop = headTop + (firewall ? 32 + L.natHeader : 32);
      parts.push(`<line x1="${cx(i)}" y1="${laneTop}" x2="${cx(i)}" y2="${bottom}" stroke="${firewall ? COLOURS.firewall : COLOURS.lane}" stroke-width="${firewall ? 3 : 2}"${firewall ? ' stroke-dasharray="2 3"' : ''}/>`);
    });
    ladder.rows.forEach((row, r) => {
      const rowY = bodyTop + r * L.row + 20;
      const colour = row.retransmission ? COLOURS.retransmission : row.status !== undefined && row.status >= 400 ? COLOURS.error : row.status !== undefined && row.status >= 200 && row.status < 300 ? COLOURS.ok : COLOURS.normal;
      parts.push(`<g class="msg" data-row="${r}">`);
      if (row.time) parts.push(`<text x="8" y="${rowY}" fill="${COLOURS.muted}">${xml(row.time)}</text>`);
      if (row.deltaMs !== undefined) parts.push(`<text x="${L.gutter - 10}" y="${rowY}" text-anchor="end" fill="${COLOURS.muted}">${xml(delta(row.deltaMs))}</text>`);
      const a = laneIndex(lanes, row.from);
      const b = laneIndex(lanes, row.to);
      const dash = row.retransmission ? ' stroke-dasharray="6 4"' : '';
      const label = rowLabel(row);
      if (a === b) {
        // Same lane (unknown endpoints): a small loop.
        const x = cx(a);
        parts.push(`<path class="arrow" d="M ${x} ${rowY - 4} h 30 v 8 h -26" fill="none" stroke="${colour}" stroke-width="1.5"${dash}/>`);
        parts.push(`<polygon points="${x} ${rowY + 4},${x + 7} ${rowY},${x + 7} ${rowY + 8}" fill="${colour}"/>`);
        parts.push(`<text class="label" x="${x + 36}" y="${rowY - 6}" fill="${colour}">${xml(ellipsis(label, laneChars - 5))}</text>`);
      } else {
        const x1 = cx(a);
        const x2 = cx(b);
        const dir = x2 > x1 ? 1 : -1;
        const tip = x2 - dir * 2;
        parts.push(`<line class="arrow" x1="${x1}" y1="${rowY + 4}" x2="${tip - dir * 8}" y2="${rowY + 4}" stroke="${colour}" stroke-width="1.5"${dash}/>`);
        parts.push(`<polygon points="${tip} ${rowY + 4},${tip - dir * 9} ${rowY},${tip - dir * 9} ${rowY + 8}" fill="${colour}"/>`);
        const room = Math.floor((Math.abs(x2 - x1) - 16) / L.charWidth);
        // A white backing keeps labels readable where they cross a lane (the FortiGate's above all).
        const shown = ellipsis(label, room);
        parts.push(backing((x1 + x2) / 2, rowY - 2, shown.length * L.charWidth, 12));
        parts.push(`<text class="label" x="${(x1 + x2) / 2}" y="${rowY - 2}" text-anchor="middle" fill="${colour}">${xml(shown)}</text>`);
        if (row.sdp) {
          const sdpRoom = Math.floor((Math.abs(x2 - x1) - 16) / (L.charWidth * 10 / L.fontSize));
          const sdp = ellipsis(row.sdp, sdpRoom);
          parts.push(backing((x1 + x2) / 2, rowY + 16, sdp.length * L.charWidth * 10 / L.fontSize, 10));
          parts.push(`<text x="${(x1 + x2) / 2}" y="${rowY + 16}" text-anchor="middle" font-size="10" fill="${COLOURS.muted}">${xml(sdp)}</text>`);
        }
      }
      parts.push('</g>');
    });
    parts.push('</g>');
    y = bottom + L.gap;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** A white rectangle behind centred text (baseline y, font size px). */
function backing(cx: number, baseline: number, width: number, size: number): string {
  return `<rect x="${(cx - width / 2 - 2).toFixed(1)}" y="${(baseline - size + 1).toFixed(1)}" width="${(width + 4).toFixed(1)}" height="${size + 2}" fill="#ffffff"/>`;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

// ------------------------------------------------------------------ PNG

/** resvg options: the bundled font only (same pixels everywhere, no system font scan). */
export const LADDER_PNG_OPTIONS = {
  font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, monospaceFamily: FONT_FAMILY },
  background: '#ffffff',
};

/**
 * The render runs in resvg's thread pool, but the PNG encoding (`asPng`) is synchronous: the check hands the whole
 * job to its worker pool instead (src/workers/tasks.ts); this stays for callers without one.
 */
export async function renderLadderPng(ladders: readonly SipLadder[]): Promise<Buffer> {
  const image = await renderAsync(renderLadderSvg(ladders), LADDER_PNG_OPTIONS);
  return Buffer.from(image.asPng());
}
