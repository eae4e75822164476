/**
 * Issue 20 §3: text from the firewall and from SIP peers is data, never control. A hostname such as
 * `X\x1b]0;TITLE\x07\x1b[2J` (retitle the terminal, clear the screen), a SIP reason phrase or Call-ID carrying the
 * same, a bidi override, a CSV formula behind a `;`: each goes through the real outputs (the terminal adapter,
 * `analyze`, `sweep` text/CSV/JSON, the full report, Slack blocks) and comes out inert and visible.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ConsoleThreadReporter } from '../../src/adapters/console/reporter';
import { ConsoleSweepReporter } from '../../src/adapters/console/sweepReporter';
import { buildSummaryMessage, buildVerdictMessage, type SlackMessage } from '../../src/adapters/slack/blocks';
import { buildSweepSummaryMessage } from '../../src/adapters/slack/fleetBlocks';
import { analyseInputs, main } from '../../src/cli';
import { csvCell, renderSweepText, sweepCsv, sweepFiles } from '../../src/fleet/render';
import type { SweepReport, SweepRow } from '../../src/fleet/types';
import { neutraliseControls } from '../../src/report/controls';
import { renderFullReport } from '../../src/report/fullReport';
import { checkMessage } from '../support/fakeSlack';
import { recordingIo } from '../support/cliIo';
import { debugLog, sipMessage } from '../sip/support/debugLog';
import { makeResult, makeSipSummary } from '../adapters/slack/fixtures';
import { COMMANDS } from '../../src/fortios/cli';
import { decide, readFacts } from '../../src/verdict/index';

/** The exact bytes of the issue. */
const HOSTILE = 'X\x1b]0;TITLE\x07\x1b[2J';
const SHOWN = 'X\\x1b]0;TITLE\\x07\\x1b[2J';
const RLO = 'evil\u202etxt.exe';
// Any C0 control but newline and tab, DEL, C1, bidi overrides and isolates.
const LIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'verdict', 'r1-alg-74.txt');

describe('neutraliseControls', () => {
  it('makes the issue\'s bytes visible and inert; newline and tab stay', () => {
    expect(neutraliseControls(HOSTILE)).toBe(SHOWN);
    expect(neutraliseControls('a\tb\nc\r\x7f\x9b\u202e\u2066')).toBe('a\tb\nc\\x0d\\x7f\\x9b\\u202e\\u2066');
    expect(neutraliseControls(neutraliseControls(HOSTILE))).toBe(SHOWN);
    expect(neutraliseControls('FGT-EDGE-01 → sip:+44@x ✔')).toBe('FGT-EDGE-01 → sip:+44@x ✔');
  });
});

/** r1-alg-74 with a hostile hostname, then a call whose Call-ID and reason phrase carry the same bytes. */
function hostileInputs(): Record<string, string> {
  const transcript = readFileSync(FIXTURE, 'utf8').replace('Hostname: FGT-A', `Hostname: ${HOSTILE}`);
  const callId = `cid-${HOSTILE}@10.0.0.5`;
  const headers = (cseq: string) => ['Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1', 'From: <sip:100@pbx.example.net>;tag=a', 'To: <sip:200@pbx.example.net>', `Call-ID: ${callId}`, `CSeq: ${cseq}`];
  const debug = debugLog([
    { ts: '2026-11-25 17:32:00', port: 30, src: '10.0.0.5:5060', dst: '203.0.113.9:5060', message: sipMessage('INVITE sip:200@pbx.example.net SIP/2.0', headers('1 INVITE')) },
    { ts: '2026-11-25 17:32:01', port: 31, src: '203.0.113.9:5060', dst: '10.0.0.5:5060', message: sipMessage(`SIP/2.0 486 Busy ${HOSTILE} ${RLO}`, headers('1 INVITE')) },
  ]);
  return { 'transcript.txt': transcript, 'debug.log': debug };
}

