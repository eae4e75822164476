import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FirewallEntry, Inventory, SshHostEntry } from '../config/types';
import { FortiGateSimulator, JumpHostServer, loadScenario } from '../simulator';

/**
 * `sip-check sweep --demo`: the sweep without real firewalls, as `npm start` is the check without one. Simulated
 * FortiGates on loopback, in this process, with throwaway passwords: a multi-VDOM unit listed once per VDOM (as
 * the README recommends), a branch with the session helper, and a unit reachable only through a simulated SSH
 * bastion. Nothing leaves the machine.
 */

const SCENARIOS = path.join(__dirname, '..', 'simulator', 'scenarios');
export const DEMO_SWEEP_PASSWORD_ENV = 'SIP_CHECK_DEMO_PASSWORD';
export const DEMO_BASTION_PASSWORD_ENV = 'SIP_CHECK_DEMO_BASTION_PASSWORD';

export interface DemoFleet {
  inventory: Inventory;
  /** The throwaway passwords, by the variable names the inventory uses. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startDemoFleet(): Promise<DemoFleet> {
  const password = randomBytes(18).toString('base64url');
  const bastionPassword = randomBytes(18).toString('base64url');
  const sims: FortiGateSimulator[] = [];
  const bastion = new JumpHostServer({ users: [{ username: 'jumper', password: bastionPassword }] });
  const close = async () => {
    await Promise.all([...sims.map((s) => s.close()), bastion.close()]);
  };
  try {
    const start = async (scenario: string): Promise<FortiGateSimulator> => {
      const sim = new FortiGateSimulator({ scenario: loadScenario(path.join(SCENARIOS, scenario)), users: [{ username: 'admin', password }] });
      sims.push(sim);
      await sim.start();
      return sim;
    };
    const hq = await start('fw-multi-vdom.txt');
    const branch = await start('fw-helper.txt');
    const remote = await start('fw-demo.txt');
    await bastion.start();
    const endpoint = (name: string, sim: { port: number; hostKeyFingerprint: string }, username: string, passwordEnv: string): SshHostEntry => ({
      name,
      host: '127.0.0.1',
      port: sim.port,
      username,
      auth: { type: 'password', passwordEnv },
      hostKey: { fingerprints: [sim.hostKeyFingerprint] },
      algorithms: 'default',
    });
    const firewall = (name: string, sim: FortiGateSimulator, extra: Partial<FirewallEntry>): FirewallEntry => ({
      ...endpoint(name, sim, 'admin', DEMO_SWEEP_PASSWORD_ENV),
      allow: { users: [], userGroups: [], channels: [] },
      ...extra,
    });
    const demoBastion = endpoint('demo-bastion', bastion, 'jumper', DEMO_BASTION_PASSWORD_ENV);
    const firewalls = [
      firewall('demo-hq-root', hq, { vdom: 'root', tags: ['hq'] }),
      firewall('demo-hq-voice', hq, { vdom: 'voice', tags: ['hq'] }),
      firewall('demo-branch', branch, { tags: ['branch'] }),
      firewall('demo-remote', remote, { tags: ['branch'], jump: 'demo-bastion', via: [demoBastion] }),
    ];
    return {
      inventory: { source: '(built-in demo)', firewalls, jumpHosts: [demoBastion], warnings: [] },
      env: { [DEMO_SWEEP_PASSWORD_ENV]: password, [DEMO_BASTION_PASSWORD_ENV]: bastionPassword },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
