import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyState, type FleetState } from '../../src/fleet/drift';
import { JsonFileStore } from '../../src/fleet/store';

const state = (at: string): FleetState => ({ ...emptyState(), runs: [{ id: 'r', at, scope: 'all', counts: { 'sip-alg': 1 }, seconds: 0.4 }] });

describe('JsonFileStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip-check-store-'));
  });

  it('starts empty, then round-trips the state; the file is 0600 in a new directory and no temporary file is left', async () => {
    const file = path.join(dir, 'nested', 'fleet.json');
    const store = new JsonFileStore(file);
    expect(await store.load()).toEqual(emptyState());
    await store.save(state('2026-12-01T09:00:00.000Z'));
    await store.save(state('2026-12-01T10:00:00.000Z'));
    expect(await new JsonFileStore(file).load()).toEqual(state('2026-12-01T10:00:00.000Z'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['fleet.json']);
  });

  it('moves a file that is not a sip-check state aside, says so, and starts a new baseline', async () => {
    const file = path.join(dir, 'fleet.json');
    writeFileSync(file, '{"version": 1, "runs": [');
    const warnings: string[] = [];
    const loaded = await new JsonFileStore(file, (m) => warnings.push(m)).load();
    expect(loaded).toEqual(emptyState());
    expect(existsSync(file)).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/was not a sip-check state; moved it to .*fleet\.json\.corrupt-\d+ and started a new baseline/)]);
    const aside = readdirSync(dir).find((f) => f.startsWith('fleet.json.corrupt-'))!;
    expect(readFileSync(path.join(dir, aside), 'utf8')).toBe('{"version": 1, "runs": [');
  });

  it('fails the save, leaving the old state, when the directory cannot be written', async () => {
    const file = path.join(dir, 'fleet.json');
    const store = new JsonFileStore(file);
    await store.save(state('2026-12-01T09:00:00.000Z'));
    const blocked = new JsonFileStore(path.join(file, 'inside-a-file.json'));
    await expect(blocked.save(state('x'))).rejects.toThrow();
    expect(await store.load()).toEqual(state('2026-12-01T09:00:00.000Z'));
  });
});
