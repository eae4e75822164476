import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Crash journal for debug safety. `begin` is written durably BEFORE debug is enabled on a firewall and
 * `finish` after debug is confirmed reset; whatever is still in the journal at start-up is a firewall the
 * previous process may have left with debug running, to be reset (and audited as `recovery`).
 *
 * Durable = write a temp file, fsync it, rename it over the journal, fsync the directory: after a crash
 * the file is either the old or the new version, never half of each.
 *
 * File format: `{ "version": 1, "entries": [JournalEntry, ...] }`, one entry per running check.
 */
export interface JournalEntry {
  checkId: string;
  firewall: string;
  /** ISO-8601. */
  startedAt: string;
  pid: number;
  /** Where the device was: recovery finds it by address when the inventory renamed the firewall. */
  host?: string;
  port?: number;
  /**
   * The device as the locks name it (`deviceKey`: the jump hops and the address): behind two bastions one private
   * address is two devices, so an entry with it is found again by it, never by the bare address.
   */
  device?: string;
}

interface JournalFile {
  version: 1;
  entries: JournalEntry[];
}

/** Our own file, but read at start-up after a crash: bound what we are willing to parse. */
const MAX_JOURNAL_BYTES = 1024 * 1024;

export interface DebugJournalOptions {
  /** Start-up findings (corrupt journal kept aside). Default: ignored. */
  warn?: (message: string) => void;
}

export class DebugJournal {
  private entries: Map<string, JournalEntry> | undefined;
  private readonly warn: (message: string) => void;

  constructor(
    readonly file: string,
    options: DebugJournalOptions = {},
  ) {
    this.warn = options.warn ?? (() => undefined);
  }

  /**
   * Entries left by a previous run, read from disk (call once at start-up). A missing file is an empty
   * journal; an unreadable or corrupt one is renamed to `<file>.corrupt` with a warning and the journal
   * starts empty.
   */
  pending(): JournalEntry[] {
    this.entries = this.read();
    return [...this.entries.values()];
  }

  /**
   * Records a check about to enable debug; resolves once the record is durable. Rejects if it cannot be made
   * durable: do not enable debug then. The disk work runs off the event loop (fs promises), and records made while
   * a write is under way go out together in the next one (one write and two fsyncs for many checks).
   */
  async begin(entry: JournalEntry): Promise<void> {
    const kept: JournalEntry = { checkId: entry.checkId, firewall: entry.firewall, startedAt: entry.startedAt, pid: entry.pid };
    if (entry.host !== undefined && entry.port !== undefined) Object.assign(kept, { host: entry.host, port: entry.port });
    if (entry.device !== undefined) kept.device = entry.device;
    const entries = this.current();
    const before = entries.get(entry.checkId);
    entries.set(entry.checkId, kept);
    try {
      await this.flush();
    } catch (e) {
      // Not durable: forget it, so a later write does not record a capture that never started.
      if (entries.get(entry.checkId) === kept) {
        if (before) entries.set(entry.checkId, before);
        else entries.delete(entry.checkId);
      }
      throw e;
    }
  }

  /** Debug was reset (or never enabled): the check leaves the journal. Unknown ids are ignored. */
  async finish(checkId: string): Promise<void> {
    const entries = this.current();
    const entry = entries.get(checkId);
    if (!entry) return;
    entries.delete(checkId);
    try {
      await this.flush();
    } catch (e) {
      // Still on disk: keep it in memory too, so the next write keeps it and recovery still sees it.
      if (!entries.has(checkId)) entries.set(checkId, entry);
      throw e;
    }
  }

  private writing: Promise<void> = Promise.resolve();
  private nextWrite: Promise<void> | null = null;

  /** Writes the entries as they are when the write starts; one write at a time, later changes share the next. */
  private flush(): Promise<void> {
    if (this.nextWrite) return this.nextWrite;
    const write = this.writing.then(() => {
      this.nextWrite = null;
      return this.persist(this.current());
    });
    this.nextWrite = write;
    this.writing = write.catch(() => undefined);
    return write;
  }

  private current(): Map<string, JournalEntry> {
    // Entries of a previous run stay until recovery finishes them.
    if (this.entries === undefined) this.entries = this.read();
    return this.entries;
  }

  private read(): Map<string, JournalEntry> {
    let text: string;
    try {
      const size = fs.statSync(this.file).size;
      if (size > MAX_JOURNAL_BYTES) return this.setAside(`larger than ${MAX_JOURNAL_BYTES} bytes`);
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new Map();
      return this.setAside(`unreadable (${code ?? 'error'})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.setAside('not valid JSON');
    }
    const entries = parseJournal(parsed);
    if (!entries) return this.setAside('not a journal (expected {"version":1,"entries":[...]})');
    return new Map(entries.map((e) => [e.checkId, e]));
  }

  private setAside(reason: string): Map<string, JournalEntry> {
    const aside = `${this.file}.corrupt`;
    try {
      fs.renameSync(this.file, aside);
      this.warn(`crash journal ${this.file} is ${reason}: kept as ${aside}, starting empty; check firewalls that were being debugged when the bot stopped`);
    } catch (e) {
      this.warn(`crash journal ${this.file} is ${reason} and could not be moved aside (${(e as NodeJS.ErrnoException).code ?? 'error'}); starting empty`);
    }
    return new Map();
  }

  private async persist(entries: Map<string, JournalEntry>): Promise<void> {
    const dir = path.dirname(this.file);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const body: JournalFile = { version: 1, entries: [...entries.values()] };
    const temp = `${this.file}.tmp-${process.pid}`;
    try {
      const handle = await fsp.open(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, this.file);
    } catch (e) {
      await fsp.rm(temp, { force: true });
      throw e;
    }
    await syncDirectory(dir);
  }
}

/** Makes the rename itself durable. Not supported everywhere (Windows): best effort. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}

function parseJournal(value: unknown): JournalEntry[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, entries } = value as { version?: unknown; entries?: unknown };
  if (version !== 1 || !Array.isArray(entries)) return undefined;
  const out: JournalEntry[] = [];
  for (const item of entries) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { checkId, firewall, startedAt, pid, host, port, device } = item as Record<string, unknown>;
    if (typeof checkId !== 'string' || typeof firewall !== 'string' || typeof startedAt !== 'string' || typeof pid !== 'number' || !Number.isInteger(pid)) {
      return undefined;
    }
    const entry: JournalEntry = { checkId, firewall, startedAt, pid };
    if (typeof host === 'string' && typeof port === 'number') Object.assign(entry, { host, port });
    if (typeof device === 'string') entry.device = device;
    out.push(entry);
  }
  return out;
}
