import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfigSnapshot } from './plan';

/**
 * The change journal: an entry is written before the first approved line is typed and removed once the change is
 * verified (or rolled back and verified). An entry left behind is a change cut mid-way (a dropped connection, a
 * crash): recovery reads the unit and says whether it is complete, partial or absent. It never re-applies.
 */
export interface ChangeJournalEntry {
  changeId: string;
  firewall: string;
  vdom: string;
  startedAt: string;
  commands: string[];
  basis: ConfigSnapshot;
  expected: ConfigSnapshot;
}

export interface ChangeJournal {
  begin(entry: ChangeJournalEntry): Promise<void>;
  finish(changeId: string): Promise<void>;
  pending(): ChangeJournalEntry[];
}

/** One JSON file, replaced atomically (temp file, fsync, rename). */
export class FileChangeJournal implements ChangeJournal {
  constructor(readonly file: string) {}

  pending(): ChangeJournalEntry[] {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { entries?: ChangeJournalEntry[] };
      return Array.isArray(parsed.entries) ? parsed.entries : [];
    } catch {
      return [];
    }
  }

  async begin(entry: ChangeJournalEntry): Promise<void> {
    this.write([...this.pending().filter((e) => e.changeId !== entry.changeId), entry]);
  }

  async finish(changeId: string): Promise<void> {
    this.write(this.pending().filter((e) => e.changeId !== changeId));
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
