import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugJournal, type JournalEntry } from '../../src/check/journal';

const entry = (checkId: string, firewall: string): JournalEntry => ({ checkId, firewall, startedAt: '2026-11-25T18:00:00.000Z', pid: 4242 });

describe('DebugJournal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-check-journal-'));
    file = path.join(dir, 'var', 'journal.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts empty without a file', () => {
    const warnings: string[] = [];
    expect(new DebugJournal(file, { warn: (w) => warnings.push(w) }).pending()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('writes begin to disk at once, keeps one entry per running check, and removes finished ones', async () => {
    const journal = new DebugJournal(file);
    await journal.begin(entry('c1', 'fw01'));
    // On disk before begin returns: a crash right after would leave it for the next start.
    expect(new DebugJournal(file).pending()).toEqual([entry('c1', 'fw01')]);
    await journal.begin(entry('c2', 'fw02'));
    expect(new DebugJournal(file).pending()).toEqual([entry('c1', 'fw01'), entry('c2', 'fw02')]);
    await journal.finish('c1');
    expect(new DebugJournal(file).pending()).toEqual([entry('c2', 'fw02')]);
    await journal.finish('unknown');
    await journal.finish('c2');
    expect(new DebugJournal(file).pending()).toEqual([]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['journal.json']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ version: 1, entries: [] });
  });

  it('reports what a crashed run left behind, and keeps it until recovery finishes it', async () => {
    const crashed = new DebugJournal(file);
    await crashed.begin(entry('old1', 'fw01'));
    await crashed.begin(entry('old2', 'fw02'));
    // Next process: new checks start while recovery is still running.
    const restarted = new DebugJournal(file);
    await restarted.begin(entry('new1', 'fw03'));
    expect(new DebugJournal(file).pending().map((e) => e.checkId)).toEqual(['old1', 'old2', 'new1']);
    const recovered = new DebugJournal(file);
    expect(recovered.pending().map((e) => e.checkId)).toEqual(['old1', 'old2', 'new1']);
    await recovered.finish('old1');
    expect(new DebugJournal(file).pending().map((e) => e.checkId)).toEqual(['old2', 'new1']);
  });

  it.each<[string, string, RegExp]>([
    ['half-written JSON', '{"version":1,"entries":[{"checkId":"c1","firewall":"fw0', /is not valid JSON/],
    ['another format', '{"entries":{"c1":"fw01"}}', /is not a journal/],
    ['an entry of the wrong shape', '{"version":1,"entries":[{"checkId":"c1","firewall":"fw01","startedAt":"x","pid":"42"}]}', /is not a journal/],
    ['a JSON array', '[]', /is not a journal/],
  ])('keeps a corrupt journal aside (%s) and starts empty, with a warning', async (_title, text, reason) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const warnings: string[] = [];
    const journal = new DebugJournal(file, { warn: (w) => warnings.push(w) });
    expect(journal.pending()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(reason);
    expect(warnings[0]).toContain(`kept as ${file}.corrupt`);
    expect(fs.readFileSync(`${file}.corrupt`, 'utf8')).toBe(text);
    await journal.begin(entry('c1', 'fw01'));
    expect(new DebugJournal(file).pending()).toEqual([entry('c1', 'fw01')]);
  });

  it('records made while a write is under way go out together, each settling once durable', async () => {
    const journal = new DebugJournal(file);
    const writes: string[] = [];
    const started = Array.from({ length: 10 }, (_, i) => journal.begin(entry(`c${i}`, `fw${i}`)));
    // After the first write began, the other nine share one: all ten are on disk when the last settles.
    await Promise.all(started.map((p) => p.then(() => writes.push(fs.readFileSync(file, 'utf8')))));
    expect(new DebugJournal(file).pending().map((e) => e.checkId)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(new Set(writes).size).toBeLessThanOrEqual(2);
    await Promise.all([journal.finish('c0'), journal.finish('c5'), journal.begin(entry('c10', 'fw10'))]);
    expect(new DebugJournal(file).pending().map((e) => e.checkId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c6', 'c7', 'c8', 'c9', 'c10']);
  });

  it('refuses an oversized journal without reading it', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, ' '.repeat(1024 * 1024 + 1));
    const warnings: string[] = [];
    expect(new DebugJournal(file, { warn: (w) => warnings.push(w) }).pending()).toEqual([]);
    expect(warnings[0]).toMatch(/larger than 1048576 bytes/);
  });

  it('throws from begin when it cannot write, so debug is never enabled unrecorded; leaves no temp file', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const journal = new DebugJournal(path.join(blocker, 'journal.json'));
    await expect(journal.begin(entry('c1', 'fw01'))).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(fs.readdirSync(dir)).toEqual(['not-a-dir']);
  });

  it('throws from begin when the rename fails, leaving no temp file', async () => {
    const journal = new DebugJournal(file);
    journal.pending();
    fs.mkdirSync(path.join(file, 'occupied'), { recursive: true }); // a non-empty directory where the journal goes
    await expect(journal.begin(entry('c1', 'fw01'))).rejects.toThrow();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['journal.json']);
    // The failed record is forgotten: the next write does not carry it.
    fs.rmSync(file, { recursive: true });
    await journal.begin(entry('c2', 'fw02'));
    expect(new DebugJournal(file).pending()).toEqual([entry('c2', 'fw02')]);
  });
});
