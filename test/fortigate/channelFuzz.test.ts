/**
 * Fuzz of the bytes the prompt detector reads (issue 12, item 7). A scripted device answers one command with
 * generated output: split into chunks at random byte offsets (UTF-8 characters cut too), stray `\r`, ANSI
 * sequences, prompt-looking text inside the output, and a `--More--` pager at every position. The channel must:
 *   - return the whole output (it never took text inside the output for the prompt, so nothing is cut),
 *     without echo, prompt, pager marker or redraw;
 *   - type nothing but the command and one space per `--More--`;
 *   - settle with a timeout error (not hang) when no prompt ever comes.
 * Seeded (the repo's mulberry32), bounded iterations: a failure names its seed and reproduces.
 *
 * Left out on purpose: an output line that starts with the device's own prompt (`FGT-A # ...`), cut right after
 * the prompt. No tail matcher can tell it from the real prompt (scrapli has the same limit); FortiOS output does
 * not print the unit's own prompt at the start of a line (debug output after the idle prompt is read by the tap).
 */
import { StringDecoder } from 'node:string_decoder';
import { CheckError } from '../../src/errors';
import { DebugLineSplitter, FortiChannel } from '../../src/fortigate/channel';
import { seededRandom } from '../../src/simulator/debugStream';
import { FakeShell } from './support/fakeShell';

const HOST = 'FGT-A';
const PROMPT = `${HOST} # `;
const CRLF = '\r\n';
const PAGER = '--More-- ';
const REDRAW = '\r         \r';

/** Output line shapes: config, status text, ANSI colour, non-ASCII, and prompt-looking text that is not a prompt. */
const SHAPES: Array<(r: () => number) => string> = [
  (r) => `    set port ${Math.floor(r() * 65536)}`,
  (r) => `    edit ${Math.floor(r() * 100)}`,
  () => 'config system session-helper',
  () => 'end',
  () => '',
  () => '   ',
  (r) => `Version: FortiGate-VM64 v7.4.${Math.floor(r() * 9)},build2573 (GA.M)`,
  () => '\x1b[1mbold\x1b[0m status \x1b[32mOK\x1b[0m',
  () => '\x1b[K',
  () => '    set comments "Café Zürich – Ω"',
  // Prompt-looking text that is not the prompt: mid-line, indented, another host's, followed by more text.
  () => `see ${PROMPT}show firewall policy`,
  () => `    ${PROMPT}`,
  () => 'FGT-B # ',
  () => 'FGT-B (root) # ',
  () => `comment: "${HOST} (global) # "`,
  () => 'a line with trailing spaces    ',
  (r) => 'long '.repeat(20 + Math.floor(r() * 200)),
];

interface Exchange {
  lines: string[];
  /** Page breaks: after these line indexes the device prints `--More-- ` and waits for a space. */
  pageAfter: Set<number>;
  /** Insert stray `\r` inside some lines. */
  strayCr: boolean;
  /** The device never sends the prompt. */
  noPrompt?: boolean;
}

function generate(r: () => number, maxLines = 40): Exchange {
  const n = Math.floor(r() * maxLines);
  const lines = Array.from({ length: n }, () => SHAPES[Math.floor(r() * SHAPES.length)](r));
  const pageAfter = new Set<number>();
  for (let i = 0; i < n - 1; i++) if (r() < 0.15) pageAfter.add(i);
  return { lines, pageAfter, strayCr: r() < 0.3 };
}

/** A device line with stray `\r` inside (never inside an ANSI sequence or a prompt-looking run, to keep the shape). */
function withStrayCr(line: string, r: () => number): string {
  if (line.length < 4 || line.includes('\x1b') || line.includes('#')) return line;
  const at = 1 + Math.floor(r() * (line.length - 2));
  return line.slice(0, at) + '\r' + line.slice(at);
}

/** Random byte offsets to cut a chunk at (0 to 6 cuts; UTF-8 characters may be cut in two). */
function cuts(buf: Buffer, r: () => number): number[] {
  const k = Math.floor(r() * 7);
  return Array.from({ length: k }, () => Math.floor(r() * buf.length)).sort((a, b) => a - b);
}

/** Visible content: what must survive, whatever the line ends and redraws. */
function content(text: string): string {
  return text.replace(/\s+/g, '');
}

async function exchange(seed: number, ex: Exchange, timeoutMs: number) {
  const r = seededRandom(seed);
  const shell = new FakeShell();
  const channel = new FortiChannel(shell, { name: 'fw-a' });
  const login = channel.waitForLogin(2000);
  shell.send(CRLF + PROMPT);
  await login;

  const command = 'show system session-helper';
  const pages: string[] = [];
  let current = `${command}${CRLF}`;
  ex.lines.forEach((line, i) => {
    current += (ex.strayCr ? withStrayCr(line, r) : line) + CRLF;
    if (ex.pageAfter.has(i)) {
      pages.push(current + PAGER);
      current = REDRAW;
    }
  });
  pages.push(current + (ex.noPrompt ? '' : PROMPT));

  const unexpected: string[] = [];
  let typed = '';
  let page = 0;
  const send = (text: string) => {
    const buf = Buffer.from(text, 'utf8');
    setImmediate(() => shell.sendChunks(buf, cuts(buf, r)));
  };
  shell.onWrite((text) => {
    for (const ch of text) {
      if (typed.length <= command.length) {
        typed += ch;
        if (typed === `${command}\r`) send(pages[page++]);
        else if (!`${command}\r`.startsWith(typed)) unexpected.push(JSON.stringify(typed));
        continue;
      }
      if (ch === ' ' && page > 0 && page < pages.length) send(pages[page++]);
      else unexpected.push(JSON.stringify(ch));
    }
  });
  const result = await channel.sendCommand(command, timeoutMs).then(
    (reply) => ({ reply }),
    (error: unknown) => ({ error }),
  );
  return { result, unexpected, pagesSent: page, pagesTotal: pages.length };
}

