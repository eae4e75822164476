import { COMMANDS } from '../fortios/cli';
import { normaliseCommand } from '../fortios/transcript';
import type { CommandResult } from '../fortigate/types';
import { SipCaptureAnalyzer } from '../sip/index';
import type { SipSummary } from '../sip/types';
import { decide, readFacts } from '../verdict/index';
import type { ConfigSummary, Verdict } from '../verdict/types';

/** Everything a report shows, from one set of command results: the one analysis used live and offline. */
export interface Analysis {
  verdict: Verdict;
  config: ConfigSummary;
  sip: SipSummary;
  status: { hostname?: string; version?: string; vdomMode?: string };
}

/** Live: the SIP capture was already summarised while streaming. */
export function analyse(outputs: CommandResult[], sip: SipSummary): Analysis {
  const facts = readFacts(outputs);
  const verdict = decide(facts, { messages: sip.messages, lines: sip.lines.total });
  const status: Analysis['status'] = {};
  if (facts.status?.hostname) status.hostname = facts.status.hostname;
  if (facts.status?.version) status.version = facts.status.version;
  if (facts.status?.vdomMode) status.vdomMode = facts.status.vdomMode;
  // The summary shows the first VDOM's mode (root on single-VDOM units); the verdict has them all.
  const first = facts.vdoms.find((v) => v.settings) ?? facts.vdoms[0];
  const config: ConfigSummary = {
    ...status,
    defaultVoipAlgMode: first?.settings?.defaultVoipAlgMode ?? 'unknown',
    sipHelpers: (facts.sessionHelpers ?? []).filter((h) => h.name === 'sip').map((h) => ({ id: h.id, protocol: h.protocol, port: h.port })),
  };
  return { verdict, config, sip, status };
}

/** Offline: replays the output of every `diagnose debug enable` (the capture) through the SIP analyzer, then analyses. */
export function analyseTranscript(outputs: CommandResult[]): Analysis {
  const analyzer = new SipCaptureAnalyzer();
  const enable = normaliseCommand(COMMANDS.debugEnable);
  for (const r of outputs) {
    if (r.command !== enable) continue;
    // Blank lines are skipped, as the live capture's line splitter skips them (a capture with no output counts 0 lines).
    for (const line of r.output.split('\n')) if (line.trim()) analyzer.pushLine(line);
  }
  return analyse(outputs, analyzer.summary());
}

