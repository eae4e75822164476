/**
 * Issue 20 §5: Ctrl-C in the terminal during a check. On a terminal readline gets Ctrl-C as a key (0x03), not as a
 * signal: the first stops the running check as SIGINT does (debug disabled and reset on the firewall, said on
 * screen), the second quits. The real terminal adapter on a terminal-mode stream, the real check service, the real
 * ssh2 FortiGate simulator; its state says whether debug was reset.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runConsole } from '../../../src/adapters/console/repl';
import { AuditLog } from '../../../src/check/audit';
import { RateLimiter } from '../../../src/check/rateLimit';
import { createCheckService } from '../../../src/check/service';
import { isDebugClean } from '../../../src/simulator';
import { MemoryJournal, openerFor, startFirewall, testLimits, type SimulatedFirewall } from '../../support/harness';

jest.setTimeout(120_000);

describe('Ctrl-C in the terminal adapter', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
  });

  test('the first Ctrl-C stops the capture and resets debug, the second quits', async () => {
    fw = await startFirewall();
    const limits = testLimits({ maxSeconds: 120, checkTimeoutMs: 120_000 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-ctrlc-'));
    const service = createCheckService({
      inventory: { source: 'test', firewalls: [fw.entry] },
      limits,
      openSession: openerFor(fw, limits),
      journal: new MemoryJournal(),
      audit: new AuditLog(path.join(dir, 'audit.jsonl')),
      rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
      maxConcurrent: 2,
      log: () => undefined,
    });
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = '';
    const waiters: Array<() => void> = [];
    output.on('data', (c: Buffer) => {
      screen += c.toString('utf8');
      for (const w of waiters.splice(0)) w();
    });
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => (pattern.test(screen) ? resolve() : waiters.push(check));
        check();
      });
    const ended = runConsole({ input, output, service, attachmentsDir: dir, tty: true, userId: 'U0TESTER' });

    input.write('/sip-check fw01 seconds=90\r');
    await seen(/capturing SIP debug/);
    expect(isDebugClean(fw.sim.state)).toBe(false);
    input.write('\x03');
    await seen(/■ Stopped 1 check/);
    expect(screen).toContain('^C: stopping the running check');
    expect(screen).toMatch(/Stopped with Ctrl-C\.[\s\S]*debug was disabled and reset/);
    expect(isDebugClean(fw.sim.state)).toBe(true);

    input.write('\x03');
    await ended; // quits: runConsole resolves
  });
});
