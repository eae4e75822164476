import type { Scenario } from './scenario';

/** Faults a test or benchmark injects, at start or live (`setFaults`). */
export interface Faults {
  /** Destroy the TCP socket: when a command (prefix) is typed, during the SSH handshake, at authentication, at shell open, or after N debug lines. */
  dropOn?: { command: string } | 'handshake' | 'auth' | 'shell' | { debugLines: number };
  /** A command prefix that never runs and never returns a prompt (the CLI froze before it). */
  hangOn?: string;
  /** A command prefix that runs (its effect happens: debug really enabled, levels really set) and then never returns a prompt. */
  hangAfter?: string;
  /** Delay before every prompt. */
  slowPromptMs?: number;
  /** Debug lines as fast as the socket takes them, in big chunks split at arbitrary points. */
  floodDebug?: boolean;
  /** Print `Reached maximum number of logged in administrators.` instead of the prompt, and close. */
  maxAdmins?: boolean;
  /** Reject every authentication attempt. */
  rejectAuth?: boolean;
  /** A command (prefix) answered with a CLI parse error and not run (a config line the unit refuses). */
  cliErrorOn?: string;
  /** A command (prefix) answered like any other but without effect (a change that silently does not take). */
  ignoreOn?: string;
}

/** Realistic device delay, for benchmarks. Defaults 0. */
export interface Latency {
  perCommandMs: number;
  perDebugLineMs: number;
}

export interface DebugState {
  /** `diagnose debug enable`: debug output is printed (to the CLI session that enabled it). */
  enabled: boolean;
  /** `diagnose debug application NAME LEVEL`; kept by `disable`, cleared by `reset`. */
  levels: Record<string, number>;
  consoleTimestamp: boolean;
  /** `diagnose debug duration N`; 0 = unlimited. A new device starts at 30 (FortiOS's default); null = never set (unlimited). */
  durationMinutes: number | null;
  /** How many `diagnose debug reset` / `enable` the device received (tests assert cleanup ran). */
  resets: number;
  enables: number;
}

/** A configuration change the CLI committed (`end` of a `config` block with `set`/`unset`/`delete`). */
export interface ConfigWrite {
  context: string | null;
  /** The config path, e.g. `system console`. */
  path: string;
  commands: string[];
  at: number;
}

/** State that belongs to the device (the simulator object) and survives reconnects. */
export interface DeviceState {
  debug: DebugState;
  /** `config system console` / `set output`: `more` pages, `standard` does not. */
  consoleOutput: 'more' | 'standard';
  /** The product must never write config: tests assert this stays empty. */
  configWrites: ConfigWrite[];
  /** Admin CLI sessions open now. */
  adminSessions: number;
  /** Successful logins so far. */
  logins: number;
}

export interface SimulatorUser {
  username: string;
  password?: string;
  /** OpenSSH authorized_keys lines (`ssh-ed25519 AAAA... comment`). */
  publicKeys?: string[];
}

export interface SimulatorOptions {
  scenario: Scenario;
  /** PEM/OpenSSH private key; default: the fixed key in hostKey.ts. */
  hostKey?: string;
  users: SimulatorUser[];
  faults?: Partial<Faults>;
  latency?: Partial<Latency>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Concurrent admin sessions allowed; further logins get the max-admins message. Default unlimited. */
  maxAdmins?: number;
  /** Length of a "minute" for `diagnose debug duration` (tests shorten it). Default 60000. */
  minuteMs?: number;
  /** Seed of the debug chunking (where lines are split across writes). Default 1. */
  seed?: number;
  /**
   * The unit's clock in ms (default Date.now): `diagnose debug console timestamp enable` stamps each debug line
   * with it when the line is printed, as FortiOS does, so a capture's timestamps fall inside its own window.
   */
  clock?: () => number;
}

export interface CommandLogEntry {
  context: string | null;
  command: string;
  at: number;
  /** The prompt the shell printed last before the line was typed, as printed (absent for `exec`). */
  prompt?: string;
  /** Typed while the CLI was hung: received but never run. */
  unanswered?: true;
}

export function newDeviceState(): DeviceState {
  return {
    debug: { enabled: false, levels: {}, consoleTimestamp: false, durationMinutes: 30, resets: 0, enables: 0 },
    consoleOutput: 'more',
    configWrites: [],
    adminSessions: 0,
    logins: 0,
  };
}

/** Debug is clean when output is disabled and no application level is set (what the product must leave behind). */
export function isDebugClean(state: DeviceState): boolean {
  return !state.debug.enabled && Object.keys(state.debug.levels).length === 0;
}
