import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyseInputs, main, MAX_LINE_CHARS, parseArgs, type CliIo } from '../src/cli';
import { recordingIo } from './support/cliIo';

const FIXTURES = join(__dirname, 'fixtures', 'verdict');
const fixture = (name: string) => join(FIXTURES, name);


describe('sip-check analyze (in process)', () => {
  it('--json prints exactly one JSON object with the documented shape', async () => {
    const io = recordingIo();
    const code = await main(['analyze', fixture('mixed-policies.txt'), '--json'], io);
    expect(code).toBe(0);
    expect(io.err).toBe('');
    const json = JSON.parse(io.out);
    expect(json.verdict.handler).toBe('mixed');
    expect(json.verdict.rule).toBe('R1, R2');
    expect(json.verdict.vdoms).toEqual([
      expect.objectContaining({
        name: 'root',
        handler: 'mixed',
        policies: [expect.objectContaining({ id: 1, handler: 'sip-alg', rule: 'R1' }), expect.objectContaining({ id: 3, handler: 'session-helper', rule: 'R2' })],
      }),
    ]);
    expect(typeof json.verdict.explanation).toBe('string');
    expect(Array.isArray(json.verdict.evidence)).toBe(true);
    expect(json.verdict.evidence[0]).toEqual({ source: expect.any(String), text: expect.any(String) });
    // Structured options (issue 20 §2): each { title, leadsTo, scope, commands[], sideEffects[] }.
    expect(json.verdict.remediation.map((o: { leadsTo: string }) => o.leadsTo)).toEqual(['session-helper', 'sip-alg', 'none']);
    expect(json.verdict.remediation[0]).toEqual(expect.objectContaining({ title: expect.stringContaining('SIP session helper'), scope: 'vdom', commands: expect.arrayContaining(['config firewall policy']), sideEffects: expect.any(Array) }));
    expect(json.verdict.clearSessions[0].commands).toContain('diagnose sys session clear');
    expect(json.config).toEqual(expect.objectContaining({ defaultVoipAlgMode: 'proxy-based', sipHelpers: [{ id: 13, protocol: 17, port: 5060 }] }));
    expect(json.sip).toEqual(expect.objectContaining({ messages: 0, lines: expect.any(Object) }));
  });

  it('prints the verdict first, then the SIP summary, as plain text by default (no Slack markup)', async () => {
    const io = recordingIo();
    expect(await main(['analyze', fixture('r1-alg-74.txt')], io)).toBe(0);
    const lines = io.out.split('\n');
    expect(lines[0]).toMatch(/^SIP handler: SIP ALG \(R1, R3\) on FGT-A/);
    expect(lines).toContain('Evidence');
    expect(lines).toContain('• from diagnose sys sip status:');
    expect(io.out).toMatch(/^Remediation/m);
    expect(io.out).toMatch(/REGISTER/); // the capture's REGISTER appears in the SIP summary
    // No mrkdwn survives: no bold stars at word bounds, no code fences, no backticks around values.
    expect(io.out).not.toMatch(/(^|\s)\*\S[^*\n]*\S\*(\s|$)/m);
    expect(io.out).not.toContain('```');
    expect(io.out.split('\n').filter((l) => !l.startsWith('    ') && l.includes('`'))).toEqual([]); // (blocks are verbatim)
    // Remediation CLI stays a block of its own: indented, each line pasteable.
    expect(io.out).toMatch(/^ {4}config system settings$/m);
  });

  it('draws the text ladder of the calls, as the attached report does', async () => {
    const io = recordingIo();
    expect(await main(['analyze', join(__dirname, 'fixtures', 'transcripts', 'clean-kernel-helper.txt')], io)).toBe(0);
    const json = recordingIo();
    expect(await main(['analyze', join(__dirname, 'fixtures', 'transcripts', 'clean-kernel-helper.txt'), '--json'], json)).toBe(0);
    const calls = JSON.parse(json.out).sip.calls as Array<{ callId: string }>;
    expect(calls.length).toBeGreaterThan(0);
    // The ladder names its call and draws its INVITE as an arrow.
    expect(io.out).toContain(calls[0].callId);
    expect(io.out).toMatch(/INVITE.*>|>.*INVITE/);
  });

  it('concatenates several files in order and reads - from stdin', async () => {
    const full = await readFile(fixture('r5-helper.txt'), 'utf8');
    const cut = full.indexOf('FGT-A # show firewall policy');
    const io = recordingIo({ stdin: full.slice(cut) });
    const first = join(__dirname, '..', 'test', 'fixtures', 'verdict', 'r5-helper.txt');
    // First half from a file, second half from stdin: only the concatenation has every command.
    const tmpIo = { ...io, open: async (p: string) => (p === first ? { chunks: [full.slice(0, cut)] } : io.open(p)) };
    expect(await main(['analyze', first, '-', '--json'], tmpIo)).toBe(0);
    expect(JSON.parse(io.out).verdict.handler).toBe('session-helper');
  });

  it('exits 2 with a clear message on unreadable input', async () => {
    const io = recordingIo();
    expect(await main(['analyze', fixture('does-not-exist.txt')], io)).toBe(2);
    expect(io.err).toMatch(/cannot read .*does-not-exist\.txt: no such file \(ENOENT\)/);
    expect(io.out).toBe('');
  });

  it('exits 2 when the input has no CLI commands', async () => {
    const io = recordingIo({ stdin: 'just some text\nwithout prompts\n' });
    expect(await main(['analyze', '-'], io)).toBe(2);
    expect(io.err).toContain('no CLI commands or SIP debug lines found');
  });

  it.each([
    [[], 'missing command: analyze or sweep'],
    [['frobnicate'], 'unknown command "frobnicate": the commands are analyze and sweep'],
    [['analyze'], 'analyze needs at least one FILE (or - for stdin)'],
    [['analyze', 'x.txt', '--yaml'], 'unknown option --yaml'],
    [['analyze', 'x.txt', '--pcap', '-'], '--pcap writes a file: give a file name, not -'],
  ])('bad usage %j: exit 2, one line and where the help is, not the whole help', async (argv, line) => {
    const io = recordingIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toBe(`sip-check: ${line}\nsee \`sip-check --help\`\n`);
    expect(io.out).toBe('');
  });

  it('--help, -h and help print the usage; --version prints the package version', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = recordingIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out).toContain('Usage: sip-check analyze');
      expect(io.out).toContain('--json');
    }
    const pkg = JSON.parse(await readFile(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const argv of [['--version'], ['version']]) {
      const io = recordingIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out).toBe(`sip-check ${pkg.version}\n`);
    }
  });

  it('--pcap into a folder that does not exist names the folder', async () => {
    const io = recordingIo();
    expect(await main(['analyze', fixture('r1-alg-74.txt'), '--pcap', '/nonexistent-sip-check-dir/out.pcap'], io)).toBe(2);
    expect(io.err).toBe('sip-check: cannot write /nonexistent-sip-check-dir/out.pcap: the folder /nonexistent-sip-check-dir does not exist (create it first)\n');
  });
});