describe('analyze', () => {
  it('prints the hostname and the reason phrase with their escapes visible, never live', async () => {
    const io = recordingIo({ files: hostileInputs() });
    expect(await main(['analyze', 'transcript.txt', 'debug.log'], io)).toBe(0);
    expect(io.out).not.toMatch(LIVE);
    // The transcript reader drops terminal sequences from `show` outputs (terminal-logger noise): only `X` is left.
    expect(io.out).toContain('on X, FortiGate');
    // SIP text arrives hex-encoded in the debug record: the bytes are kept, and shown escaped.
    expect(io.out).toContain(`486 Busy ${SHOWN} evil\\u202etxt.exe`);
  });

  it('--json parses back to the same strings and holds no raw control or bidi character', async () => {
    const io = recordingIo({ files: hostileInputs() });
    expect(await main(['analyze', 'transcript.txt', 'debug.log', '--json'], io)).toBe(0);
    expect(io.out).not.toMatch(LIVE);
    const json = JSON.parse(io.out);
    expect(json.sip.calls[0].finalReason).toBe(`Busy ${HOSTILE} ${RLO}`);
  });

  it('the full report file: inert, while the analysis keeps the bytes as read', async () => {
    const run = await analyseInputs(['transcript.txt', 'debug.log'], recordingIo({ files: hostileInputs() }));
    if (typeof run === 'string') throw new Error(run);
    expect(run.analysis.sip.calls[0].finalReason).toBe(`Busy ${HOSTILE} ${RLO}`);
    const report = renderFullReport(run.analysis, []);
    expect(report).not.toMatch(LIVE);
    expect(report).toContain(SHOWN);
  });
});

describe('the terminal adapter', () => {
  it('shows the hostile hostname and reason phrase escaped, and still draws its own bold on a terminal', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-hostile-'));
    const reporter = new ConsoleThreadReporter(out, dir, { tty: true });
    const sip = makeSipSummary();
    sip.calls[0] = { ...sip.calls[0], callId: `x${HOSTILE}`, finalReason: `OK${HOSTILE}`, from: `sip:${RLO}@pbx` };
    const result = makeResult({ hostname: HOSTILE, sip, config: { ...makeResult().config, hostname: HOSTILE } });
    await reporter.result(result);
    // Our own markup (ANSI bold) is the only escape sequence written.
    expect(text.replace(/\x1b\[(?:1|22)m/g, '')).not.toMatch(LIVE);
    expect(text).toContain('\x1b[1m');
    expect(text).toContain(SHOWN);
    expect(text).toContain(`200 OK${SHOWN}`);
    expect(text).toContain('sip:evil\\u202etxt.exe@pbx');
  });
});

function row(over: Partial<SweepRow>): SweepRow {
  return { name: 'fw01', handler: 'sip-alg', rule: 'R1', hostname: 'FGT-A', version: 'v7.4.4', vdoms: [{ name: 'root', handler: 'sip-alg' }], error: null, seconds: 2, configLines: [], ...over };
}

function report(rows: SweepRow[]): SweepReport {
  return { id: 's1', scope: { kind: 'all' }, generatedAt: '2026-11-25T17:00:00.000Z', rows, counts: { 'sip-alg': rows.length }, seconds: 3 };
}

describe('sweep', () => {
  const hostile = report([row({ hostname: HOSTILE }), row({ name: 'fw02', hostname: 'x;=1+1', version: '=HYPERLINK("http://evil")' }), row({ name: 'fw03', hostname: `tab\there` })]);

  it('text: the hostile hostname shows escaped', () => {
    const text = renderSweepText(hostile);
    expect(text).not.toMatch(LIVE);
    expect(text).toContain(`fw01  ${SHOWN}  v7.4.4`);
  });

  it('CSV: `x;=1+1` is quoted, every text cell is guarded, controls are escaped', () => {
    const lines = sweepCsv(hostile).split('\r\n');
    expect(lines[1]).toBe(`fw01,sip-alg,R1,"${SHOWN}",v7.4.4,root=sip-alg,,,2`);
    expect(lines[2]).toBe(`fw02,sip-alg,R1,"x;=1+1","'=HYPERLINK(""http://evil"")",root=sip-alg,,,2`);
    expect(lines[3]).toBe('fw03,sip-alg,R1,"tab\there",v7.4.4,root=sip-alg,,,2');
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(3)).toBe('3');
  });

  it('the files and the terminal sweep reporter: inert', async () => {
    const files = sweepFiles(hostile);
    for (const f of files) expect(f.content.toString('utf8').replace(/\r\n/g, '\n')).not.toMatch(LIVE);
    expect(JSON.parse(files[1].content.toString('utf8')).firewalls[0].hostname).toBe(HOSTILE);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-hostile-'));
    await new ConsoleSweepReporter(out, dir, { tty: false }).result(hostile);
    expect(text).not.toMatch(LIVE);
    expect(text).toContain(SHOWN);
    const written = readdirSync(path.join(dir, 'sweep-s1')).map((f) => readFileSync(path.join(dir, 'sweep-s1', f), 'utf8'));
    for (const w of written) expect(w.replace(/\r\n/g, '\n')).not.toMatch(LIVE);
  });
});

