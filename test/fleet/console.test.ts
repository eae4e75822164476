/** Fleet commands in the terminal adapter as a user runs it (`npm start` with no .env), through main.ts's wiring. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BotProcess } from '../support/bot';

jest.setTimeout(120_000);

describe('fleet in the terminal', () => {
  let bot: BotProcess | undefined;
  afterEach(() => {
    if (bot && bot.child.exitCode === null) bot.kill('SIGKILL');
  });

  test('/sip-check all sweeps fw-demo (config only), writes the CSV and JSON; watch and tag= answer', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'sip-check-fleet-console-'));
    bot = new BotProcess(cwd, {});
    await bot.waitFor(/type `\/sip-check help`/);
    bot.type('/sip-check help');
    await bot.waitFor(/\n {2}\/sip-check watch {8}the drift watch/);
    // The fleet lines are indented as the options are, under one heading that says "no debug" once.
    const help = bot.stdout.slice(bot.stdout.lastIndexOf('Usage: '));
    expect(help).toMatch(/\nFleet \(config reads only, no debug\):\n {2}\/sip-check all {10}every firewall you may check: who handles SIP, in one table\n {2}\/sip-check tag=NAME {5}/);
    expect(help.match(/no debug/g)).toHaveLength(1);
    bot.type('/sip-check all');
    await bot.waitFor(/│ Sweep of 1 firewall in [\d.]+ s: 1 SIP ALG/);
    bot.type('/sip-check watch');
    await bot.waitFor(/The drift watch is off: set SIP_CHECK_WATCH_CHANNEL and SIP_CHECK_WATCH_EVERY/);
    bot.type('/sip-check tag=branch');
    await bot.waitFor(/✘ None of the firewalls you may check here is tagged `branch`/);
    bot.type('quit');
    expect(await bot.exited).toEqual({ code: 0, signal: null });

    expect(bot.stdout).toMatch(/● Sweep of every firewall you may check: 1 firewall, config only \(no debug\) {2}requested by console/);
    expect(bot.stdout).toMatch(/│ {3}fw-demo {2}\S+ {2}FortiGate-\S+ v7\.4\.3/);
    const dirs = readdirSync(path.join(cwd, 'var', 'attachments')).filter((d) => d.startsWith('sweep-'));
    expect(dirs).toHaveLength(1);
    const files = readdirSync(path.join(cwd, 'var', 'attachments', dirs[0])).sort();
    expect(files).toEqual([expect.stringMatching(/^sip-check-sweep-.*\.csv$/), expect.stringMatching(/^sip-check-sweep-.*\.json$/)]);
    const json = JSON.parse(readFileSync(path.join(cwd, 'var', 'attachments', dirs[0], files[1]), 'utf8')) as { firewalls: Array<{ name: string; handler: string }> };
    expect(json.firewalls).toEqual([expect.objectContaining({ name: 'fw-demo', handler: 'sip-alg' })]);
    const audit = readFileSync(path.join(cwd, 'var', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.find((r) => r.event === 'check-end' && r.action === 'sweep')).toMatchObject({ outcome: 'ok', userId: 'console' });
  });
});
