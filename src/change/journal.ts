import * as fs from 'node:fs';
import * as path from 'node:path';
import { deviceKey } from '../check/locks';
import type { ConfigSnapshot } from './plan';

/**
 * The change journal: an entry is written before the first approved line is typed and removed once the change is
 * verified (or rolled back and verified). An entry left behind is a change cut mid-way (a dropped connection, a
 * crash): the next check of that firewall, the next change of it, and recovery (at start-up; with Redis, every
 * replica's recovery loop) read the unit and say whether it is complete, partial or absent. Complete and absent
 * entries are cleared; a partial one stays, and no new change of that firewall is applied over it. Nothing is
 * ever re-applied.
 */
export interface ChangeJournalEntry {
  changeId: string;
  firewall: string;
  vdom: string;
  startedAt: string;
  commands: string[];
  basis: ConfigSnapshot;
  expected: ConfigSnapshot;
  /**
   * The device when the change began, as the locks name it (`deviceKey`: jump hops and address): an entry is found
   * again if the firewall is renamed or has two names, and never by a bare address (one private address behind two
   * bastions is two devices).
   */
  device?: string;
}

/** What reading the unit said of one journal entry (`unread`: that VDOM could not be read; the entry is kept). */
export interface ChangeAssessment {
  changeId: string;
  firewall: string;
  vdom: string;
  state: 'complete' | 'partial' | 'absent' | 'unread';
  /** For `partial`: what still differs from what the change should leave, in words. */
  differences: string[];
  /** The assessment in words, as shown and audited. */
  text: string;
}

/** The file (`FileChangeJournal`) or, with replicas, Redis (`RedisChangeJournal`). */
export interface ChangeJournal {
  /** Settles once the entry is stored: nothing is typed before. */
  begin(entry: ChangeJournalEntry): Promise<void>;
  finish(changeId: string): Promise<void>;
  pending(): Promise<ChangeJournalEntry[]>;
}

/** The entries of one device: by inventory name, or by the device (hops and address) recorded when the change began. */
export function entriesOf(entries: readonly ChangeJournalEntry[], firewall: Parameters<typeof deviceKey>[0] & { name: string }): ChangeJournalEntry[] {
  const device = deviceKey(firewall);
  return entries.filter((e) => e.firewall === firewall.name || (e.device !== undefined && e.device === device));
}

/** One JSON file, replaced atomically (temp file, fsync, rename). */
export class FileChangeJournal implements ChangeJournal {
  constructor(readonly file: string) {}

  async pending(): Promise<ChangeJournalEntry[]> {
    return this.read();
  }

  async begin(entry: ChangeJournalEntry): Promise<void> {
    this.write([...this.read().filter((e) => e.changeId !== entry.changeId), entry]);
  }

  async finish(changeId: string): Promise<void> {
    const entries = this.read();
    if (entries.some((e) => e.changeId === changeId)) this.write(entries.filter((e) => e.changeId !== changeId));
  }

  private read(): ChangeJournalEntry[] {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { entries?: ChangeJournalEntry[] };
      return Array.isArray(parsed.entries) ? parsed.entries : [];
    } catch {
      return [];
    }
  }

  private write(entries: ChangeJournalEntry[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ version: 1, entries }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}
