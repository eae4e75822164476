/**
 * The terminal adapter as a user runs it (`npm start` with no .env): a child process driven through stdin and
 * stdout, against the embedded simulated `fw-demo`.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BotProcess } from '../../support/bot';

jest.setTimeout(120_000);

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sip-check-e2e-'));
}

describe('terminal adapter (npm start with no .env)', () => {
  afterEach(() => BotProcess.killAll());

  test('help, an unknown firewall, then a full check of fw-demo in a thread', async () => {
    const cwd = tempDir();
    const bot = new BotProcess(cwd, {});
    await bot.waitFor(/type `\/sip-check help`/);
    bot.type('/sip-check help');
    await bot.waitFor(/Firewalls you may check: `fw-demo`/);
    bot.type('/sip-check fw99');
    await bot.waitFor(/Unknown firewall `fw99`[^\n]*fw-demo/);
    bot.type('/sip-check fw-demo seconds=2 ; execute reboot');
    await bot.waitFor(/✘[^\n]*\n(?:[^\n]*\n)*?[^\n]*sip-check help/);
    const checkStarted = Math.floor(Date.now() / 1000) * 1000;
    bot.type('/sip-check fw-demo seconds=2');
    await bot.waitFor(/^● fw-demo: sip-alg/m);
    const checkEnded = Date.now();
    bot.type('quit');
    expect(await bot.exited).toEqual({ code: 0, signal: null });

    const out = bot.stdout;
    expect(out).toMatch(/● SIP check on fw-demo {2}\(seconds=2 level=-1\)/);
    expect(out).toMatch(/└ SIP handler: SIP ALG \(R1\)/);
    expect(out).toMatch(/Debug on the firewall: disabled and reset ✔/);
    expect(out).toMatch(/Calls:/);
    // The files the Slack adapter would upload are saved under the attachments directory.
    const checks = readdirSync(path.join(cwd, 'var', 'attachments'));
    expect(checks).toHaveLength(1);
    const files = readdirSync(path.join(cwd, 'var', 'attachments', checks[0])).sort();
    expect(files).toEqual([
      expect.stringMatching(/^sip-check-fw-demo-\d{8}T\d{6}Z\.pcap$/),
      'sip-check-fw-demo-ladder.png',
      'sip-check-fw-demo-report.txt',
      'sip-check-fw-demo-sip-debug.log',
      'sip-check-fw-demo-transcript.txt',
    ]);
    // The demo unit stamps its debug lines as it prints them: the capture's timestamps lie inside the check's own
    // window, as a real capture's do (not a recording's date, not minutes of replays).
    const debugLog = readFileSync(path.join(cwd, 'var', 'attachments', checks[0], 'sip-check-fw-demo-sip-debug.log'), 'utf8');
    const stamps = [...debugLog.matchAll(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) /gm)].map((m) => Date.parse(`${m[1]}T${m[2]}Z`));
    expect(stamps.length).toBeGreaterThan(0);
    expect(Math.min(...stamps)).toBeGreaterThanOrEqual(checkStarted);
    expect(Math.max(...stamps)).toBeLessThanOrEqual(checkEnded);
    expect(out).toMatch(/SIP messages as a capture file \(pcapng: Wireshark, sngrep -I\): \S+\.pcap/);
    // Audit: one start, one end, debug reset confirmed.
    const audit = readFileSync(path.join(cwd, 'var', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const end = audit.find((r) => r.event === 'check-end');
    expect(end).toMatchObject({ firewall: 'fw-demo', outcome: 'ok', verdict: 'sip-alg', debugReset: true });
    expect(audit.filter((r) => r.event === 'rejected' || r.event === 'denied')).toHaveLength(2);
  });
});
