import { COMMANDS } from '../fortios/cli';
import { normaliseCommand, TranscriptReader, type TranscriptStats } from '../fortios/transcript';
import type { CommandResult } from '../fortios/types';
import { SipCaptureAnalyzer, type CapturedSipMessage, type SipCaptureAnalyzerOptions } from '../sip/index';
import type { SipLadder, SipSummary } from '../sip/types';
import { decide, readFacts, type CaptureEvidence } from '../verdict/index';
import { fortiosVersion } from '../verdict/facts';
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
  return { ...analyseReads(outputs, { messages: sip.messages, lines: sip.lines.total, registrations: sip.registrations }), sip };
}

/**
 * The verdict from what was read so far (the configuration), before any capture (issue 23: the answer first).
 * Config outputs are small: this runs on the check's own thread, in a few milliseconds.
 */
export function analyseConfig(outputs: CommandResult[]): Omit<Analysis, 'sip'> {
  return analyseReads(outputs, undefined);
}

function analyseReads(outputs: CommandResult[], capture: CaptureEvidence | undefined): Omit<Analysis, 'sip'> {
  const facts = readFacts(outputs);
  const verdict = decide(facts, capture);
  const status: Analysis['status'] = {};
  const version = fortiosVersion(facts);
  const hostname = facts.status?.hostname ?? facts.systemGlobal?.hostname;
  if (hostname) status.hostname = hostname;
  if (facts.status?.version) status.version = facts.status.version;
  else if (facts.backup) status.version = `${facts.backup.model} v${version.major}.${version.minor}.${version.patch},build${String(facts.backup.build).padStart(4, '0')} (backup header)`;
  if (facts.status?.vdomMode) status.vdomMode = facts.status.vdomMode;
  // The summary shows the first VDOM's mode (root on single-VDOM units); the verdict has them all.
  const first = facts.vdoms.find((v) => v.settings) ?? facts.vdoms[0];
  const config: ConfigSummary = {
    ...status,
    versionSource: version.source,
    ...(version.model ? { model: version.model } : {}),
    defaultVoipAlgMode: first?.settings?.defaultVoipAlgMode ?? 'unknown',
    sipHelpers: (facts.sessionHelpers ?? []).filter((h) => h.name === 'sip').map((h) => ({ id: h.id, protocol: h.protocol, port: h.port })),
  };
  return { verdict, config, status };
}

/**
 * Offline: replays the output of every `diagnose debug enable` (the capture) through the SIP analyzer, then analyses.
 * `onMessage` receives each SIP message in capture order (the pcap writer of `analyze --pcap`).
 */
export function analyseTranscript(outputs: CommandResult[], opts: Pick<SipCaptureAnalyzerOptions, 'onMessage'> = {}): Analysis {
  const analyzer = new SipCaptureAnalyzer({ onMessage: opts.onMessage });
  const enable = normaliseCommand(COMMANDS.debugEnable);
  for (const r of outputs) {
    if (r.command !== enable) continue;
    // Blank lines are skipped, as the live capture's line splitter skips them (a capture with no output counts 0 lines).
    for (const line of r.output.split('\n')) if (line.trim()) analyzer.pushLine(line);
  }
  return analyse(outputs, analyzer.summary());
}

/** What the streaming reader saw besides the analysis (for messages about the input). */
export interface TranscriptReadStats extends TranscriptStats {
  /** Commands found (0 with a debug log alone). */
  commands: number;
}

/**
 * Offline and streaming: transcript lines in, one analysis out. The debug stream goes line by line through the same
 * SIP analyzer the live capture feeds (never kept); the command outputs (the config part) are kept, bounded, for
 * the verdict. Feed lines in order (several files or sessions make one timeline), then call `finish()`.
 */
export class TranscriptAnalyzer {
  private readonly sip: SipCaptureAnalyzer;
  private readonly reader: TranscriptReader;

  constructor(opts: { onMessage?: (message: CapturedSipMessage) => void } = {}) {
    this.sip = new SipCaptureAnalyzer(opts.onMessage ? { onMessage: opts.onMessage } : {});
    this.reader = new TranscriptReader({ onDebugLine: (line) => this.sip.pushLine(line) });
  }

  /** One line, without its line end (CR tolerated). */
  pushLine(line: string): void {
    this.reader.pushLine(line);
  }

  /**
   * Ends the input: the analysis, or null when it held neither a command nor a SIP debug line. `ladders` are the
   * calls a check's report would draw (the same choice: problems first, then the busiest).
   */
  finish(opts: { ladders?: number } = {}): { analysis: Analysis; stats: TranscriptReadStats; ladders: SipLadder[] } | null {
    const outputs = this.reader.end();
    const stats: TranscriptReadStats = { ...this.reader.stats, commands: outputs.length };
    if (!outputs.length && stats.debugLines === 0) return null;
    return { analysis: analyse(outputs, this.sip.summary()), stats, ladders: this.sip.ladders(opts.ladders ?? 0) };
  }
}

/** The streaming analysis of a whole text (tests, small inputs): the same path `sip-check analyze` takes. */
export function analyseText(text: string): Analysis | null {
  const analyzer = new TranscriptAnalyzer();
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    analyzer.pushLine(text.slice(start, nl));
    start = nl + 1;
  }
  return analyzer.finish()?.analysis ?? null;
}
