import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { main, type CliIo } from '../src/cli';

const FIXTURES = join(__dirname, 'fixtures', 'verdict');
const fixture = (name: string) => join(FIXTURES, name);

function fakeIo(stdin = ''): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    open: async (p: string) => (p === '-' ? { chunks: [Buffer.from(stdin)] } : { chunks: createReadStream(p) }),
  };
  return io;
}

describe('sip-check analyze (in process)', () => {
  it('--json prints exactly one JSON object with the documented shape', async () => {
    const io = fakeIo();
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
    expect(json.verdict.remediation).toContain('config firewall policy');
    expect(json.config).toEqual(expect.objectContaining({ defaultVoipAlgMode: 'proxy-based', sipHelpers: [{ id: 13, protocol: 17, port: 5060 }] }));
    expect(json.sip).toEqual(expect.objectContaining({ messages: 0, lines: expect.any(Object) }));
  });

  it('prints the verdict first, then the SIP summary, as text by default', async () => {
    const io = fakeIo();
    expect(await main(['analyze', fixture('r1-alg-74.txt')], io)).toBe(0);
    const lines = io.out.split('\n');
    expect(lines[0]).toMatch(/^\*SIP handler: SIP ALG\* \(R1, R3\) on FGT-A/);
    expect(io.out).toContain('*Remediation*');
    expect(io.out).toMatch(/REGISTER/); // the capture's REGISTER appears in the SIP summary
  });

  it('concatenates several files in order and reads - from stdin', async () => {
    const full = await readFile(fixture('r5-helper.txt'), 'utf8');
    const cut = full.indexOf('FGT-A # show firewall policy');
    const io = fakeIo(full.slice(cut));
    const first = join(__dirname, '..', 'test', 'fixtures', 'verdict', 'r5-helper.txt');
    // First half from a file, second half from stdin: only the concatenation has every command.
    const tmpIo = { ...io, open: async (p: string) => (p === first ? { chunks: [full.slice(0, cut)] } : io.open(p)) };
    expect(await main(['analyze', first, '-', '--json'], tmpIo)).toBe(0);
    expect(JSON.parse(io.out).verdict.handler).toBe('session-helper');
  });

  it('exits 2 with a clear message on unreadable input', async () => {
    const io = fakeIo();
    expect(await main(['analyze', fixture('does-not-exist.txt')], io)).toBe(2);
    expect(io.err).toMatch(/cannot read .*does-not-exist\.txt: no such file \(ENOENT\)/);
    expect(io.out).toBe('');
  });

  it('exits 2 when the input has no CLI commands', async () => {
    const io = fakeIo('just some text\nwithout prompts\n');
    expect(await main(['analyze', '-'], io)).toBe(2);
    expect(io.err).toContain('no CLI commands or SIP debug lines found');
  });

  it('exits 2 on bad usage, 0 on --help', async () => {
    for (const argv of [[], ['frobnicate'], ['analyze'], ['analyze', 'x.txt', '--yaml']]) {
      const io = fakeIo();
      expect(await main(argv, io)).toBe(2);
      expect(io.err).toContain('Usage: sip-check analyze');
    }
    const io = fakeIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('--json');
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
