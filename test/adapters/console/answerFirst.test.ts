/**
 * The terminal shows the same two steps as Slack (issue 23): the verdict from the configuration as soon as it is
 * read, then what the runtime evidence did to it; and it accepts `config` (no debug). The real REPL, service and
 * SSH driver against the simulator, in process.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runConsole } from '../../../src/adapters/console/repl';
import { AuditLog } from '../../../src/check/audit';
import { RateLimiter } from '../../../src/check/rateLimit';
import { createCheckService } from '../../../src/check/service';
import { MemoryJournal, openerFor, startFirewall, testLimits, type SimulatedFirewall } from '../../support/harness';
import { closeReadOnly } from '../../support/readOnly';

jest.setTimeout(60_000);

describe('terminal: the answer first, then the runtime evidence; `config` without debug', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  it('prints the config verdict before the capture, then the settlement; `config` sends no debug line', async () => {
    fw = await startFirewall();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-console-'));
    const limits = testLimits();
    const inner = createCheckService({
      inventory: { source: 'test', firewalls: [fw.entry] },
      limits,
      openSession: openerFor(fw, limits),
      journal: new MemoryJournal(),
      audit: new AuditLog(path.join(dir, 'audit.jsonl')),
      rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }),
      maxConcurrent: 2,
      log: () => undefined,
    });
    // The REPL does not wait for a check; the test does (one check per firewall at a time).
    let running: Promise<void> = Promise.resolve();
    const service: typeof inner = {
      ...inner,
      handle: async (text, requester, makeReporter) => {
        const outcome = await inner.handle(text, requester, makeReporter);
        if (outcome.kind === 'started') running = outcome.done;
        return outcome;
      },
    };
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    const waiters: Array<{ pattern: RegExp; from: number; resolve: () => void }> = [];
    output.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of [...waiters]) {
        if (w.pattern.test(out.slice(w.from))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    const waitFor = (pattern: RegExp) => new Promise<void>((resolve) => waiters.push({ pattern, from: out.length, resolve }));
    const done = runConsole({ input, output, service, attachmentsDir: path.join(dir, 'attachments'), tty: false, userId: 'U0TESTER' });

    let finished = waitFor(/^● fw01: /m);
    input.write('/sip-check fw01 seconds=1\n');
    await finished;
    const first = out;
    const verdictAt = first.indexOf('⧗ From the configuration; runtime evidence in 1 s.');
    expect(verdictAt).toBeGreaterThan(first.indexOf('reading the configuration'));
    expect(verdictAt).toBeLessThan(first.indexOf('capturing SIP debug'));
    expect(first.indexOf('└ SIP handler: SIP ALG (R1)')).toBeLessThan(verdictAt);
    const settledAt = first.indexOf('✔ Confirmed by the runtime evidence:');
    expect(settledAt).toBeGreaterThan(first.indexOf('capturing SIP debug'));
    // Confirmed: the whole verdict is not printed a second time.
    expect(first.split('SIP handler: SIP ALG (R1)')).toHaveLength(2);

    await running;
    const from = fw.sim.commandLog.length;
    const mark = out.length;
    finished = waitFor(/^● fw01: /m);
    input.write('/sip-check fw01 config\n');
    await finished;
    input.end('quit\n');
    await done;
    const second = out.slice(mark);
    expect(second).toMatch(/● SIP check on fw01 {2}\(config\)/);
    expect(second).not.toContain('From the configuration; runtime evidence');
    expect(second).not.toContain('capturing SIP debug');
    expect(second).toContain('└ SIP handler: SIP ALG (R1)');
    expect(second).toContain('Config only: no SIP capture; no diagnose debug command was sent to the firewall.'); // plain text in a terminal
    const received = fw.sim.commandLog.slice(from).map((e) => e.command);
    expect(received).toContain('show firewall policy');
    expect(received.filter((c) => /^diag(?:nose)?\s+debug\b/.test(c))).toEqual([]);
    await service.shutdown(1000);
  });
});
