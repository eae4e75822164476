/**
 * Parity with an independent device (issue 12, item 6). The simulator answers from transcripts split by the
 * product's own parser, so a splitting bug would hit both sides of parity.test.ts alike. Here the device is raw
 * bytes (test/fixtures/raw/*.raw: echo, CRLF, pager and redraw, prompts per context, debug lines after the prompt)
 * played by test/support/rawDevice.ts, which knows nothing of the product. The live check over SSH must agree with
 * `sip-check analyze` on what a terminal showed for the same session's bytes (debug text on the idle prompt's
 * line, `diagnose debug disable` typed while it scrolls): rule, evidence, per-policy verdicts and the SIP summary,
 * not only the handler.
 */
import path from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { runCheck } from '../../src/check/run';
import { makeSessionOpener } from '../../src/check/connect';
import type { FirewallEntry } from '../../src/config/types';
import { readOnlyViolations } from '../../src/fortios/readOnly';
import { parseTranscript } from '../../src/fortios/transcript';
import { MemoryJournal, RecordingReporter, request, testLimits } from '../support/harness';
import { parityShape } from '../support/parityShape';
import { loadRawRecording, RawDevice, terminalText } from '../support/rawDevice';

const RAW = path.join(__dirname, '..', 'fixtures', 'raw');
const PASSWORD = 'Raw-Device-Pa55!';

describe('live check on a raw-bytes device == offline analyze of what the terminal showed', () => {
  let device: RawDevice | undefined;
  afterEach(async () => {
    await device?.close();
    device = undefined;
  });

  test.each([
    ['r1-alg-74.raw', 'sip-alg', 'FGT-A'],
    ['multi-vdom.raw', 'mixed', 'FGT-B'],
  ])('%s', async (file, handler, hostname) => {
    const recording = loadRawRecording(path.join(RAW, file));
    device = new RawDevice(recording, { username: 'admin', password: PASSWORD });
    const port = await device.start();
    const entry: FirewallEntry = {
      name: 'fw-raw', host: '127.0.0.1', port, username: 'admin', algorithms: 'default',
      auth: { type: 'password', passwordEnv: 'RAW_PASSWORD' }, hostKey: { fingerprints: [device.fingerprint] },
      allow: { users: ['U0TESTER'], userGroups: [], channels: [] },
    };
    const limits = testLimits();
    const outcome = await runCheck(request('fw-raw', { seconds: 1 }), {
      entry,
      limits,
      openSession: makeSessionOpener(limits, { RAW_PASSWORD: PASSWORD }),
      reporter: new RecordingReporter(),
      journal: new MemoryJournal(),
      signal: new AbortController().signal,
      now: () => new Date(),
      log: () => undefined,
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.debugReset).toBe(true);
    const live = outcome.result!;

    // Offline: what the user's terminal showed for the same session (the device's bytes), pasted into analyze.
    const offline = analyseTranscript(parseTranscript(terminalText(device.sent)));
    expect(offline.status.hostname).toBe(hostname);
    expect(live.hostname).toBe(hostname);
    expect(live.verdict.handler).toBe(handler);
    expect(parityShape(live.verdict, live.sip)).toEqual(parityShape(offline.verdict, offline.sip));
    // The raw device answered every line the check sent from its recording, and only read-only lines were sent.
    // Lines the recording lacks (debug controls, a read the transcript left out) were answered with echo and prompt.
    expect(readOnlyViolations(device.received, { vdoms: ['root', 'voice'] })).toEqual([]);
  });
});
