/**
 * Canned data for the Slack adapter tests: a realistic `CheckResult` (FortiGate 7.2 with the session helper
 * handling SIP) and a stub `CheckService` (our own interface, not Bolt's) that drives the reporter.
 */
import { LogLevel, type Logger } from '@slack/bolt';
import { CheckError, toCheckError } from '../../../src/errors';
import type { CheckService, HandleOutcome } from '../../../src/check/service';
import type { CheckOptions, CheckReporter, CheckRequest, CheckResult, Requester } from '../../../src/check/types';
import type { SipCallSummary, SipSummary } from '../../../src/sip/types';
import type { RemediationOption, SessionClearing, Verdict } from '../../../src/verdict/types';
import { ChannelQueue } from '../../../src/adapters/slack/channelQueue';
import { TEST_PACING } from '../../support/fakeSlack';

/** The first bytes of a PNG (signature + IHDR of a 1×1 image); enough for an upload. */
export const TINY_PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

export function makeRequest(overrides: Partial<CheckRequest> = {}): CheckRequest {
  return {
    firewall: 'fw01',
    options: { seconds: 20, level: -1 },
    requester: { userId: 'U024BE7LH', channelId: 'C0INCIDENT', teamId: 'T0FAKE', adapter: 'slack' },
    id: 'chk-0001',
    ...overrides,
  };
}

export const SESSION_HELPER_VERDICT: Verdict = {
  handler: 'session-helper',
  rule: 'R5',
  explanation:
    'default-voip-alg-mode is kernel-helper-based and no policy has a VoIP profile, so the kernel session helper (entry 13, UDP 5060) handles SIP, not the SIP ALG.',
  evidence: [
    { source: 'show system settings', text: '    set default-voip-alg-mode kernel-helper-based' },
    { source: 'show system session-helper', text: '    edit 13\n        set name sip\n        set protocol 17\n        set port 5060\n    next' },
    { source: 'diagnose sys sip-proxy calls list', text: 'sip calls: 0' },
  ],
  remediation: [
    {
      title: 'SIP → SIP ALG (this firewall)',
      leadsTo: 'sip-alg',
      scope: 'vdom',
      vdom: 'root',
      commands: ['config system settings', '    set default-voip-alg-mode proxy-based', 'end'],
      sideEffects: ['`default-voip-alg-mode proxy-based` applies to every policy without a VoIP profile in this firewall, not only the SIP ones listed here.'],
    },
  ],
  clearSessions: [
    {
      title: 'Clear the SIP sessions on port 5060 (this firewall) so calls pick up the new handler',
      scope: 'vdom',
      vdom: 'root',
      commands: ['diagnose sys session filter clear', 'diagnose sys session filter dport 5060', 'diagnose sys session clear'],
      sideEffects: ['Drops every call in progress through port 5060 in this firewall.'],
    },
  ],
  vdoms: [
    {
      name: 'root',
      handler: 'session-helper',
      rule: 'R5',
      policies: [
        { id: 3, name: 'LAN-to-SIP-trunk', handler: 'session-helper', rule: 'R5', reason: 'no VoIP profile; kernel-helper-based; helper 13 covers UDP 5060' },
        { id: 7, name: 'SIP-trunk-in', handler: 'session-helper', rule: 'R5', reason: 'no VoIP profile; kernel-helper-based; helper 13 covers UDP 5060' },
      ],
      explanation: 'kernel-helper-based with a sip helper entry on 5060',
      evidence: [],
      remediation: [],
      missing: [],
      notes: [],
    },
  ],
};

function call(i: number, state: SipCallSummary['state'] = 'completed'): SipCallSummary {
  return {
    callId: `a84b4c76e66710-${i}@10.0.10.21`,
    from: `sip:${1000 + (i % 9000)}@pbx.example.net`,
    to: `sip:+4420794600${String(i % 100).padStart(2, '0')}@trunk.carrier.example`,
    state,
    finalStatus: state === 'completed' ? 200 : 486,
    finalReason: state === 'completed' ? 'OK' : 'Busy Here',
    postDialDelayMs: 820,
    setupMs: 4100,
    durationMs: 61_000,
    messages: 9,
    media: [{ leg: 'offer', address: '10.0.10.21', port: 16384 + (i % 1000) * 2, codecs: ['PCMA', 'telephone-event'], direction: 'sendrecv' }],
  };
}

