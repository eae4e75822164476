/**
 * The CLI transcript is the audit record (issue 20 §1, issue 25 §5): every line the bot typed on the firewall, in
 * order, after the prompt the unit printed before it, with a mark where its output was not read. Proved against
 * the simulator's own log of what it received and the prompt it had printed before each line.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/check/audit';
import { DebugJournal } from '../../src/check/journal';
import { captureStartCommands } from '../../src/check/plan';
import { recoverUnfinishedDebug } from '../../src/check/recovery';
import { runCheck, type RunOutcome } from '../../src/check/run';
import { COMMANDS, HOSTNAME } from '../../src/fortios/cli';
import { parseTranscript } from '../../src/fortios/transcript';
import { FortiGateSimulator, isDebugClean, loadScenario, type Faults } from '../../src/simulator';
import { receivedLines, typedLinesOf, withoutMarks } from '../support/cliRecord';
import type { FirewallEntry } from '../../src/config/types';
import { DEMO_SCENARIO, MemoryJournal, PASSWORD_ENV, RecordingReporter, TEST_PASSWORD, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';

jest.setTimeout(60_000);

const MULTI_VDOM = path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios', 'fw-multi-vdom.txt');

async function check(fw: SimulatedFirewall, options: Parameters<typeof request>[1] = {}): Promise<{ outcome: RunOutcome; transcript: string }> {
  const outcome = await runCheck(request('fw01', { seconds: 1, ...options }), {
    entry: fw.entry,
    limits: testLimits(),
    openSession: openerFor(fw),
    reporter: new RecordingReporter(),
    journal: new MemoryJournal(),
    signal: new AbortController().signal,
    now: () => new Date(),
    log: () => undefined,
  });
  expect(outcome.error).toBeUndefined();
  const file = outcome.result!.attachments.find((a) => a.filename.endsWith('-transcript.txt'));
  return { outcome, transcript: file!.content.toString('utf8') };
}

/** A simulator serving a scenario with another hostname in its prompts than `get system status` prints. */
async function startWithHostname(scenario: string, hostname: string, faults?: Partial<Faults>): Promise<SimulatedFirewall> {
  const sim = new FortiGateSimulator({ scenario: { ...loadScenario(scenario), hostname }, users: [{ username: 'admin', password: TEST_PASSWORD }], faults });
  const port = await sim.start();
  const entry: FirewallEntry = {
    name: 'fw01',
    host: '127.0.0.1',
    port,
    username: 'admin',
    auth: { type: 'password', passwordEnv: PASSWORD_ENV },
    hostKey: { fingerprints: [sim.hostKeyFingerprint] },
    allow: { users: ['U0TESTER'], userGroups: [], channels: [] },
    algorithms: 'default',
  };
  return { sim, entry, env: { [PASSWORD_ENV]: TEST_PASSWORD } };
}

