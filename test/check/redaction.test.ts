/**
 * SIP_CHECK_REDACT: what the check attaches (report, transcript, raw capture, ladder) follows the setting,
 * and the redacted raw capture still parses (hex dumps are re-encoded, not garbled).
 */
import { gunzipSync } from 'node:zlib';
import { runCheck } from '../../src/check/run';
import { SipCaptureAnalyzer } from '../../src/sip';
import { createRedactor } from '../../src/sip/redact';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';

describe('redaction of what the check attaches', () => {
  let fw: SimulatedFirewall;
  afterEach(() => fw.sim.close());

  test.each([
    ['users', { users: true, addresses: false }, ['1001@', '442079460018'], ['10.10.20.15']],
    ['addresses', { users: false, addresses: true }, ['10.10.20.15', '198.51.100.10'], ['1001@']],
  ] as const)('SIP_CHECK_REDACT=%s', async (_mode, opts, hidden, kept) => {
    fw = await startFirewall();
    const reporter = new RecordingReporter();
    await runCheck(request('fw01', { seconds: 2 }), {
      entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal: new MemoryJournal(),
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined, redact: createRedactor(opts),
    });
    const result = reporter.finalResult!;
    const texts = result.attachments
      .filter((a) => a.mimeType !== 'image/png')
      .map((a) => ({ name: a.filename, text: (a.filename.endsWith('.gz') ? gunzipSync(a.content) : a.content).toString('latin1') }));
    expect(texts.map((t) => t.name).some((n) => n.includes('sip-debug'))).toBe(true);
    for (const { name, text } of texts) {
      for (const value of hidden) if (text.includes(value)) throw new Error(`${name} still shows ${value}`);
    }
    const raw = texts.find((t) => t.name.includes('sip-debug'))!.text;
    for (const value of kept) expect(raw).toContain(value);
    // The redacted capture is still a capture: it parses to the same traffic.
    const again = new SipCaptureAnalyzer();
    for (const line of raw.split('\n')) again.pushLine(line);
    expect(again.summary().messages).toBe(result.sip.messages);
  });
});
