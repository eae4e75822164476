import path from 'node:path';
import type { FirewallEntry } from '../../src/config/types';
import { FortiGateSimulator, loadScenario } from '../../src/simulator';
import { DEMO_SCENARIO, PASSWORD_ENV, TEST_PASSWORD } from '../support/harness';
import { unusedPort } from '../support/ports';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'verdict');
const SCENARIOS = path.join(__dirname, '..', '..', 'src', 'simulator', 'scenarios');

/** One simulated firewall per handler (realistic transcripts), as the sweep sees them. */
export const FLEET_SCENARIOS = {
  'sip-alg': DEMO_SCENARIO,
  'session-helper': path.join(SCENARIOS, 'fw-helper.txt'),
  none: path.join(FIXTURES, 'r5-helper-deleted.txt'),
  mismatch: path.join(FIXTURES, 'r8-leftover-sessions.txt'),
} as const;

export const USER = 'U0NETOPS';

export interface Fleet {
  sims: FortiGateSimulator[];
  entries: FirewallEntry[];
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export function entryFor(name: string, port: number, fingerprint: string, extra: Partial<FirewallEntry> = {}): FirewallEntry {
  return {
    name,
    host: '127.0.0.1',
    port,
    username: 'admin',
    auth: { type: 'password', passwordEnv: PASSWORD_ENV },
    hostKey: { fingerprints: [fingerprint] },
    allow: { users: [USER], userGroups: [], channels: [] },
    algorithms: 'default',
    ...extra,
  };
}

/** A port nothing listens on, and nothing will take by chance (see unusedPort). */
export const closedPort = unusedPort;

/**
 * fw-alg, fw-helper, fw-none, fw-mismatch (each handler), fw-down (nothing listens), fw-badpass (the inventory's
 * password is wrong for it), fw-busy (a scenario that works; tests hold its lock). Tags: `branch` on some.
 */
export async function startFleet(): Promise<Fleet> {
  const sims: FortiGateSimulator[] = [];
  const entries: FirewallEntry[] = [];
  const start = async (name: string, scenario: string, opts: { password?: string; tags?: string[] } = {}) => {
    // A port below the ephemeral range: a test that closes this unit and starts it again on its port, or expects
    // it unreachable, cannot find another process's listen(0) there.
    const sim = new FortiGateSimulator({ scenario: loadScenario(scenario), users: [{ username: 'admin', password: opts.password ?? TEST_PASSWORD }], port: await unusedPort() });
    const port = await sim.start();
    sims.push(sim);
    entries.push(entryFor(name, port, sim.hostKeyFingerprint, opts.tags ? { tags: opts.tags } : {}));
  };
  await start('fw-alg', FLEET_SCENARIOS['sip-alg'], { tags: ['branch'] });
  await start('fw-helper', FLEET_SCENARIOS['session-helper'], { tags: ['branch', 'emea'] });
  await start('fw-none', FLEET_SCENARIOS.none);
  await start('fw-mismatch', FLEET_SCENARIOS.mismatch);
  entries.push(entryFor('fw-down', await closedPort(), sims[0].hostKeyFingerprint, { tags: ['branch'] }));
  await start('fw-badpass', FLEET_SCENARIOS['sip-alg'], { password: 'another-password' });
  await start('fw-busy', FLEET_SCENARIOS['sip-alg']);
  return {
    sims,
    entries,
    env: { [PASSWORD_ENV]: TEST_PASSWORD },
    close: async () => {
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}
