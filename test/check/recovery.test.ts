/**
 * Start-up recovery from the crash journal: debug left on by a check that died is reset, found by name or, when
 * the inventory renamed the firewall, by address; an entry for a device the inventory no longer knows is kept.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { DebugJournal } from '../../src/check/journal';
import { captureStartCommands } from '../../src/check/plan';
import { recoverUnfinishedDebug } from '../../src/check/recovery';
import { isDebugClean } from '../../src/simulator';
import { openerFor, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';

describe('recoverUnfinishedDebug', () => {
  let fw: SimulatedFirewall;
  afterEach(() => closeReadOnly(fw.sim));

  /** A check that died mid-capture: debug enabled, the session gone, the journal entry left behind. */
  async function leaveDebugOn(): Promise<void> {
    const session = await openerFor(fw)(fw.entry);
    // As the check does it: the dead-man timer is armed before debug is enabled.
    for (const command of captureStartCommands({ seconds: 20, level: -1 }, testLimits())) await session.run(command);
    await session.close();
    expect(isDebugClean(fw.sim.state)).toBe(false);
  }

  test.each([
    ['by name', (e: { name: string }) => e.name],
    ['by address after a rename in the inventory', () => 'fw-old-name'],
  ])('resets debug found %s and clears the entry', async (_how, journalName) => {
    fw = await startFirewall();
    await leaveDebugOn();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-rec-'));
    const journal = new DebugJournal(path.join(dir, 'journal.json'));
    await journal.begin({ checkId: 'c1', firewall: journalName(fw.entry), startedAt: new Date().toISOString(), pid: 1, host: fw.entry.host, port: fw.entry.port });
    const recovered = await recoverUnfinishedDebug({
      journal, inventory: { source: 't', firewalls: [fw.entry] }, openSession: openerFor(fw), audit: new AuditLog(path.join(dir, 'audit.jsonl')), log: () => undefined, commandTimeoutMs: 3000,
    });
    expect(recovered).toEqual([journalName(fw.entry)]);
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(new DebugJournal(path.join(dir, 'journal.json')).pending()).toEqual([]);
  });

  test('keeps an entry for a device the inventory no longer has, and says what to do', async () => {
    fw = await startFirewall();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-rec-'));
    const journal = new DebugJournal(path.join(dir, 'journal.json'));
    await journal.begin({ checkId: 'c2', firewall: 'fw-gone', startedAt: new Date().toISOString(), pid: 1, host: '192.0.2.77', port: 22 });
    const logged: string[] = [];
    const recovered = await recoverUnfinishedDebug({
      journal, inventory: { source: 't', firewalls: [fw.entry] }, openSession: openerFor(fw), audit: new AuditLog(path.join(dir, 'audit.jsonl')), log: (_l, m) => logged.push(m), commandTimeoutMs: 3000,
    });
    expect(recovered).toEqual([]);
    expect(new DebugJournal(path.join(dir, 'journal.json')).pending().map((e) => e.checkId)).toEqual(['c2']);
    expect(logged.join('\n')).toMatch(/diagnose debug reset/);
  });
});
