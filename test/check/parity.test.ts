/**
 * The same verdict live as offline: every verdict fixture is served by the simulator as a device, the real
 * check runs against it over SSH, and its verdict must equal `sip-check analyze` on the fixture file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { runCheck } from '../../src/check/run';
import { parseTranscript } from '../../src/fortios/transcript';
import { isDebugClean } from '../../src/simulator';
import type { Verdict } from '../../src/verdict/types';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'verdict');

/** Fixtures written to prove offline tolerance with commands the live plan does not send. */
const OFFLINE_ONLY: Record<string, string> = {
  'r3-default-show.txt': 'uses plain `show system settings`',
  'r5-helper.txt': 'adds `diagnose debug flow` commands',
  'missing-commands.txt': 'leaves out commands on purpose',
};
/** Options a live run needs to reproduce the fixture's capture (the SIP port it filtered on). */
const LIVE_OPTIONS: Record<string, { port?: number }> = {
  'r7-nondefault-port.txt': { port: 5080 },
};

function shape(v: Verdict) {
  return {
    handler: v.handler,
    vdoms: Object.fromEntries(
      v.vdoms.map((d) => [d.name, { handler: d.handler, policies: Object.fromEntries(d.policies.map((p) => [p.id, `${p.handler} ${p.rule}`])) }]),
    ),
  };
}

const cases = readdirSync(FIXTURES).filter((f) => f.endsWith('.txt') && !(f in OFFLINE_ONLY)).sort();

describe('live check == offline analyze', () => {
  let fw: SimulatedFirewall | undefined;
  afterEach(async () => {
    await closeReadOnly(fw?.sim);
    fw = undefined;
  });

  test('covers most fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(14);
  });

  test.each(cases)('%s', async (file) => {
    const fixture = path.join(FIXTURES, file);
    const offline = analyseTranscript(parseTranscript(readFileSync(fixture, 'utf8')));
    fw = await startFirewall({ scenario: fixture });
    const reporter = new RecordingReporter();
    const outcome = await runCheck(request('fw01', { seconds: 1, ...LIVE_OPTIONS[file] }), {
      entry: fw.entry,
      limits: testLimits(),
      openSession: openerFor(fw),
      reporter,
      journal: new MemoryJournal(),
      signal: new AbortController().signal,
      now: () => new Date(),
      log: () => undefined,
    });
    expect(outcome.error).toBeUndefined();
    expect(shape(outcome.result!.verdict)).toEqual(shape(offline.verdict));
    expect(isDebugClean(fw.sim.state)).toBe(true);
  });
});