export function makeSipSummary(calls = 2): SipSummary {
  const list = Array.from({ length: calls }, (_, i) => call(i, i % 5 === 4 ? 'busy' : 'completed'));
  return {
    messages: calls * 9 + 6,
    requests: { INVITE: calls, ACK: calls, BYE: calls, REGISTER: 2, OPTIONS: 2 },
    responses: { '100': calls, '180': calls, '200': calls * 2 + 2, '401': 1 },
    retransmissions: 1,
    calls: list,
    registrations: [
      { aor: 'sip:1001@pbx.example.net', contact: '<sip:1001@10.0.10.21:5060>', expires: 3600, outcome: '401→200', challenges: 1 },
      { aor: 'sip:1002@pbx.example.net', outcome: '200', challenges: 0, expires: 3600 },
    ],
    otherTransactions: [{ method: 'OPTIONS', count: 2, unanswered: 1 }],
    problems: [
      {
        kind: 'private-address-in-sdp',
        message: 'INVITE from 10.0.10.21 offers media on private address 10.0.10.21 to the carrier: NAT was not applied to the SDP.',
        callId: list[0]?.callId,
        evidence: ['c=IN IP4 10.0.10.21'],
      },
      { kind: 'no-final-response', message: 'OPTIONS to 203.0.113.10 got no answer in 32 s.', evidence: ['OPTIONS sip:203.0.113.10 SIP/2.0'] },
    ],
    lines: { total: calls * 40 + 80, unknown: 3 },
  };
}

export function makeResult(overrides: Partial<CheckResult> = {}): CheckResult {
  const request = overrides.request ?? makeRequest();
  return {
    request,
    hostname: 'FGT-EDGE-01',
    version: 'v7.2.8,build1639,240313 (GA.M)',
    verdict: SESSION_HELPER_VERDICT,
    config: { hostname: 'FGT-EDGE-01', version: 'v7.2.8', vdomMode: 'no-vdom', defaultVoipAlgMode: 'kernel-helper-based', sipHelpers: [{ id: 13, protocol: 17, port: 5060 }] },
    sip: makeSipSummary(),
    capture: { stoppedBy: 'window', bytes: 18_342, lines: 160, seconds: request.options.seconds, level: request.options.level, debugReset: true },
    outputs: [
      {
        command: 'get system status',
        context: null,
        output: 'Version: FortiGate-100F v7.2.8,build1639,240313 (GA.M)\nSerial-Number: FG100FTK19000000\nHostname: FGT-EDGE-01\nVirtual domain configuration: disable\n',
      },
      { command: 'show system settings', context: null, output: 'config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n' },
    ],
    attachments: [
      { filename: 'fw01-sip-capture.txt', title: 'SIP debug capture (fw01)', content: Buffer.from('2026-11-25 17:40:01 sip session 0x7f2a: INVITE sip:+442079460001@trunk.carrier.example SIP/2.0\n'), mimeType: 'text/plain' },
      { filename: 'fw01-report.txt', title: 'Full report (fw01)', content: Buffer.from('sip-check report for fw01\nHandler: session-helper (R5)\n'), mimeType: 'text/plain' },
      { filename: 'fw01-ladder.png', title: 'SIP ladder (fw01)', content: TINY_PNG, mimeType: 'image/png' },
      { filename: 'fw01-transcript.txt', title: 'CLI transcript (fw01)', content: Buffer.from('FGT-EDGE-01 # get system status\nHostname: FGT-EDGE-01\n'), mimeType: 'text/plain' },
    ],
    notes: [],
    startedAt: new Date('2026-11-25T17:40:00Z'),
    finishedAt: new Date('2026-11-25T17:40:24Z'),
    ...overrides,
  };
}

export type Script = (reporter: CheckReporter, request: CheckRequest) => Promise<void>;

