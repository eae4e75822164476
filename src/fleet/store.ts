import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { emptyState, type FleetState } from './drift';

/**
 * Where fleet results and history live. Small on purpose: the drift watch and `sweep --state` only load the
 * whole state and save it back after a run, so a Redis-backed store can replace the file later.
 */
export interface FleetStore {
  /** The saved state, or an empty one when nothing was saved yet. */
  load(): Promise<FleetState>;
  /** Replaces the saved state, atomically: after a crash the old or the new state is there, never half of one. */
  save(state: FleetState): Promise<void>;
}

/** A state file larger than this is not ours (bounded retention keeps it far smaller). */
const MAX_STATE_BYTES = 64 * 1024 * 1024;

/**
 * One JSON file, written atomically: a temporary file in the same directory, fsync, rename over the old file,
 * fsync of the directory (POSIX rename is atomic; the directory fsync makes the rename itself durable).
 * No dependency: this is the whole of what an embedded store needs for one small document.
 * A file that cannot be parsed (edited by hand, another program) is moved aside to `FILE.corrupt-<time>`,
 * and a warning is logged; the watch starts a new baseline rather than refusing to run.
 */
export class JsonFileStore implements FleetStore {
  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  async load(): Promise<FleetState> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw new Error(`cannot read the fleet state file ${this.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const state = text.length <= MAX_STATE_BYTES ? parseState(text) : undefined;
    if (state) return state;
    const aside = `${this.file}.corrupt-${Date.now()}`;
    try {
      renameSync(this.file, aside);
    } catch {
      // keep going: the next save replaces it
    }
    this.warn(`the fleet state file ${this.file} was not a sip-check state; moved it to ${aside} and started a new baseline`);
    return emptyState();
  }

  async save(state: FleetState): Promise<void> {
    const dir = path.dirname(path.resolve(this.file));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
    const data = Buffer.from(JSON.stringify(state) + '\n');
    let fd: number | undefined;
    try {
      fd = openSync(temp, 'wx', 0o600);
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(temp, this.file);
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
      throw e;
    }
    try {
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // some filesystems refuse fsync on a directory; the rename is still atomic
    }
  }
}

/** In memory (tests, and the command line without `--state`). */
export class MemoryStore implements FleetStore {
  private state: FleetState = emptyState();
  async load(): Promise<FleetState> {
    return structuredClone(this.state);
  }
  async save(state: FleetState): Promise<void> {
    this.state = structuredClone(state);
  }
}

/** The state from its JSON text, or undefined when the text is not a sip-check fleet state. */
export function parseState(text: string): FleetState | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object') return undefined;
    const s = value as Partial<FleetState>;
    if (s.version !== 1 || !Array.isArray(s.runs) || !Array.isArray(s.history) || !s.firewalls || typeof s.firewalls !== 'object') return undefined;
    return s as FleetState;
  } catch {
    return undefined;
  }
}