describe('sip-check analyze: streaming input and its guards (issue 17)', () => {
  const TRANSCRIPTS = join(__dirname, 'fixtures', 'transcripts');
  const clean = () => readFile(join(TRANSCRIPTS, 'clean-kernel-helper.txt'), 'utf8');
  /** An io whose inputs are given chunk by chunk (as a stream would deliver them). */
  function chunkedIo(inputs: Record<string, Array<Buffer | string>>, extra: Partial<CliIo> = {}) {
    const io = recordingIo();
    return Object.assign(io, { open: async (p: string) => ({ chunks: inputs[p] ?? [], size: (inputs[p] ?? []).reduce((n, c) => n + Buffer.byteLength(c), 0) }) }, extra);
  }

  it.each([
    ['pcap', Buffer.from('d4c3b2a102000400000000000000000000000400010000', 'hex'), 'looks like a pcap capture, not a CLI transcript: open it in Wireshark'],
    ['pcapng', Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff', 'hex'), 'looks like a pcapng capture'],
    ['gzip', Buffer.from('1f8b0800000000000003', 'hex'), 'gzip-compressed: decompress it first'],
    ['UTF-16', Buffer.from('\ufeffFGT # get system status\n', 'utf16le'), 'UTF-16 text: convert it to UTF-8 first'],
    ['NUL bytes', Buffer.alloc(5000, 0), 'binary data'],
  ])('refuses %s input from its first bytes, with a clear message', async (_kind, bytes, message) => {
    // The rest of the "file" never needs reading: the refusal comes from the head.
    const rest = Buffer.alloc(64 * 1024, 0x41);
    const io = chunkedIo({ 'capture.bin': [bytes, rest] });
    expect(await main(['analyze', 'capture.bin'], io)).toBe(2);
    expect(io.err).toContain(`sip-check: cannot analyse capture.bin: this`);
    expect(io.err).toContain(message);
    expect(io.out).toBe('');
  });

  it('a terminal log with a stray NUL and a UTF-8 BOM is still text', async () => {
    const text = '\ufeff' + (await clean()).replace('FGT60F-BR1 # show system session-helper', 'FGT60F-BR1 # show system session-helper\x00');
    const io = chunkedIo({ 'log.txt': [text] });
    expect(await main(['analyze', 'log.txt', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out).verdict.handler).toBe('session-helper');
  });

  it('a transcript with CR-only line ends (old Mac) is read line by line', async () => {
    const io = chunkedIo({ 'mac.txt': [(await clean()).replace(/\n/g, '\r')] });
    expect(await main(['analyze', 'mac.txt', '--json'], io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json.verdict.handler).toBe('session-helper');
    expect(json.sip.messages).toBe(11);
  });

  it('a line longer than the bound is counted and skipped; the rest is analysed', async () => {
    const text = await clean();
    const at = text.indexOf('FGT60F-BR1 # show firewall policy');
    const long = 'A'.repeat(MAX_LINE_CHARS * 2 + 123) + '\n';
    // Delivered in 64 KB chunks, as a file stream would: the long line is never held whole.
    const body = Buffer.from(text.slice(0, at) + long + text.slice(at));
    const chunks: Buffer[] = [];
    for (let k = 0; k < body.length; k += 64 * 1024) chunks.push(body.subarray(k, k + 64 * 1024));
    const io = chunkedIo({ 'long.txt': chunks });
    expect(await main(['analyze', 'long.txt', '--json'], io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json.input.longLinesSkipped).toBe(1);
    expect(io.err).toContain('skipped 1 line longer than 512 KiB');
    expect(json.verdict.handler).toBe('session-helper');
    expect(json.sip.messages).toBe(11);
  });

  it('two sessions (config in one, a new login and the capture in the other) are one timeline, in the order given', async () => {
    const text = await clean();
    const enable = text.indexOf('FGT60F-BR1 # diagnose debug disable');
    const config = text.slice(0, enable) + 'FGT60F-BR1 # exit\n';
    const capture = 'login as: admin\nadmin@192.0.2.1\'s password:\n\nFGT60F-BR1 # ' + text.slice(enable + 'FGT60F-BR1 # '.length);
    const io = chunkedIo({ 'a.log': [config], 'b.log': [capture], 'ab.log': [config + capture] });
    expect(await main(['analyze', 'a.log', 'b.log', '--json'], io)).toBe(0);
    const two = JSON.parse(io.out);
    expect(two.verdict.handler).toBe('session-helper');
    expect(two.sip.messages).toBe(11);
    expect(two.input.files).toBe(2);
    io.out = '';
    expect(await main(['analyze', 'ab.log', '--json'], io)).toBe(0);
    const one = JSON.parse(io.out);
    expect({ verdict: one.verdict, sip: one.sip }).toEqual({ verdict: two.verdict, sip: two.sip });
  });

  it('a debug log alone is analysed (no prompt needed)', async () => {
    const io = recordingIo();
    expect(await main(['analyze', join(TRANSCRIPTS, 'debug-only.log'), '--json'], io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json.verdict.handler).toBe('unknown');
    expect(json.sip.calls[0].state).toBe('completed');
    expect(json.input.commands).toBe(0);
  });

  it('shows progress on a terminal (bytes, MB/s, time left), never with --json or in a pipe', async () => {
    const text = Buffer.from(await clean());
    const chunks = [text.subarray(0, 8000), text.subarray(8000, 16000), text.subarray(16000)];
    let t = 0;
    const now = () => (t += 1500);
    const tty = chunkedIo({ 'log.txt': chunks }, { stderrIsTTY: true, now });
    expect(await main(['analyze', 'log.txt'], tty)).toBe(0);
    expect(tty.err).toMatch(/\rsip-check: read 0\.0\d? MB of 0\.0\d? MB, [\d.]+ MB\/s, about \d+ s left/);
    expect(tty.err.endsWith('\r\x1b[K')).toBe(true);
    const json = chunkedIo({ 'log.txt': chunks }, { stderrIsTTY: true, now });
    expect(await main(['analyze', 'log.txt', '--json'], json)).toBe(0);
    expect(json.err).toBe('');
    const pipe = chunkedIo({ 'log.txt': chunks }, { stderrIsTTY: false, now });
    expect(await main(['analyze', 'log.txt'], pipe)).toBe(0);
    expect(pipe.err).toBe('');
  });

  it('exposes every SIP message rebuilt from the stream, in order (the hook the pcap writer uses)', async () => {
    const seen: string[] = [];
    const io = chunkedIo({ 'log.txt': [await clean()] });
    const run = await analyseInputs(['log.txt'], io, { onMessage: (m) => seen.push(`${m.record.src}>${m.record.dst} ${m.text.split('\r\n')[0]}`) });
    expect(typeof run).toBe('object');
    expect(seen[0]).toBe('192.168.1.10:5060>198.51.100.7:5060 REGISTER sip:pbx.example.com SIP/2.0');
    expect(seen.map((s) => s.split(' ').slice(1, 3).join(' '))).toEqual([
      'REGISTER sip:pbx.example.com',
      'SIP/2.0 401',
      'REGISTER sip:pbx.example.com',
      'SIP/2.0 200',
      'INVITE sip:2002@pbx.example.com',
      'SIP/2.0 100',
      'SIP/2.0 180',
      'SIP/2.0 200',
      'ACK sip:2002@198.51.100.7:5060',
      'BYE sip:2002@198.51.100.7:5060',
      'SIP/2.0 200',
    ]);
  });

  it('parses flags from the table: unknown ones and values where none is taken are usage errors', () => {
    expect(parseArgs(['a.log', '--json', '-'])).toEqual({ files: ['a.log', '-'], flags: { '--json': true } });
    expect(parseArgs(['--json=yes'])).toBe('--json takes no value');
    expect(parseArgs(['--frobnicate'])).toBe('unknown option --frobnicate');
  });
});

describe('sip-check analyze (the real binary)', () => {
  it('runs bin/sip-check.js and prints JSON', async () => {
    const bin = join(__dirname, '..', 'bin', 'sip-check.js');
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'analyze', fixture('r2-helper.txt'), '--json'], { timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.verdict.handler).toBe('session-helper');
    expect(json.verdict.vdoms[0].policies[0]).toEqual(expect.objectContaining({ id: 3, handler: 'session-helper', rule: 'R2' }));
  }, 60_000);

  it('exits 2 on a missing file', async () => {
    const bin = join(__dirname, '..', 'bin', 'sip-check.js');
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, [bin, 'analyze', '/nonexistent/transcript.txt'], { timeout: 60_000 }, (err) => resolve(err ? Number(err.code) : 0));
    });
    expect(code).toBe(2);
  }, 60_000);
});
