import type { CaptureStop, CommandResult } from '../fortigate/types';
import type { SipSummary } from '../sip/types';
import type { ConfigSummary, Verdict } from '../verdict/types';
import type { CheckError } from '../errors';
import type { CutShort } from './degrade';
import type { ChangeAssessment } from '../change/journal';

/** Options a user may type after the firewall name; each validated by `parseCheckCommand`. */
export interface CheckOptions {
  seconds: number;
  level: number;
  vdom?: string;
  peer?: string;
  port?: number;
  /**
   * `config`: the configuration and the counters only, no `diagnose debug` line at all (issue 23): the safest check,
   * for units where debug is not welcome. `seconds` and `level` then do not apply.
   */
  configOnly?: boolean;
}

/** Who asked, by IDs (never names): grants and audit use these. */
export interface Requester {
  userId: string;
  channelId: string;
  teamId?: string;
  /** Slack user-group IDs the user belongs to, when known. */
  userGroups?: string[];
  /**
   * The user belongs to another workspace than the bot's (a Slack Connect shared channel): never granted, since
   * a channel grant is meant for the team's own members.
   */
  externalUser?: boolean;
  adapter: 'slack' | 'console';
}

export interface CheckRequest {
  firewall: string;
  options: CheckOptions;
  requester: Requester;
  /** Unique id, also used in the audit log and journal. */
  id: string;
}

export type CheckPhase = 'queued' | 'connecting' | 'reading-config' | 'capturing' | 'analysing' | 'cleaning-up' | 'done' | 'failed';

export interface ProgressUpdate {
  phase: CheckPhase;
  /** During capture: elapsed and total seconds. */
  elapsedSeconds?: number;
  totalSeconds?: number;
  detail?: string;
}

export interface CaptureStats {
  /** `cut-short`: the link dropped or a command hung during the capture (see `cutShort`). */
  stoppedBy: CaptureStop | 'not-run' | 'cut-short';
  bytes: number;
  lines: number;
  seconds: number;
  level: number;
  /** Debug was disabled and reset on the firewall afterwards (confirmed by the CLI). */
  debugReset: boolean;
  /**
   * Console settings the capture changed and put back as `diagnose debug info` showed them before (e.g.
   * `console timestamp disabled`); empty when they were already as the capture needs. Absent when not done.
   */
  settingsRestored?: string[];
  /**
   * Settings whose state before the check was unknown, so not put back (`DebugRestore.unknown`, e.g. `console
   * timestamp (left enabled)`); a note says so. Set with `settingsRestored`.
   */
  settingsUnknown?: string[];
}

export interface FileAttachment {
  filename: string;
  title: string;
  content: Buffer;
  mimeType: string;
}

export interface CheckResult {
  request: CheckRequest;
  hostname?: string;
  version?: string;
  verdict: Verdict;
  config: ConfigSummary;
  sip: SipSummary;
  capture: CaptureStats;
  /** Everything read from the firewall, for the transcript attachment. */
  outputs: CommandResult[];
  attachments: FileAttachment[];
  /** Things the user should know (reconnects, bounds hit, warnings). */
  notes: string[];
  /**
   * The link dropped or a command hung after the config was read: this answer comes from what was read
   * (issue 11 §3). Absent for a check that ran to its end.
   */
  cutShort?: CutShort;
  /** The verdict posted from the configuration before the capture (`CheckReporter.configVerdict`), when one was. */
  early?: ConfigVerdict;
  /**
   * Approved changes of this firewall cut mid-way (the change journal), assessed from this check's reads before any
   * debug line: complete, partial (with what differs) or absent. Each is also one of `notes`. Absent when none.
   */
  changes?: ChangeAssessment[];
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The verdict from the configuration (issue 23): the answer as soon as it is known, posted once the configuration
 * is read, before the counters and the capture. The result (their runtime evidence) confirms or changes it.
 */
export interface ConfigVerdict {
  request: CheckRequest;
  hostname?: string;
  version?: string;
  verdict: Verdict;
  config: ConfigSummary;
  /** The capture window whose runtime evidence follows, in seconds. */
  captureSeconds: number;
  /** When the configuration had been read. */
  readAt: Date;
}

/**
 * Where a check reports. Slack, the terminal and tests each implement it (Nautobot ChatOps'
 * dispatcher idea). The check never talks Slack.
 */
export interface CheckReporter {
  /** The parent line of the thread; called once, before any SSH work. */
  start(request: CheckRequest): Promise<void>;
  /** Phase changes and capture ticks; adapters throttle. Must not throw. */
  progress(update: ProgressUpdate): Promise<void>;
  /** A line in the thread (reconnects, cleanup notes). */
  note(text: string): Promise<void>;
  /**
   * The verdict from the configuration, before debug starts (issue 23); at most once per check, never for a
   * config-only check (its result is the whole answer). `result` or `failed` follows and settles it. Must not throw.
   */
  configVerdict(early: ConfigVerdict): Promise<void>;
  /** The verdict, the SIP summary and the attachments. After `configVerdict`, `early` says what the result settles. */
  result(result: CheckResult): Promise<void>;
  /** The check failed; `cleanup` says whether debug was confirmed reset. */
  failed(error: CheckError, cleanup: { debugReset: boolean | null }): Promise<void>;
}
