/**
 * What a live check does with its capture: SIP_CHECK_REDACT applies to everything it attaches (and the redacted
 * raw capture still parses: hex dumps are re-encoded, not garbled); `peer=` / `port=` narrow the SIP summary.
 */
import { gunzipSync } from 'node:zlib';
import { runCheck } from '../../src/check/run';
import { SipCaptureAnalyzer } from '../../src/sip';
import { createRedactor } from '../../src/sip/redact';
import { MemoryJournal, RecordingReporter, openerFor, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';

describe('redaction of what the check attaches', () => {
  let fw: SimulatedFirewall;
  afterEach(() => closeReadOnly(fw.sim));

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

describe('peer= and port= narrow the SIP summary of a live check', () => {
  let fw: SimulatedFirewall;
  afterEach(() => closeReadOnly(fw.sim));

  test.each([
    ['a peer that is in the traffic', { peer: '10.10.20.15' }, (n: number) => expect(n).toBeGreaterThan(0)],
    ['a peer that is not', { peer: '192.0.2.99' }, (n: number) => expect(n).toBe(0)],
  ] as const)('%s', async (_name, options, expectMessages) => {
    fw = await startFirewall();
    const reporter = new RecordingReporter();
    await runCheck(request('fw01', { seconds: 2, ...options }), {
      entry: fw.entry, limits: testLimits(), openSession: openerFor(fw), reporter, journal: new MemoryJournal(),
      signal: new AbortController().signal, now: () => new Date(), log: () => undefined,
    });
    const result = reporter.finalResult!;
    expectMessages(result.sip.messages);
    expect(result.sip.lines.filteredOut).toBeGreaterThan(0);
    expect(result.notes.join('\n')).toMatch(new RegExp(`keeps only messages to or from peer ${options.peer.replace(/\./g, '\\.')}`));
    for (const call of result.sip.calls) for (const m of call.media) expect(m.leg).toContain(options.peer);
  });
});
