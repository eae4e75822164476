/**
 * Live checks never answer for part of a unit as if it were the whole (issue 11 §2): against a restricted admin
 * profile whose `diagnose sys vd list` is refused (src/simulator/scenarios/fw-restricted.txt), the check reads
 * the VDOM names from `show system interface`, compares them with the count in `get system status`, and marks
 * the verdict partial, saying which VDOMs were checked and how to check another.
 */
import path from 'node:path';
import { runCheck, type RunOutcome } from '../../src/check/run';
import { buildFinalParentMessage, buildVerdictMessage } from '../../src/adapters/slack/blocks';
import { isDebugClean } from '../../src/simulator';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

const SCENARIOS = path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios');
const RESTRICTED = path.join(SCENARIOS, 'fw-restricted.txt');
const MULTI_VDOM = path.join(SCENARIOS, 'fw-multi-vdom.txt');

jest.setTimeout(30_000);

describe('VDOM coverage of a live check', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await fw?.sim.close();
    fw = undefined;
  });

  async function check(scenario: string, options: { vdom?: string } = {}): Promise<{ outcome: RunOutcome; reporter: RecordingReporter; fw: SimulatedFirewall }> {
    fw = await startFirewall({ scenario });
    const reporter = new RecordingReporter();
    const outcome = await runCheck(request('fw01', { seconds: 1, ...options }), {
      entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal: new MemoryJournal(),
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined,
    });
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(fw.sim.state.configWrites).toEqual([]);
    return { outcome, reporter, fw };
  }

  const entered = (f: SimulatedFirewall) => f.sim.commandLog.filter((c) => c.command.startsWith('edit ')).map((c) => c.command);

  test('VDOM list refused: names from the interfaces, 2 of 3 checked, the verdict says partial and how to check another', async () => {
    const { outcome, reporter, fw: f } = await check(RESTRICTED);
    expect(outcome.error).toBeUndefined();
    const verdict = outcome.result!.verdict;
    expect(verdict.vdoms.map((v) => v.name).sort()).toEqual(['root', 'voice']);
    expect(verdict.partial).toMatchObject({ source: 'interfaces', total: 3, unnamed: 1, notChecked: [] });
    expect(verdict.partial!.checked.sort()).toEqual(['root', 'voice']);
    expect(verdict.partial!.listProblem).toMatch(/Return code -37/);
    expect(verdict.partial!.explanation).toMatch(/^Partial answer: 2 of 3 VDOMs checked \((root, voice|voice, root)\)/);
    expect(verdict.partial!.explanation).toContain('1 more VDOM exists per `get system status`');
    // The read-only fallback ran under `config global`; no unknown VDOM was entered (that would create it).
    expect(f.sim.commandLog.some((c) => c.context === 'global' && c.command === 'show system interface')).toBe(true);
    expect(new Set(entered(f))).toEqual(new Set(['edit root', 'edit voice']));
    // What the user reads in Slack: the header and the parent are marked partial, the card explains it.
    const card = JSON.stringify(buildVerdictMessage(reporter.finalResult!).blocks);
    expect(card).toContain('partial: 2 of 3 VDOMs checked');
    expect(card).toContain('Partial answer: 2 of 3 VDOMs checked');
    expect(buildFinalParentMessage(reporter.finalResult!, { maxSeconds: 60 }).text).toContain('partial: 2 of 3 VDOMs checked');
  });

  test('vdom=voice on the restricted unit: voice only, root named as not checked', async () => {
    const { outcome } = await check(RESTRICTED, { vdom: 'voice' });
    expect(outcome.error).toBeUndefined();
    const partial = outcome.result!.verdict.partial!;
    expect(partial.checked).toEqual(['voice']);
    expect(partial.notChecked).toEqual(['root']);
    expect(partial.explanation).toContain('Not checked: root. Check one with `vdom=NAME`, e.g. `vdom=root`.');
  });

  test('vdom=lab (exists, but no readable source names it) is refused without entering it', async () => {
    const { outcome, fw: f } = await check(RESTRICTED, { vdom: 'lab' });
    expect(outcome.error?.kind).toBe('usage');
    expect(outcome.error?.message).toContain('`lab` is not among the VDOMs fw01 showed (root, voice)');
    expect(entered(f)).toEqual([]);
  });

  test('VDOM list readable: every VDOM checked, nothing partial', async () => {
    const { outcome, fw: f } = await check(MULTI_VDOM);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result!.verdict.vdoms.map((v) => v.name)).toEqual(['voice', 'root']);
    expect(outcome.result!.verdict.partial).toBeUndefined();
    expect(f.sim.commandLog.some((c) => c.command === 'show system interface')).toBe(false);
  });
});