/** The happy path: phases, capture ticks, the canned result. */
export const happyScript: Script = async (reporter, request) => {
  await reporter.progress({ phase: 'connecting' });
  await reporter.progress({ phase: 'reading-config' });
  await reporter.progress({ phase: 'capturing', elapsedSeconds: 12, totalSeconds: request.options.seconds });
  await reporter.progress({ phase: 'analysing' });
  await reporter.result(makeResult({ request }));
};

/**
 * A stub `CheckService`: parses `fw [key=value]...`, knows a list of firewalls, refuses users in `denied`,
 * and runs `script` against the reporter. Records what it was asked.
 */
export class StubService implements CheckService {
  readonly handled: Array<{ text: string; requester: Requester }> = [];
  readonly running: Array<Promise<void>> = [];
  denied = new Set<string>();
  script: Script = happyScript;
  remediations = new Map<string, { firewall: string; options: RemediationOption[]; clearSessions: SessionClearing[] }>();
  private counter = 0;

  constructor(private readonly firewalls: string[] = ['fw01']) {}

  async handle(text: string, requester: Requester, makeReporter: () => CheckReporter): Promise<HandleOutcome> {
    this.handled.push({ text, requester });
    const [firewall, ...rest] = text.trim().split(/\s+/);
    if (!firewall || firewall === 'help') return { kind: 'help', text: 'Usage: `/sip-check <firewall> [seconds=20] [level=-1]`\nFirewalls you may check: fw01' };
    if (!this.firewalls.includes(firewall)) return { kind: 'rejected', error: new CheckError('unknown-firewall', `Unknown firewall "${firewall}".`) };
    if (this.denied.has(requester.userId)) return { kind: 'rejected', error: new CheckError('not-authorized', `You may not check ${firewall}.`) };
    const options: CheckOptions = { seconds: 20, level: -1 };
    for (const kv of rest) {
      const [k, v] = kv.split('=');
      if (k === 'seconds') options.seconds = Number(v);
      else if (k === 'level') options.level = Number(v);
      else if (k === 'vdom') options.vdom = v;
      else if (k === 'peer') options.peer = v;
      else if (k === 'port') options.port = Number(v);
      else return { kind: 'rejected', error: new CheckError('usage', `Unknown option "${k}".`) };
    }
    this.counter += 1;
    const request: CheckRequest = { firewall, options, requester, id: `chk-${this.counter}` };
    const reporter = makeReporter();
    try {
      await reporter.start(request);
    } catch (e) {
      return { kind: 'rejected', error: toCheckError(e) };
    }
    this.remediations.set(request.id, { firewall, options: SESSION_HELPER_VERDICT.remediation, clearSessions: SESSION_HELPER_VERDICT.clearSessions });
    const done = this.script(reporter, request);
    this.running.push(done);
    return { kind: 'started', checkId: request.id, firewall, options, done };
  }

  remediation(checkId: string, requester: Requester): ReturnType<CheckService['remediation']> {
    if (this.denied.has(requester.userId)) return { kind: 'rejected', error: new CheckError('not-authorized', 'You may not see this remediation.') };
    const found = this.remediations.get(checkId);
    return found ? { kind: 'ok', ...found } : { kind: 'rejected', error: new CheckError('usage', `No finished check ${checkId}.`) };
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled(this.running);
  }

  /** Resolves when every started check has reported. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }
}

/** The bot's channel queue at the fake's test pace (`FakeSlack.start({ pacing: TEST_PACING })`). */
export function testChannelQueue(): ChannelQueue {
  return new ChannelQueue({ pacing: TEST_PACING });
}

/** A Bolt-compatible logger that keeps what it was told, for assertions. */
export function recordingLogger(): Logger & { lines: Array<{ level: string; text: string }> } {
  const lines: Array<{ level: string; text: string }> = [];
  const rec = (level: string) => (...msg: unknown[]) => {
    lines.push({ level, text: msg.map(String).join(' ') });
  };
  let level = LogLevel.DEBUG;
  return {
    lines,
    debug: rec('debug'),
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
