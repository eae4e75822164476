import type { VdomMode } from '../fortios/cli';
import type { CommandResult } from '../fortios/types';
import type { TypedLine } from '../fortios/transcript';

export type { CommandResult };


/** What the driver learned while preparing the session. */
export interface SessionInfo {
  hostname: string;
  /** `#` read-write / `$` read-only admin. */
  privilege: '#' | '$';
  /** Set once `get system status` has been read. */
  vdomMode?: VdomMode;
  version?: string;
  /** Post-login banner text that was accepted, if any. */
  banner?: string;
}

export interface CaptureOptions {
  windowMs: number;
  maxBytes: number;
  maxLines: number;
  /** Aborting stops the capture early (`stoppedBy: 'cancelled'`). */
  signal?: AbortSignal;
  /** Each complete line of debug output (chunks rejoined, prompt residue removed, no line end). */
  onLine: (line: string) => void;
  /** Called about once a second with the elapsed time, for progress. */
  onTick?: (elapsedMs: number) => void;
}

export type CaptureStop = 'window' | 'bytes' | 'lines' | 'cancelled';

export interface CaptureResult {
  stoppedBy: CaptureStop;
  bytes: number;
  lines: number;
  elapsedMs: number;
}

/** A prepared, prompt-aware CLI session on one FortiGate. */
export interface FortiSession {
  readonly info: SessionInfo;
  /** Runs one command and waits for the prompt. CLI errors are returned in `result.error`, not thrown. */
  run(command: string, opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /** `config vdom` + `edit NAME` (multi-VDOM); `config global`; `end` back to the top. Tracked in `context`. */
  enterVdom(name: string): Promise<void>;
  enterGlobal(): Promise<void>;
  leaveContext(): Promise<void>;
  readonly context: string | null;
  /**
   * After `diagnose debug enable`: reads asynchronous debug output until a bound is hit,
   * then sends `diagnose debug disable` and waits for quiet and the prompt.
   */
  capture(opts: CaptureOptions): Promise<CaptureResult>;
  /**
   * Every line typed on this session, in order, with the prompt the unit printed before it and the output as read
   * (or why it was not read): stream stops and the logout included. The audit record (renderCliRecord).
   */
  readonly record: readonly TypedLine[];
  /** True while the SSH connection is up. */
  readonly alive: boolean;
  /** Sends `exit`, closes the channel and the connection. Never throws. */
  close(): Promise<void>;
}
