/** The pure core of fleet sweeps on realistic transcripts: config lines and their diff, drift, renderings, Slack blocks. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSweepProgressMessage, buildSweepSummaryMessage, buildWatchChangesMessage } from '../../src/adapters/slack/fleetBlocks';
import { textProblemsOf } from '../support/fakeSlack';
import { SLACK_LIMITS } from '../../src/adapters/slack/blocks';
import { parseFleetCommand } from '../../src/fleet/command';
import { describeConfigChange, diffConfigLines, sipConfigLines } from '../../src/fleet/configLines';
import { applyRun, describeChange, emptyState, type DriftChange } from '../../src/fleet/drift';
import { csvCell, renderSweepText, sweepCsv, sweepJson } from '../../src/fleet/render';
import { buildReport } from '../../src/fleet/sweep';
import type { SweepRow, SweepRequest } from '../../src/fleet/types';
import { parseTranscript } from '../../src/fortios/transcript';
import { decide, readFacts } from '../../src/verdict/index';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'verdict');
const linesOf = (file: string) => {
  const outputs = parseTranscript(readFileSync(path.join(FIXTURES, file), 'utf8'));
  return sipConfigLines(outputs, decide(readFacts(outputs)));
};

function row(name: string, over: Partial<SweepRow> = {}): SweepRow {
  return { name, handler: 'sip-alg', rule: 'R3', hostname: name.toUpperCase(), version: 'FortiGate-60F v7.2.8,build1639,240313 (GA.M)', vdoms: [{ name: 'root', handler: 'sip-alg' }], error: null, seconds: 0.4, configLines: [], ...over };
}

describe('sipConfigLines: the SIP-relevant config of a firewall, one line per set', () => {
  it('keeps the settings, the sip helper entry, the SIP policy and its VoIP profile (r2-helper: profile with SIP disabled)', () => {
    const lines = linesOf('r2-helper.txt');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^root: policy 3: set voip-profile \S+$/),
      expect.stringMatching(/^root: voip-profile \S+: config sip: set status disable$/),
      'global: session-helper 13: set name sip',
      'global: session-helper 13: set port 5060',
    ]));
    for (const line of lines) expect(line).toMatch(/^(root|global): .+: set [a-z-]+ .+$/);
  });

  it('on multi-VDOM units names the VDOM', () => {
    const lines = linesOf('multi-vdom.txt');
    expect(lines.some((l) => l.startsWith('voice: policy '))).toBe(true);
    expect(lines.some((l) => l.startsWith('root: policy '))).toBe(true);
  });

  it('diffs two readings into per-object gained/lost settings, worded like the watch posts them', () => {
    const before = ['root: policy 12: set action accept', 'root: policy 12: set inspection-mode flow', 'root: system settings: set default-voip-alg-mode proxy-based'];
    const after = ['root: policy 12: set action accept', 'root: policy 12: set voip-profile default', 'root: policy 12: set inspection-mode proxy', 'root: system settings: set default-voip-alg-mode proxy-based'];
    const changes = diffConfigLines(before, after);
    expect(changes).toEqual([{ object: 'root: policy 12', gained: ['set voip-profile default', 'set inspection-mode proxy'], lost: ['set inspection-mode flow'] }]);
    expect(describeConfigChange(changes[0], false)).toBe('policy 12 gained `set voip-profile default`, `set inspection-mode proxy` and lost `set inspection-mode flow`');
    expect(describeConfigChange(changes[0], true)).toBe('root: policy 12 gained `set voip-profile default`, `set inspection-mode proxy` and lost `set inspection-mode flow`');
  });
});

describe('applyRun: drift between sweeps', () => {
  const at = (h: number) => new Date(Date.UTC(2026, 11, 1, h)).toISOString();
  const report = (h: number, rows: SweepRow[]) => ({ ...buildReport(`run-${h}`, { kind: 'all' as const }, rows, new Date(at(h)), 1), generatedAt: at(h) });

  it('baseline: nothing but firewalls that cannot be read; then handler changes with their lines, outages once, recoveries, removals', () => {
    const down = { kind: 'unreachable' as const, message: 'connect ECONNREFUSED 192.0.2.7:22' };
    let r = applyRun(emptyState(), report(1, [row('fw1', { configLines: ['root: system settings: set default-voip-alg-mode kernel-helper-based'], handler: 'session-helper' }), row('fw2'), row('fw3', { handler: null, error: down })]), { complete: true });
    expect(r.changes).toEqual([{ kind: 'unreachable', firewall: 'fw3', error: down }]);

    r = applyRun(r.state, report(2, [row('fw1', { handler: 'sip-alg', configLines: [] }), row('fw2', { handler: null, error: { kind: 'busy', message: 'A check of fw2 is already running' } }), row('fw3', { handler: null, error: down })]), { complete: true });
    expect(r.changes.map((c) => describeChange(c))).toEqual(['fw1: session-helper → sip-alg; system settings lost `set default-voip-alg-mode kernel-helper-based`']);

    r = applyRun(r.state, report(3, [row('fw1'), row('fw3')]), { complete: true });
    expect(r.changes.map((c) => describeChange(c))).toEqual([`fw3: reachable again (down since ${at(1)}): sip-alg`, 'fw2: no longer in the inventory']);
    expect(r.state.history).toHaveLength(4);
    expect(r.state.runs.map((x) => x.id)).toEqual(['run-1', 'run-2', 'run-3']);
  });

  it('a firewall that could not be read: the whole message for the operator, the chat summary for Slack (no address, no user)', () => {
    const error = { kind: 'auth-failed' as const, message: 'authentication failed for user "sipcheck" on fw1 (192.0.2.1:22)' };
    const change = { kind: 'unreachable' as const, firewall: 'fw1', error };
    expect(describeChange(change)).toBe('fw1: could not be read (auth-failed: authentication failed for user "sipcheck" on fw1 (192.0.2.1:22))');
    expect(describeChange(change, 'chat')).toBe("fw1: could not be read (auth-failed: SSH authentication failed: the firewall refused the bot's login.)");
    // Recorded with its own chat summary (a sweep row does), that one is told.
    expect(describeChange({ ...change, error: { ...error, chat: 'The firewall is unreachable from the bot.' } }, 'chat')).toBe('fw1: could not be read (auth-failed: The firewall is unreachable from the bot.)');
  });

  it('a recovery says what actually changed: a fixed password is a login that works again, not "reachable again"', () => {
    const badPassword = { kind: 'auth-failed' as const, message: 'authentication failed for user "sipcheck" on fw1 (192.0.2.1:22)' };
    let r = applyRun(emptyState(), report(1, [row('fw1'), row('fw2'), row('fw3')]), { complete: true });
    r = applyRun(r.state, report(2, [row('fw1', { handler: null, error: badPassword }), row('fw2', { handler: null, error: { kind: 'host-key-mismatch', message: 'SSH host key of fw2 does not match' } }), row('fw3', { handler: null, error: { kind: 'permission-denied', message: 'Command fail' } })]), { complete: true });
    r = applyRun(r.state, report(3, [row('fw1'), row('fw2'), row('fw3')]), { complete: true });
    expect(r.changes.map((c) => describeChange(c))).toEqual([
      `fw1: login works again (refused since ${at(2)}): sip-alg`,
      `fw2: host key matches the pinned one again (host-key-mismatch since ${at(2)}): sip-alg`,
      `fw3: readable again (permission-denied since ${at(2)}): sip-alg`,
    ]);
  });

  it('keeps history and runs for a bounded time and count', () => {
    let state = emptyState();
    for (let h = 0; h < 6; h++) state = applyRun(state, report(h, [row('fw1', { handler: h % 2 ? 'sip-alg' : 'none' })]), { retention: { maxAgeMs: 3 * 3_600_000, maxEntries: 100 } }).state;
    expect(state.runs.map((x) => x.at)).toEqual([at(2), at(3), at(4), at(5)]);
    state = applyRun(state, report(6, [row('fw1', { handler: 'sip-alg' })]), { retention: { maxAgeMs: 1e12, maxEntries: 2 } }).state;
    expect(state.runs).toHaveLength(2);
    expect(state.history).toHaveLength(2);
  });
});

describe('renderings', () => {
  const rows = [
    row('fw-alg'),
    row('fw-mm', { handler: 'mismatch', rule: 'R8' }),
    row('fw-down', { handler: null, rule: null, hostname: null, version: null, vdoms: [], error: { kind: 'unreachable', message: 'connect ECONNREFUSED 192.0.2.7:22' } }),
    row('fw-helper', { handler: 'session-helper', rule: 'R5', hostname: '=HYPERLINK("http://x")' }),
  ];
  const report = buildReport('r1', { kind: 'all' }, rows, new Date('2026-12-01T10:00:00.000Z'), 1.23);

  it('JSON: exactly the documented keys, errors as { kind, message }', () => {
    const json = sweepJson(report) as { firewalls: Array<Record<string, unknown>>; counts: unknown };
    expect(Object.keys(json)).toEqual(['generatedAt', 'firewalls', 'counts']);
    expect(json.firewalls[2]).toEqual({ name: 'fw-down', handler: null, rule: null, hostname: null, version: null, vdoms: [], error: { kind: 'unreachable', message: 'connect ECONNREFUSED 192.0.2.7:22' }, seconds: 0.4 });
    expect(json.counts).toEqual({ 'sip-alg': 1, mismatch: 1, error: 1, 'session-helper': 1 });
  });

  it('CSV: quoted where needed, formulas defused', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell(-1)).toBe('-1');
    expect(sweepCsv(report).split('\r\n')[4]).toBe(`fw-helper,session-helper,R5,"'=HYPERLINK(""http://x"")",FortiGate-60F v7.2.8,build1639,240313 (GA.M),root=sip-alg,,,0.4`.replace('FortiGate-60F v7.2.8,build1639,240313 (GA.M)', '"FortiGate-60F v7.2.8,build1639,240313 (GA.M)"'));
  });

  it('text: counts, exceptions first, then the table grouped by handler', () => {
    expect(renderSweepText(report).split('\n')).toEqual([
      'Sweep of 4 firewalls in 1.2 s: 1 mismatch, 1 could not be checked, 1 SIP ALG, 1 SIP session helper',
      '',
      'Exceptions:',
      '  ✘ fw-mm: mismatch (R8)',
      '  ✘ fw-down: unreachable: connect ECONNREFUSED 192.0.2.7:22',
      '',
      'mismatch (mismatch): 1',
      '  fw-mm      FW-MM                   FortiGate-60F v7.2.8,build1639,240313 (GA.M)  R8',
      '',
      'SIP ALG (sip-alg): 1',
      '  fw-alg     FW-ALG                  FortiGate-60F v7.2.8,build1639,240313 (GA.M)  R3',
      '',
      'SIP session helper (session-helper): 1',
      '  fw-helper  =HYPERLINK("http://x")  FortiGate-60F v7.2.8,build1639,240313 (GA.M)  R5',
    ]);
  });

  it('text: the table\'s columns line up across groups, whatever the lengths (unknown values as -)', () => {
    const rows = [
      row('fw-a', { hostname: 'FGT-A', version: 'FortiGate-VM64 v7.4.3,build2573,240201 (GA.F)', rule: 'R1' }),
      row('fw-branch-long-name', { handler: 'session-helper', hostname: null, version: 'FortiGate-60E v6.4.15,build2095,240326 (GA)', rule: 'R5' }),
      row('fw-multi', { hostname: 'FGT-MULTI-VDOM-1', version: null, rule: 'root: R1; voice: R5', handler: 'mixed', vdoms: [{ name: 'root', handler: 'sip-alg' }, { name: 'voice', handler: 'session-helper' }] }),
    ];
    const text = renderSweepText(buildReport('s2', { kind: 'all' }, rows, new Date('2026-12-01T10:00:00Z'), 0.9));
    expect(text.split('\n').slice(2)).toEqual([
      'mixed (mixed): 1',
      '  fw-multi             FGT-MULTI-VDOM-1  -                                              root: R1; voice: R5  [root: sip-alg, voice: session-helper]',
      '',
      'SIP ALG (sip-alg): 1',
      '  fw-a                 FGT-A             FortiGate-VM64 v7.4.3,build2573,240201 (GA.F)  R1',
      '',
      'SIP session helper (session-helper): 1',
      '  fw-branch-long-name  -                 FortiGate-60E v6.4.15,build2095,240326 (GA)    R5',
    ]);
  });
});

describe('Slack blocks for sweeps and the watch stay within Slack limits', () => {
  const request: SweepRequest = { id: 's1', scope: { kind: 'all' }, requester: { userId: 'U0NETOPS', channelId: 'C0VOIP', adapter: 'slack' }, firewalls: [] };

  it('500 firewalls: the summary is cut with a pointer to the attachments', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(`fw-branch-${String(i).padStart(3, '0')}`, i % 7 === 0 ? { handler: null, error: { kind: 'timeout', message: 'no prompt within 15 s' } } : { handler: i % 2 ? 'sip-alg' : 'session-helper' }));
    const m = buildSweepSummaryMessage(request, buildReport('s1', { kind: 'all' }, rows, new Date(), 9.8));
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const texts = m.blocks.map((b) => (b.type === 'section' && b.text ? b.text.text : ''));
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(texts.join('').length).toBeLessThanOrEqual(SLACK_LIMITS.totalBlockText);
    expect(texts.join('\n')).toMatch(/the CSV and JSON attached in the thread have every row/);
    expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  });

  it('the fallback text names the requester once, as a mention (not escaped into text), with singular counts', () => {
    const holdout: SweepRequest = { ...request, requester: { ...request.requester, userId: 'U0HOLDOUT1' }, firewalls: ['fw-a'] };
    const progress = buildSweepProgressMessage(holdout, 0, 1);
    expect(progress.text).toBe('Sweeping every firewall you may check (requested by <@U0HOLDOUT1>): 0/1');
    const m = buildSweepSummaryMessage(holdout, buildReport('s1', { kind: 'all' }, [row('fw-a')], new Date(), 0.4));
    expect(m.text).toMatch(/^Sweep of every firewall you may check \(requested by <@U0HOLDOUT1>\): 1 firewall in 0\.4 s: /);
    for (const message of [progress, m]) expect(textProblemsOf(message as unknown as Record<string, unknown>)).toEqual([]);
    // A value that is not a user ID is text, escaped once.
    expect(buildSweepProgressMessage({ ...holdout, requester: { ...holdout.requester, userId: '<!channel>' } }, 0, 1).text).toContain('(requested by &lt;!channel&gt;)');
  });

  it('a watch post has one "Run full check" button per change, none for a removed firewall', () => {
    const changes: DriftChange[] = [
      { kind: 'handler', firewall: 'fw-branch-7', from: 'session-helper', to: 'sip-alg', config: [{ object: 'root: policy 12', gained: ['set voip-profile default'], lost: [] }], multiVdom: false },
      { kind: 'removed', firewall: 'fw-old' },
    ];
    const m = buildWatchChangesMessage(changes, buildReport('w', { kind: 'all' }, [row('fw-branch-7')], new Date('2026-12-01T10:00:00Z'), 1));
    expect(m.text).toContain('fw-branch-7: session-helper → sip-alg; policy 12 gained `set voip-profile default`');
    const buttons = m.blocks.filter((b) => b.type === 'actions');
    expect(buttons).toHaveLength(1);
  });
});

describe('parseFleetCommand', () => {
  it.each<[string, unknown]>([
    ['all', { kind: 'sweep', scope: { kind: 'all' } }],
    ['  ALL ', { kind: 'sweep', scope: { kind: 'all' } }],
    ['tag=emea', { kind: 'sweep', scope: { kind: 'tag', tag: 'emea' } }],
    ['watch', { kind: 'watch' }],
    ['fw01', undefined],
    ['allfw', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(parseFleetCommand(text)).toEqual(expected);
  });

  it.each([['all fw01', /`all` takes no options/], ['tag=', /needs a tag name/], ['tag=EMEA', /needs a tag name/], ['tag=a;reboot', /needs a tag name/], ['tag=emea seconds=5', /takes no other options/], ['watch now', /`watch` takes no options/]])('refuses %j', (text, message) => {
    const parsed = parseFleetCommand(text);
    expect(parsed?.kind).toBe('error');
    if (parsed?.kind === 'error') {
      expect(parsed.error.kind).toBe('usage');
      expect(parsed.error.message).toMatch(message);
    }
  });
});