/** Every text string of a message, the fallback `text` included. */
function texts(m: SlackMessage): string[] {
  const out: string[] = [m.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return out;
}

/** Every mrkdwn text object: bare URLs and channel names are not linked (`verbatim`). */
function mrkdwnObjects(m: SlackMessage): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ((v as Record<string, unknown>).type === 'mrkdwn') out.push(v as Record<string, unknown>);
      Object.values(v).forEach(walk);
    }
  };
  walk(m.blocks);
  return out;
}

describe('Slack', () => {
  const markup = '*bold*_it_~del~`code` https://evil.example/x';

  it('device values: controls visible, mrkdwn and URLs inert (inline code, verbatim), bidi escaped', () => {
    const sip = makeSipSummary();
    sip.calls[0] = { ...sip.calls[0], finalReason: `Busy ${HOSTILE}`, to: `sip:${markup}@x` };
    const verdict = { ...makeResult().verdict, vdoms: makeResult().verdict.vdoms.map((v) => ({ ...v, name: markup })) };
    const result = makeResult({ hostname: `${HOSTILE}${RLO}`, sip, verdict });
    for (const m of [buildVerdictMessage(result), buildSummaryMessage(result)]) {
      for (const t of texts(m)) expect(t).not.toMatch(LIVE);
      for (const o of mrkdwnObjects(m)) expect(o.verbatim).toBe(true);
      expect(checkMessage({ text: m.text, blocks: m.blocks })).toBeUndefined();
    }
    const card = texts(buildVerdictMessage(result)).join('\n');
    expect(card).toContain(`*Hostname*\n\`${SHOWN}evil\\u202etxt.exe\``);
    // The backtick that would end the code span early is replaced; the rest stays inside one code span.
    expect(card).toContain("`*bold*_it_~del~ˋcodeˋ https://evil.example/x`");
    const summary = texts(buildSummaryMessage(result)).join('\n');
    expect(summary).toContain(`\`Busy ${SHOWN}\``);
    expect(summary).toContain('`sip:*bold*_it_~del~ˋcodeˋ https://evil.example/x@x`');
  });

  it('device values in the verdict\'s own prose (a VoIP profile named with markup): inline code, our own code spans kept', () => {
    const profile = '*bold*_it_~del~';
    const out = (command: string, output: string) => ({ command, context: null, output });
    const verdict = decide(
      readFacts([
        out(COMMANDS.systemStatus, 'Version: FortiGate-60F v7.4.4,build2662,240514 (GA.F)\nHostname: FGT-T\nVirtual domain configuration: disable\n'),
        out(COMMANDS.systemSettings, 'config system settings\nend'),
        out(COMMANDS.sessionHelper, 'config system session-helper\n    edit 13\n        set name sip\n        set protocol 17\n        set port 5060\n    next\nend'),
        out(COMMANDS.firewallPolicy, `config firewall policy\n    edit 7\n        set action accept\n        set service "SIP"\n        set utm-status enable\n        set voip-profile "${profile}"\n    next\nend`),
        out(COMMANDS.voipProfile, `config voip profile\n    edit "${profile}"\n        config sip\n            set status disable\n        end\n    next\nend`),
      ]),
    );
    expect(verdict.explanation).toContain(`VoIP profile "${profile}"`);
    const card = texts(buildVerdictMessage(makeResult({ verdict }))).join('\n');
    const rule = card.split('\n').find((l) => l.startsWith(`*Rule ${verdict.rule}:*`))!;
    expect(rule).toContain(`VoIP profile \`${profile}\` has \`config sip\``);
    // Outside code spans (and our own bold `*Rule R2:*`) no markup of the device remains live.
    expect(rule.slice(`*Rule ${verdict.rule}:*`.length).replace(/`[^`]*`/g, '')).not.toMatch(/[*_~]/);
  });

  it('a 4,000-character hostname: every section within Slack\'s limits (the card and the sweep summary)', () => {
    const long = 'h'.repeat(4000);
    const card = buildVerdictMessage(makeResult({ hostname: long }));
    expect(checkMessage({ text: card.text, blocks: card.blocks })).toBeUndefined();
    const sweep = buildSweepSummaryMessage({ id: 's1', scope: { kind: 'all' }, requester: { userId: 'U1', channelId: 'C1', adapter: 'slack' }, firewalls: ['fw01', 'fw02'] }, report([row({ hostname: long }), row({ name: 'fw02', hostname: `${long}*` })]));
    expect(checkMessage({ text: sweep.text, blocks: sweep.blocks })).toBeUndefined();
    for (const t of texts(sweep)) expect(t.length).toBeLessThanOrEqual(3000);
    expect(texts(sweep).join('\n')).toContain('fw02');
  });
});