describe('the CLI transcript records every line typed, in order', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  test('a normal check: the capture stop typed blind and the logout are there, marked', async () => {
    fw = await startFirewall();
    const { transcript } = await check(fw);
    const [lines, ...more] = typedLinesOf(transcript);
    expect(more).toEqual([]);
    expect(withoutMarks(lines)).toEqual(receivedLines(fw.sim.commandLog));
    // The stream stop between `enable` and `reset` (issue 20 §1), and the logout.
    const enable = lines.findIndex((l) => l.command === COMMANDS.debugEnable);
    expect(lines.slice(enable, enable + 3)).toEqual([
      { prompt: 'FGT-DEMO # ', command: COMMANDS.debugEnable },
      { prompt: 'FGT-DEMO # ', command: COMMANDS.debugDisable, unread: 'typed blind' },
      { prompt: 'FGT-DEMO # ', command: COMMANDS.debugReset },
    ]);
    expect(lines[lines.length - 1]).toEqual({ prompt: 'FGT-DEMO # ', command: COMMANDS.exit, unread: 'logout' });
    expect(lines.filter((l) => l.unread)).toHaveLength(2);
    expect(isDebugClean(fw.sim.state)).toBe(true);
  });

  test('`analyze` reads the record back: the same commands, marks ignored, outputs as read', async () => {
    fw = await startFirewall();
    const { outcome, transcript } = await check(fw);
    const parsed = parseTranscript(transcript);
    expect(parsed.map((r) => r.command)).toEqual(fw.sim.commandLog.map((e) => e.command));
    // Every output the check read is in the record, under its command, in order.
    const marks = typedLinesOf(transcript).flat();
    const read = parsed.filter((_r, i) => marks[i].unread === undefined);
    expect(read.map((r) => [r.command, r.context, r.output])).toEqual(outcome.result!.outputs.map((r) => [r.command, r.context, r.output]));
  });

  test('a dropped capture: the lost session, then the cleanup and logout on a fresh one', async () => {
    fw = await startFirewall({ faults: { dropOn: { debugLines: 5 } } });
    const { outcome, transcript } = await check(fw, { seconds: 5 });
    expect(outcome.result!.cutShort).toBeDefined();
    const connections = typedLinesOf(transcript);
    expect(connections).toHaveLength(2);
    expect(withoutMarks(connections.flat())).toEqual(receivedLines(fw.sim.commandLog));
    const [lost, fresh] = connections;
    // The link broke while debug streamed: nothing more was typed on it.
    expect(lost[lost.length - 1]).toEqual({ prompt: 'FGT-DEMO # ', command: COMMANDS.debugEnable });
    expect(fresh.slice(0, 2).map((l) => l.command)).toEqual([COMMANDS.debugDisable, COMMANDS.debugReset]);
    expect(fresh.slice(0, 2).every((l) => l.unread === undefined)).toBe(true);
    expect(fresh[fresh.length - 1]).toEqual({ prompt: 'FGT-DEMO # ', command: COMMANDS.exit, unread: 'logout' });
    expect(isDebugClean(fw.sim.state)).toBe(true);
  });

  test('a command that never returns its prompt is marked, and so is the logout typed into the stuck CLI', async () => {
    fw = await startFirewall({ faults: { hangAfter: COMMANDS.debugEnable } });
    const { transcript } = await check(fw);
    const connections = typedLinesOf(transcript);
    expect(connections).toHaveLength(2);
    expect(withoutMarks(connections.flat())).toEqual(receivedLines(fw.sim.commandLog));
    const stuck = connections[0];
    expect(stuck.slice(-2)).toEqual([
      { prompt: 'FGT-DEMO # ', command: COMMANDS.debugEnable, unread: 'no prompt' },
      { prompt: 'FGT-DEMO # ', command: COMMANDS.exit, unread: 'logout' },
    ]);
    expect(fw.sim.commandLog.find((e) => e.command === COMMANDS.exit)?.unanswered).toBe(true);
  });

  test('a recovery reset (a crashed check in the journal): its lines go to the audit record', async () => {
    fw = await startFirewall();
    const session = await openerFor(fw)(fw.entry);
    for (const command of captureStartCommands({ seconds: 20, level: -1 }, testLimits())) await session.run(command);
    await session.close();
    fw.sim.commandLog.length = 0;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-record-'));
    const journal = new DebugJournal(path.join(dir, 'journal.json'));
    await journal.begin({ checkId: 'c1', firewall: fw.entry.name, startedAt: new Date().toISOString(), pid: 1, host: fw.entry.host, port: fw.entry.port });
    const auditFile = path.join(dir, 'audit.jsonl');
    await recoverUnfinishedDebug({ journal, inventory: { source: 't', firewalls: [fw.entry] }, openSession: openerFor(fw), audit: new AuditLog(auditFile), log: () => undefined, commandTimeoutMs: 3000 });
    expect(isDebugClean(fw.sim.state)).toBe(true);
    const record = JSON.parse(readFileSync(auditFile, 'utf8').trim()) as { event: string; transcript: string };
    expect(record.event).toBe('recovery');
    const connections = typedLinesOf(record.transcript);
    expect(connections).toHaveLength(1);
    expect(withoutMarks(connections[0])).toEqual(receivedLines(fw.sim.commandLog));
    expect(connections[0].map((l) => [l.command, l.unread])).toEqual([
      [COMMANDS.debugDisable, undefined],
      [COMMANDS.debugReset, undefined],
      [COMMANDS.exit, 'logout'],
    ]);
  });
});

describe('the CLI transcript shows the prompts the unit printed (issue 25 §5)', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  test('VDOM and config contexts, and a prompt name other than the `get system status` hostname', async () => {
    // An HA member's prompt names the member; its `get system status` here says FGT-HQ.
    fw = await startWithHostname(MULTI_VDOM, 'FGT-HQ-B');
    const { outcome, transcript } = await check(fw);
    expect(outcome.result!.hostname).toBe('FGT-HQ');
    const lines = typedLinesOf(transcript).flat();
    expect(withoutMarks(lines)).toEqual(receivedLines(fw.sim.commandLog));
    expect(lines.every((l) => l.prompt.startsWith('FGT-HQ-B '))).toBe(true);
    const prompts = new Set(lines.map((l) => l.prompt));
    // `edit root` is typed at the `config vdom` picker's prompt, reads in a VDOM at its prompt, global reads at `(global)`.
    for (const p of ['FGT-HQ-B # ', 'FGT-HQ-B (vdom) # ', 'FGT-HQ-B (root) # ', 'FGT-HQ-B (global) # ']) expect(prompts).toContain(p);
    expect(lines.find((l) => l.command === 'edit root')?.prompt).toBe('FGT-HQ-B (vdom) # ');
  });
});

describe('a FortiGate with any valid hostname can be checked (issue 25 §5)', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  // Letters, digits, `-` and `_`, any of them first, up to 35 characters (HOSTNAME in src/fortios/cli.ts).
  test.each([
    ['leading underscore', '_fw01'],
    ['leading and trailing hyphen', '-edge-'],
    ['trailing underscore', 'edge_'],
    ['digits only', '20240311'],
    ['mixed case', 'FgT-Edge_01'],
    ['the longest allowed', '_' + 'A1-b'.repeat(8) + 'z_'],
  ])('%s: %s', async (_what, hostname) => {
    expect(hostname).toMatch(HOSTNAME);
    fw = await startWithHostname(DEMO_SCENARIO, hostname);
    const { outcome, transcript } = await check(fw);
    expect(outcome.result!.capture.lines).toBeGreaterThan(0);
    expect(outcome.result!.verdict.handler).toBe('sip-alg');
    const lines = typedLinesOf(transcript).flat();
    expect(withoutMarks(lines)).toEqual(receivedLines(fw.sim.commandLog));
    expect(new Set(lines.map((l) => l.prompt))).toEqual(new Set([`${hostname} # `]));
    expect(isDebugClean(fw.sim.state)).toBe(true);
  });
});