describe('channel fuzz: random splits, stray CR, ANSI, pager everywhere, prompt lookalikes', () => {
  test('400 random exchanges: whole output, no prompt taken from inside it, only pager answers typed', async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const ex = generate(seededRandom(seed * 7919));
      const { result, unexpected, pagesSent, pagesTotal } = await exchange(seed, ex, 5000);
      const why: string[] = [];
      if ('error' in result) why.push(`failed: ${String(result.error)}`);
      else if (content(result.reply.output) !== content(ex.lines.join('\n'))) why.push(`output differs: ${JSON.stringify(result.reply.output.slice(0, 300))}`);
      else if (result.reply.prompt.text !== PROMPT) why.push(`prompt ${JSON.stringify(result.reply.prompt.text)}`);
      if (unexpected.length) why.push(`typed ${unexpected.join(', ')}`);
      if (pagesSent !== pagesTotal) why.push(`answered ${pagesSent - 1} of ${pagesTotal - 1} pagers`);
      if (why.length) failures.push(`seed ${seed}: ${why.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  test('a --More-- after every line of a 30-line output, each cut at random points', async () => {
    const r = seededRandom(0xc0ffee);
    const lines = Array.from({ length: 30 }, (_, i) => `${SHAPES[i % SHAPES.length](r)} #${i}`);
    const failures: string[] = [];
    for (let at = 0; at < lines.length - 1; at++) {
      for (const pagers of [new Set([at]), new Set(lines.map((_, i) => i).filter((i) => i >= at && i < lines.length - 1))]) {
        const { result, unexpected, pagesSent, pagesTotal } = await exchange(1000 + at, { lines, pageAfter: pagers, strayCr: at % 2 === 0 }, 5000);
        if ('error' in result) failures.push(`pager after ${at}: ${String(result.error)}`);
        else if (content(result.reply.output) !== content(lines.join('\n'))) failures.push(`pager after ${at}: output differs`);
        if (unexpected.length) failures.push(`pager after ${at}: typed ${unexpected.join(', ')}`);
        if (pagesSent !== pagesTotal) failures.push(`pager after ${at}: answered ${pagesSent - 1} of ${pagesTotal - 1}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('no prompt ever comes: every exchange settles with a timeout, typing nothing but pager answers', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const ex = { ...generate(seededRandom(seed * 104729), 20), noPrompt: true };
      const { result, unexpected } = await exchange(seed, ex, 150);
      expect('error' in result && result.error).toBeInstanceOf(CheckError);
      expect('error' in result && (result.error as CheckError).kind).toBe('timeout');
      expect(unexpected).toEqual([]);
    }
  });
});

describe('debug line splitter fuzz: the capture reads the same lines however the bytes are cut', () => {
  const DEBUG = [
    '2026-11-25 17:31:02 sip port 26 locate session for 10.10.10.21:5060 -> 203.0.113.50:5060',
    '2026-11-25 17:31:02 sip sess 0x979df38 found for 10.10.10.21:5060 -> 203.0.113.50:5060',
    '2026-11-25 17:31:02 sip port 26 read [(0,376)(5245474953544552)(REGISTER sip:pbx.example.net SIP/2.0..Via: SIP/2.0/UDP 10.10.10.21:5060....)]',
    `${PROMPT}2026-11-25 17:31:03 sip port 27 10.10.10.21:5060 -> 203.0.113.50:5060`,
    'FGT-B # not our prompt: kept as a line',
    '   ',
    'Café Zürich – Ω in a display name',
  ];

  test('300 random cuts of a stream with CRLF, lone CR and LF, prompts and UTF-8: identical lines', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = seededRandom(seed * 31337);
      const ends = ['\r\n', '\n', '\r'];
      const text = Array.from({ length: 1 + Math.floor(r() * 30) }, () => DEBUG[Math.floor(r() * DEBUG.length)] + ends[Math.floor(r() * ends.length)]).join('');
      const whole = new DebugLineSplitter(HOST).push(text);
      const buf = Buffer.from(text, 'utf8');
      // The channel decodes with a StringDecoder, so a cut UTF-8 character arrives whole in the next chunk.
      const decoder = new StringDecoder('utf8');
      const splitter = new DebugLineSplitter(HOST);
      const got: string[] = [];
      let last = 0;
      for (const cut of [...cuts(buf, r), ...cuts(buf, r)].sort((a, b) => a - b).concat(buf.length)) {
        if (cut > last) got.push(...splitter.push(decoder.write(buf.subarray(last, cut))));
        last = Math.max(last, cut);
      }
      expect([seed, got]).toEqual([seed, whole]);
      expect(whole.some((l) => l.startsWith(PROMPT))).toBe(false);
    }
  });
});
