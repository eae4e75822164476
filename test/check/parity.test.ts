/**
 * The same verdict live as offline: every verdict fixture is served by the simulator as a device, the real
 * check runs against it over SSH, and its verdict and SIP summary must equal `sip-check analyze` on the fixture
 * file. The simulator splits fixtures with the product's own parser: rawParity.test.ts covers an independent device.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { runCheck } from '../../src/check/run';
import { parseTranscript } from '../../src/fortios/transcript';
import { isDebugClean } from '../../src/simulator';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { parityShape } from '../support/parityShape';
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

/** The fixture with front matter that plays its debug stream once, at 1,000 lines/s (a temp file). */
function playOnce(fixture: string): string {
  const text = readFileSync(fixture, 'utf8');
  const keys = 'debugLoop: false\ndebugLinesPerSecond: 1000\n';
  const body = text.startsWith('---\n') ? text.replace(/^---\n/, `---\n${keys}`) : `---\n${keys}---\n${text}`;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sip-check-parity-')), path.basename(fixture));
  writeFileSync(file, body);
  return file;
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
    // The debug stream once, fast, not looped: the live capture then sees exactly the fixture's lines.
    fw = await startFirewall({ scenario: playOnce(fixture) });
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
    // Rule, evidence, per-policy verdicts and the SIP summary, not only the handler.
    // A fixture holds one `diagnose sys sip-proxy stats` per VDOM where the live check reads the capture VDOM twice
    // (the simulator repeats the answer): that "did not move" evidence exists live only.
    const opts = { anyOrder: true, dropEvidence: /did not move between the two readings/ };
    expect(parityShape(outcome.result!.verdict, outcome.result!.sip, opts)).toEqual(parityShape(offline.verdict, offline.sip, opts));
    expect(isDebugClean(fw.sim.state)).toBe(true);
  });
});
