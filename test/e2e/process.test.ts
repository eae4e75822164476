/**
 * The bot as a process: the terminal adapter driven through stdin/stdout, and the process-level rows of the
 * fault matrix (SIGTERM mid-capture; kill -9 mid-capture, then a restart that resets debug from the journal).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDebugClean } from '../../src/simulator';
import { BotProcess } from '../support/bot';
import { PASSWORD_ENV, TEST_PASSWORD, startFirewall, type SimulatedFirewall } from '../support/harness';

jest.setTimeout(120_000);

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sip-check-e2e-'));
}

describe('terminal adapter (npm start with no .env)', () => {
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
    bot.type('/sip-check fw-demo seconds=2');
    await bot.waitFor(/^● fw-demo: sip-alg/m);
    bot.type('quit');
    expect(await bot.exited).toEqual({ code: 0, signal: null });

    const out = bot.stdout;
    expect(out).toMatch(/● SIP check on fw-demo {2}\(seconds=2 level=-1\)/);
    expect(out).toMatch(/└ \*SIP handler: SIP ALG\*/);
    expect(out).toMatch(/Debug on the firewall: disabled and reset ✔/);
    expect(out).toMatch(/Calls:/);
    // The files the Slack adapter would upload are saved under the attachments directory.
    const checks = readdirSync(path.join(cwd, 'var', 'attachments'));
    expect(checks).toHaveLength(1);
    const files = readdirSync(path.join(cwd, 'var', 'attachments', checks[0])).sort();
    expect(files).toEqual(['sip-check-fw-demo-ladder.png', 'sip-check-fw-demo-report.txt', 'sip-check-fw-demo-sip-debug.log', 'sip-check-fw-demo-transcript.txt']);
    // Audit: one start, one end, debug reset confirmed.
    const audit = readFileSync(path.join(cwd, 'var', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const end = audit.find((r) => r.event === 'check-end');
    expect(end).toMatchObject({ firewall: 'fw-demo', outcome: 'ok', verdict: 'sip-alg', debugReset: true });
    expect(audit.filter((r) => r.event === 'rejected' || r.event === 'denied')).toHaveLength(2);
  });
});

describe('process faults: debug ends reset', () => {
  let fw: SimulatedFirewall;
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    fw = await startFirewall();
    cwd = tempDir();
    writeFileSync(
      path.join(cwd, 'inventory.yml'),
      [
        'firewalls:',
        '  - name: fw01',
        '    host: 127.0.0.1',
        `    port: ${fw.entry.port}`,
        '    username: admin',
        `    password_env: ${PASSWORD_ENV}`,
        `    host_key: ${fw.sim.hostKeyFingerprint}`,
        '    allow:',
        '      users: [U0TESTER]',
        '',
      ].join('\n'),
    );
    env = { SIP_CHECK_INVENTORY: 'inventory.yml', SIP_CHECK_CONSOLE_USER: 'U0TESTER', [PASSWORD_ENV]: TEST_PASSWORD };
  });
  afterEach(async () => {
    await fw.sim.close();
  });

  test('SIGTERM mid-capture: graceful shutdown resets debug before exit', async () => {
    const bot = new BotProcess(cwd, env);
    await bot.waitFor(/type `\/sip-check help`/);
    bot.type('/sip-check fw01 seconds=120');
    await bot.waitFor(/capturing SIP debug/);
    expect(fw.sim.state.debug.enabled).toBe(true);
    bot.kill('SIGTERM');
    const exit = await bot.exited;
    expect(exit.code).toBe(0);
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(bot.stdout).toMatch(/shutting down/);
    expect(bot.stdout).toMatch(/debug was disabled and reset/);
  });

  test('kill -9 mid-capture, then restart: the journal makes the new process reset debug', async () => {
    const first = new BotProcess(cwd, env);
    await first.waitFor(/type `\/sip-check help`/);
    first.type('/sip-check fw01 seconds=120');
    await first.waitFor(/capturing SIP debug/);
    first.kill('SIGKILL');
    await first.exited;
    // The device keeps its debug levels when the session dies; the journal remembers the firewall.
    expect(isDebugClean(fw.sim.state)).toBe(false);
    const journalFile = path.join(cwd, 'var', 'journal.json');
    expect(readFileSync(journalFile, 'utf8')).toContain('fw01');

    const second = new BotProcess(cwd, env);
    await second.waitFor(/type `\/sip-check help`/);
    second.type('quit');
    expect((await second.exited).code).toBe(0);
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(existsSync(journalFile) ? readFileSync(journalFile, 'utf8') : '').not.toContain('fw01');
    const audit = readFileSync(path.join(cwd, 'var', 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(/"event":"recovery"[^\n]*"debugReset":true/);
  });
});
