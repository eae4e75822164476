import {
  ACTION_IDS,
  buildConfigVerdictMessage,
  buildFailureMessage,
  buildFinalParentMessage,
  buildParentMessage,
  buildSummaryMessage,
  buildVerdictMessage,
  commandTextOf,
  decodeButtonValue,
  encodeButtonValue,
  longerSeconds,
  progressLine,
  rerunNotice,
  SLACK_LIMITS,
  withRerunNotice,
  type KnownBlock,
  type SlackMessage,
} from '../../../src/adapters/slack/blocks';
import { CheckError } from '../../../src/errors';
import type { Verdict } from '../../../src/verdict/types';
import { checkMessage, textProblemsOf } from '../../support/fakeSlack';
import { makeRequest, makeResult, makeSipSummary, SESSION_HELPER_VERDICT } from './fixtures';

/** Every text in a message's blocks, for content assertions. */
function allText(m: SlackMessage): string {
  return JSON.stringify(m.blocks);
}

function blockTextLength(blocks: KnownBlock[]): number {
  let n = 0;
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string' && key === 'text') n += v.length;
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(blocks);
  return n;
}

function expectWithinLimits(m: SlackMessage): void {
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(blockTextLength(m.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.totalBlockText);
  for (const b of m.blocks) {
    if (b.type === 'section') {
      expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
  }
  // An independent check: the fake Slack's own rules accept it.
  expect(checkMessage({ text: m.text, blocks: m.blocks })).toBeUndefined();
}

describe('verdict card', () => {
  it('states the handler, firewall facts, rule and evidence', () => {
    const m = buildVerdictMessage(makeResult());
    const t = allText(m);
    expect(m.blocks[0]).toMatchObject({ type: 'header' });
    expect(t).toContain('SIP session helper (kernel)');
    expect(t).toContain('FGT-EDGE-01');
    expect(t).toContain('v7.2.8,build1639');
    expect(t).toContain('kernel-helper-based');
    expect(t).toContain('sip 5060/UDP (id 13)');
    expect(t).toContain('*Rule R5:*');
    expect(t).toContain('set default-voip-alg-mode kernel-helper-based');
    expect(t).toContain('debug disabled and reset on the firewall (confirmed)');
    expect(m.text).toContain('fw01: SIP handled by SIP session helper (kernel) (rule R5)');
    // same handler on every policy: no per-policy list
    expect(t).not.toContain('differ');
    expectWithinLimits(m);
  });

  it('makes a mismatch stand out and lists per-policy results when they differ', () => {
    const verdict: Verdict = {
      ...SESSION_HELPER_VERDICT,
      handler: 'mismatch',
      rule: 'R8',
      vdoms: [
        {
          ...SESSION_HELPER_VERDICT.vdoms[0],
          handler: 'mismatch',
          notes: ['config says sip-alg (proxy-based) but `diagnose sys sip-proxy calls list` is empty while the session list shows helper=sip'],
          policies: [
            { id: 3, name: 'LAN-to-SIP-trunk', handler: 'sip-alg', rule: 'R1', reason: 'VoIP profile "default" with SIP enabled' },
            { id: 7, name: 'SIP-trunk-in', handler: 'session-helper', rule: 'R2', reason: 'VoIP profile with SIP disabled; helper 13 covers 5060' },
          ],
        },
      ],
    };
    const m = buildVerdictMessage(makeResult({ verdict }));
    const t = allText(m);
    expect(t).toContain(':rotating_light:');
    expect(t).toContain('*Mismatch:*');
    expect(t).toContain('helper=sip');
    expect(t).toContain('Policies in `root` differ');
    expect(t).toContain('policy 3 (`LAN-to-SIP-trunk`): *SIP ALG (voipd proxy)* (R1)');
    expect(t).toContain('policy 7 (`SIP-trunk-in`): *SIP session helper (kernel)* (R2)');
    expectWithinLimits(m);
    const parent = buildFinalParentMessage(makeResult({ verdict }), { maxSeconds: 120 });
    expect(parent.text).toMatch(/^fw01: MISMATCH: the config and the runtime evidence disagree on who handles SIP \(rule R8\)/);
    expect(allText(parent)).toContain(':rotating_light:');
  });

  it('escapes firewall text so it cannot inject Slack mentions or links', () => {
    const verdict: Verdict = {
      ...SESSION_HELPER_VERDICT,
      explanation: 'policy "<!channel>" has no VoIP profile',
      evidence: [{ source: 'show system settings', text: 'set comments "<!channel> <https://evil.example|click>"' }],
    };
    const m = buildVerdictMessage(makeResult({ verdict }));
    const t = allText(m);
    expect(t).not.toContain('<!channel>');
    expect(t).toContain('&lt;!channel&gt;');
    // the top-level text is rendered as mrkdwn too
    expect(m.text).not.toContain('<!channel>');
    expect(m.text).toContain('&lt;!channel&gt;');
  });

  it('warns when debug reset was not confirmed, naming the cleanup commands', () => {
    const base = makeResult();
    const t = allText(buildVerdictMessage({ ...base, capture: { ...base.capture, debugReset: false } }));
    expect(t).toContain('debug reset NOT confirmed');
    expect(t).toContain('diagnose debug disable');
    expect(t).toContain('diagnose debug reset');
  });

  it('keeps a huge evidence block and a long header within limits, saying the rest is in the file', () => {
    const verdict: Verdict = { ...SESSION_HELPER_VERDICT, explanation: 'x'.repeat(5000), evidence: Array.from({ length: 400 }, (_, i) => ({ source: 'diagnose sys session list', text: `session info: proto=17 proto_state=01 duration=${i} expire=179 helper=sip` })) };
    const m = buildVerdictMessage(makeResult({ verdict, request: makeRequest({ firewall: 'f'.repeat(200) }) }));
    expectWithinLimits(m);
    expect(allText(m)).toContain('the full report is in the attached file');
  });

  it('the card from the configuration and its settled and superseding forms keep every limit, the status line first', () => {
    const verdict: Verdict = { ...SESSION_HELPER_VERDICT, explanation: 'x'.repeat(5000), evidence: Array.from({ length: 400 }, (_, i) => ({ source: 'diagnose sys session list', text: `session info: proto=17 proto_state=01 duration=${i} expire=179 helper=sip` })) };
    const request = makeRequest({ firewall: 'f'.repeat(200) });
    const result = makeResult({ verdict, request });
    const early = { request, verdict: { ...verdict, evidence: [] }, config: result.config, captureSeconds: 20, readAt: new Date() };
    const first = buildConfigVerdictMessage(early);
    const missing = buildConfigVerdictMessage(early, 'the check was cancelled');
    const settled = buildVerdictMessage({ ...result, early });
    const superseding = buildVerdictMessage({ ...result, early }, { supersedes: 'cant_update_message' });
    for (const m of [first, missing, settled, superseding]) expectWithinLimits(m);
    // Right under the header, before the facts: where this answer comes from.
    const second = (m: SlackMessage) => JSON.stringify(m.blocks[1]);
    expect(second(first)).toContain('From the configuration; runtime evidence in 20 s.');
    expect(second(missing)).toContain('Runtime evidence missing: the check was cancelled.');
    expect(second(settled)).toContain('Confirmed by the runtime evidence: `diagnose sys session list`');
    expect(second(superseding)).toContain('This card supersedes the verdict from the configuration posted above (that card could not be updated: cant_update_message)');
    expect(JSON.stringify(superseding.blocks[2])).toContain('Confirmed by the runtime evidence');
  });
});

describe('summary', () => {
  it('lists problems first, then counts, calls and registrations', () => {
    const m = buildSummaryMessage(makeResult());
    const t = allText(m);
    expect(t.indexOf('Problems (2)')).toBeGreaterThan(-1);
    expect(t.indexOf('Problems (2)')).toBeLessThan(t.indexOf('*Calls (2)*'));
    expect(t).toContain('private-address-in-sdp');
    expect(t).toContain('INVITE 2');
    expect(t).toContain('`sip:1001@pbx.example.net`: 401→200');
    expect(t).toContain('PCMA/telephone-event');
    expect(m.text).toBe('SIP summary for fw01: 24 messages, 2 calls, 2 registrations, 2 problems.');
    expectWithinLimits(m);
  });

  it('lists call outcomes apart from problems, grouped with their count (issue 22 §3)', () => {
    const sip = { ...makeSipSummary(2), outcomes: [{ method: 'INVITE', status: 486, reason: 'Busy Here', count: 12, callIds: ['a@x'] }, { method: 'INVITE', status: 487, reason: 'Request Terminated', count: 1, callIds: ['b@x'] }] };
    const t = allText(buildSummaryMessage(makeResult({ sip })));
    expect(t).toContain('*Call outcomes* (answers, not faults): INVITE 486 Busy Here ×12, INVITE 487 Request Terminated ×1');
    expect(t.indexOf('*Call outcomes*')).toBeLessThan(t.indexOf('Problems (2)'));
  });

  it('stays within every limit for a 5,000-call capture and says where the rest is', () => {
    const sip = makeSipSummary(5000);
    sip.problems = Array.from({ length: 800 }, (_, i) => ({ kind: 'retransmission' as const, message: `INVITE retransmitted 4 times for call ${i}: no 100 Trying from 203.0.113.10 `.repeat(3), evidence: [] }));
    const m = buildSummaryMessage(makeResult({ sip }));
    expectWithinLimits(m);
    const t = allText(m);
    // every part keeps a share of the budget: problems do not crowd out the counts and calls
    expect(t).toContain('Problems (800)');
    expect(t).toContain('*Calls (5000)*');
    expect(t).toContain('*Registrations (2)*');
    expect(t).toMatch(/and 4\d{3} more in the attached report/);
  });

  it('says so when no SIP was seen', () => {
    const sip = { ...makeSipSummary(0), messages: 0, problems: [], registrations: [] };
    expect(allText(buildSummaryMessage(makeResult({ sip })))).toContain('No SIP messages were seen');
  });
});

describe('parent and buttons', () => {
  it('echoes options and the requester while running', () => {
    const m = buildParentMessage(makeRequest({ options: { seconds: 20, level: -1, vdom: 'root', peer: '203.0.113.10' } }), { phase: 'capturing', elapsedSeconds: 12, totalSeconds: 20 });
    expect(allText(m)).toContain('capturing 12/20 s');
    expect(allText(m)).toContain('seconds=20 level=-1 vdom=root peer=203.0.113.10');
    expect(allText(m)).toContain('<@U024BE7LH>');
    expectWithinLimits(m);
  });

  it('progress lines name each phase', () => {
    expect(progressLine({ phase: 'reading-config' })).toBe('reading config');
    expect(progressLine({ phase: 'capturing', elapsedSeconds: 25, totalSeconds: 20 })).toBe('capturing 20/20 s');
    expect(progressLine({ phase: 'failed', detail: 'timeout' })).toBe('failed: timeout');
  });

  it('final parent carries the verdict line and buttons whose values are canonical command text', () => {
    const request = makeRequest({ options: { seconds: 20, level: -1, vdom: 'root', port: 5080 } });
    const m = buildFinalParentMessage(makeResult({ request }), { maxSeconds: 30 });
    expect(m.text).toMatch(/^fw01: SIP handled by SIP session helper \(kernel\) \(rule R5\); 2 calls, 2 problems/);
    const actions = m.blocks.find((b) => b.type === 'actions');
    expect(actions).toBeDefined();
    const elements = (actions as { elements: Array<{ action_id: string; value: string }> }).elements;
    expect(elements.map((e) => e.action_id)).toEqual([ACTION_IDS.captureAgain, ACTION_IDS.longerCapture, ACTION_IDS.configOnly, ACTION_IDS.showRemediation]);
    expect(decodeButtonValue(elements[0].value)).toEqual({ command: 'fw01 seconds=20 level=-1 vdom=root port=5080', checkId: 'chk-0001' });
    expect(decodeButtonValue(elements[1].value)?.command).toBe('fw01 seconds=30 level=-1 vdom=root port=5080');
    // "Config only" keeps the scope (VDOM, port) and drops what only a capture uses.
    expect(decodeButtonValue(elements[2].value)?.command).toBe('fw01 config vdom=root port=5080');
    expectWithinLimits(m);
  });

  it('a config-only check offers itself again and the capture it left out', () => {
    const request = makeRequest({ options: { seconds: 20, level: -1, vdom: 'root', configOnly: true } });
    const m = buildFinalParentMessage(makeResult({ request, capture: { stoppedBy: 'not-run', bytes: 0, lines: 0, seconds: 0, level: -1, debugReset: false } }), { maxSeconds: 120 });
    expect(m.text).toMatch(/^fw01: SIP handled by SIP session helper \(kernel\) \(rule R5\); config only, no SIP capture$/);
    const elements = (m.blocks.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string; text: { text: string } }> }).elements;
    expect(elements.map((e) => [e.action_id, e.text.text, decodeButtonValue(e.value)?.command])).toEqual([
      [ACTION_IDS.configOnly, 'Config again', 'fw01 config vdom=root'],
      [ACTION_IDS.captureAgain, 'With capture (20 s)', 'fw01 seconds=20 level=-1 vdom=root'],
      [ACTION_IDS.showRemediation, 'Show remediation', 'fw01 config vdom=root'],
    ]);
    expectWithinLimits(m);
  });

  it('one call, one problem: singular wherever a count is shown (card, channel line, summary)', () => {
    const sip = makeSipSummary(1);
    const base = makeResult({ sip: { ...sip, problems: sip.problems.slice(0, 1), messages: 1, registrations: sip.registrations.slice(0, 1) } });
    const result = { ...base, capture: { ...base.capture, lines: 1, bytes: 1 } };
    const messages = [buildFinalParentMessage(result, { maxSeconds: 120 }), buildVerdictMessage(result), buildSummaryMessage(result)];
    expect(messages[0].text).toMatch(/; 1 call, 1 problem in the capture$/);
    expect(JSON.stringify(messages[0].blocks)).toContain('1 call, 1 problem');
    expect(JSON.stringify(messages[1].blocks)).toContain('1 line, 1 byte');
    expect(messages[2].text).toBe('SIP summary for fw01: 1 message, 1 call, 1 registration, 1 problem.');
    for (const m of messages) expect(textProblemsOf(m as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('a rerun notice goes before the clicked message\'s buttons, replaces an earlier one, and escapes nothing twice', () => {
    const request = makeRequest({ options: { seconds: 40, level: -1 } });
    const clicked = buildFinalParentMessage(makeResult(), { maxSeconds: 120 });
    const running = withRerunNotice(clicked, rerunNotice(request, { state: 'running' }));
    expect(running.blocks.map((b) => b.type)).toEqual(['section', 'context', 'context', 'actions']);
    expect(running.text).toBe(`${clicked.text}\n↻ <@U024BE7LH> ran \`fw01 seconds=40 level=-1\` again: running in this thread.`);
    const done = withRerunNotice(running, rerunNotice(request, { state: 'done', outcome: 'fw01: SIP handled by <x> & co' }));
    expect(done.blocks.filter((b) => b.block_id === 'sip_check_rerun')).toHaveLength(1);
    expect(JSON.stringify(done.blocks)).toContain('again: fw01: SIP handled by &lt;x&gt; &amp; co. Details in this thread.');
    expect(done.text.split('↻')).toHaveLength(2);
    expectWithinLimits(done);
    expect(textProblemsOf(done as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('drops "Longer capture" at the cap', () => {
    const m = buildFinalParentMessage(makeResult({ request: makeRequest({ options: { seconds: 120, level: -1 } }) }), { maxSeconds: 120 });
    expect(JSON.stringify(m.blocks)).not.toContain(ACTION_IDS.longerCapture);
    expect(longerSeconds(20, 120)).toBe(40);
    expect(longerSeconds(90, 120)).toBe(120);
    expect(longerSeconds(120, 120)).toBeUndefined();
  });

  it('button values round-trip and reject foreign input', () => {
    const v = { command: commandTextOf('fw01', { seconds: 20, level: -1 }), checkId: 'c1' };
    expect(decodeButtonValue(encodeButtonValue(v))).toEqual(v);
    expect(decodeButtonValue('fw01')).toBeUndefined();
    expect(decodeButtonValue('{"c":1,"id":"x"}')).toBeUndefined();
    expect(decodeButtonValue(undefined)).toBeUndefined();
  });
});

describe('failure message', () => {
  it('says what to do and the check id (describeErrorForChat), and states the debug reset', () => {
    const m = buildFailureMessage(makeRequest(), new CheckError('auth-failed', 'Authentication to fw01 failed.'), { debugReset: null });
    expect(m.text).toContain('SSH authentication failed');
    expect(m.text).toContain(makeRequest().id);
    expect(m.text).toContain('Check the username and the credential');
    expect(m.text).toContain('No debug was started');
    const notReset = buildFailureMessage(makeRequest(), new CheckError('disconnected', 'Connection to fw01 lost during capture.'), { debugReset: false });
    expect(notReset.text).toContain('could NOT be confirmed');
    expect(notReset.text).toContain('diagnose debug disable');
    expectWithinLimits(notReset);
  });
});
