/**
 * Leave the firewall as it was found (issue 11 §4): the capture turns on `diagnose debug console timestamp enable`
 * and sets `diagnose debug duration N`. The check reads `diagnose debug info` first and puts both back afterwards,
 * or says why it could not.
 */
import { runCheck } from '../../src/check/run';
import { buildVerdictMessage } from '../../src/adapters/slack/blocks';
import { debugDurationMinutes, debugRestoreCommands } from '../../src/check/plan';
import { putBackDebugSettings } from '../../src/check/debugState';
import { parseDebugInfo } from '../../src/fortios/parsers';
import { isDebugClean } from '../../src/simulator';
import type { Faults } from '../../src/simulator';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

jest.setTimeout(30_000);

/** `diagnose debug info` as a FortiGate prints it: no duration line, a leftover IKE level. */
const INFO_NO_DURATION = `debug output:           disable
console timestamp:      disable
console no user log message:    disable
ike debug level:        -1 (0xffffffff)
CLI debug level:        3`;

describe('diagnose debug info', () => {
  it('reads output, timestamp, duration and application levels, not the CLI\'s own level', () => {
    expect(parseDebugInfo(`debug output:           enable\nconsole timestamp:      enable\nconsole no user log message:    disable\ndebug output duration:  0 minutes\nsip debug level:        -1 (0xffffffff)\nCLI debug level:        3\n`)).toEqual({
      outputEnabled: true, consoleTimestamp: true, durationMinutes: 0, levels: { sip: -1 },
    });
    expect(parseDebugInfo(INFO_NO_DURATION)).toEqual({ outputEnabled: false, consoleTimestamp: false, levels: { ike: -1 } });
  });

  it('plans what to put back, and names what it cannot know', () => {
    const options = { seconds: 20, level: -1 };
    expect(debugRestoreCommands(parseDebugInfo(INFO_NO_DURATION), options)).toEqual({
      commands: ['diagnose debug console timestamp disable'], restored: ['console timestamp disabled'], unknown: ['debug duration (left at 2 min)'],
    });
    expect(debugRestoreCommands({ consoleTimestamp: true, durationMinutes: debugDurationMinutes(20), levels: {} }, options)).toEqual({ commands: [], restored: [], unknown: [] });
    expect(debugRestoreCommands({ consoleTimestamp: true, durationMinutes: 0, levels: {} }, options).commands).toEqual(['diagnose debug duration 0']);
    expect(debugRestoreCommands(undefined, options).unknown).toEqual(['console timestamp (left enabled)', 'debug duration (left at 2 min)']);
  });
});

describe('putting the settings back', () => {
  const options = { seconds: 20, level: -1 };
  it('says what it could not know, and what the CLI refused', async () => {
    const notes: string[] = [];
    let restored: string[] | undefined;
    const sent: string[] = [];
    await putBackDebugSettings(async (command) => {
      sent.push(command);
      return { command, context: null, output: '' };
    }, debugRestoreCommands(parseDebugInfo(INFO_NO_DURATION), options), 'fw01', notes, (r) => (restored = r));
    expect(sent).toEqual(['diagnose debug console timestamp disable']);
    expect(restored).toEqual(['console timestamp disabled']);
    expect(notes).toEqual(['Not put back on fw01: debug duration (left at 2 min). `diagnose debug info` did not show its state before the check.']);

    const refused: string[] = [];
    await putBackDebugSettings(async (command) => ({ command, context: null, output: 'Command fail. Return code -37', error: { kind: 'command-fail', text: 'Command fail. Return code -37' } }),
      debugRestoreCommands({ consoleTimestamp: false, durationMinutes: 30, levels: {} }, options), 'fw01', refused, () => undefined);
    expect(refused).toEqual(['The debug settings of fw01 could not all be put back as found: `diagnose debug console timestamp disable` (Command fail. Return code -37), `diagnose debug duration 30` (Command fail. Return code -37) failed.']);
  });
});

describe('a live check leaves the debug console settings as found', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
    fw = undefined;
  });

  async function check(before: Partial<{ consoleTimestamp: boolean; durationMinutes: number; levels: Record<string, number> }>, faults?: Partial<Faults>) {
    fw = await startFirewall({ faults });
    Object.assign(fw.sim.state.debug, before);
    const reporter = new RecordingReporter();
    const outcome = await runCheck(request('fw01', { seconds: 2 }), {
      entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal: new MemoryJournal(),
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined,
    });
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(fw.sim.state.configWrites).toEqual([]);
    const commands = fw.sim.commandLog.map((c) => c.command);
    return { outcome, reporter, commands, result: outcome.result! };
  }

  test('timestamp off and the 30-minute default before: both put back after the final reset, said in the card', async () => {
    const { result, commands, reporter } = await check({ consoleTimestamp: false, durationMinutes: 30 });
    expect(fw!.sim.state.debug).toMatchObject({ consoleTimestamp: false, durationMinutes: 30 });
    // Read before anything changes; put back after the last reset.
    expect(commands.indexOf('diagnose debug info')).toBeLessThan(commands.indexOf('diagnose debug console timestamp enable'));
    const lastReset = commands.lastIndexOf('diagnose debug reset');
    expect(commands.slice(lastReset + 1, lastReset + 3)).toEqual(['diagnose debug console timestamp disable', 'diagnose debug duration 30']);
    expect(result.capture.settingsRestored).toEqual(['console timestamp disabled', 'debug duration 30 min']);
    expect(JSON.stringify(buildVerdictMessage(result).blocks)).toContain('put back as found: console timestamp disabled, debug duration 30 min');
    expect(reporter.notes.join('\n')).not.toMatch(/debug settings/i);
  });

  test('already as the capture needs: nothing sent back', async () => {
    const { result, commands } = await check({ consoleTimestamp: true, durationMinutes: debugDurationMinutes(2) });
    expect(result.capture.settingsRestored).toEqual([]);
    expect(result.capture.settingsUnknown).toEqual([]);
    expect(JSON.stringify(buildVerdictMessage(result).blocks)).toContain('console timestamp and duration as found');
    expect(commands).not.toContain('diagnose debug console timestamp disable');
    expect(commands.filter((c) => c.startsWith('diagnose debug duration'))).toEqual([`diagnose debug duration ${debugDurationMinutes(2)}`]);
  });

  test('an unlimited duration (0) is put back as found', async () => {
    await check({ consoleTimestamp: true, durationMinutes: 0 });
    expect(fw!.sim.state.debug.durationMinutes).toBe(0);
  });

  test('another debug level in use before the check: the thread says the reset cleared it', async () => {
    const { reporter } = await check({ levels: { ike: -1 } });
    expect(reporter.notes.join('\n')).toContain('Debug was already in use on fw01 before this check (levels ike -1)');
  });

  test('the link drops mid-capture: the reconnect resets debug and puts the settings back too', async () => {
    const { result, reporter } = await check({ consoleTimestamp: false, durationMinutes: 30 }, { dropOn: { debugLines: 20 } });
    expect(result.cutShort?.phase).toBe('capture');
    expect(fw!.sim.state.debug).toMatchObject({ consoleTimestamp: false, durationMinutes: 30 });
    expect(reporter.notes.join('\n')).toContain('Debug settings of fw01 put back as found: console timestamp disabled, debug duration 30 min.');
  });
});
