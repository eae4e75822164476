/**
 * SSH through jump hosts, end to end on loopback: a real ssh2 bastion (src/simulator/jumpHost.ts) forwards
 * `direct-tcpip` channels to the FortiGate simulator. Host keys are pinned on every hop, each hop has its own
 * credential, a bastion that drops mid-capture is a dropped session (debug is reset on the next connection), and
 * a sweep through one bastion uses one connection to it.
 */
import { makeSessionOpener } from '../../src/check/connect';
import { runCheck } from '../../src/check/run';
import type { FirewallEntry, SshHostEntry } from '../../src/config/types';
import { CheckError } from '../../src/errors';
import { connectSsh } from '../../src/fortigate';
import { JumpPool } from '../../src/fortigate/jump';
import { createFleetService } from '../../src/fleet/service';
import { SweepSlots } from '../../src/fleet/sweep';
import { isDebugClean, JumpHostServer, JUMP_HOST_KEY_FINGERPRINT } from '../../src/simulator';
import { DEFAULT_HOST_KEY_FINGERPRINT } from '../../src/simulator/hostKey';
import { MemoryJournal, RecordingReporter, request, startFirewall, testLimits, type SimulatedFirewall } from '../support/harness';
import { closeReadOnly, debugSwitchedOn, debugCommandsReceived, resetAfterLastSwitchOn } from '../support/readOnly';

jest.setTimeout(60_000);

const BASTION_PASSWORD = 'bastion-Pa55word!';
const BASTION_ENV = 'SIP_CHECK_TEST_BASTION_PASSWORD';

function hop(name: string, server: JumpHostServer, extra: Partial<SshHostEntry> = {}): SshHostEntry {
  return {
    name,
    host: '127.0.0.1',
    port: server.port,
    username: 'jumper',
    auth: { type: 'password', passwordEnv: BASTION_ENV },
    hostKey: { fingerprints: [server.hostKeyFingerprint] },
    algorithms: 'default',
    ...extra,
  };
}

describe('SSH through jump hosts', () => {
  const closers: Array<() => Promise<void>> = [];
  let pool: JumpPool;
  afterEach(async () => {
    await pool?.close();
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function bastion(): Promise<JumpHostServer> {
    const server = new JumpHostServer({ users: [{ username: 'jumper', password: BASTION_PASSWORD }] });
    await server.start();
    closers.push(() => server.close());
    return server;
  }
  async function firewall(name = 'fw01'): Promise<SimulatedFirewall> {
    const fw = await startFirewall({ name });
    closers.push(() => closeReadOnly(fw.sim));
    return fw;
  }
  function opener(fw: SimulatedFirewall, limits = testLimits()) {
    pool = new JumpPool(connectSsh, { idleMs: 5_000 });
    return makeSessionOpener(limits, { ...fw.env, [BASTION_ENV]: BASTION_PASSWORD }, { jumpPool: pool });
  }

  test('a check reads the firewall through one bastion, with the key pinned on both hops', async () => {
    const jump = await bastion();
    const fw = await firewall();
    const entry: FirewallEntry = { ...fw.entry, via: [hop('bastion', jump)] };
    const session = await opener(fw)(entry);
    const status = await session.run('get system status');
    await session.close();
    expect(status.output).toMatch(/Hostname: /);
    expect(jump.connections).toBe(1);
    expect(jump.forwards).toBe(1);
    expect(JUMP_HOST_KEY_FINGERPRINT).toBe(jump.hostKeyFingerprint);
  });

  test('a wrong jump-host key is refused before any credential is sent, and the firewall is never reached', async () => {
    const jump = await bastion();
    const fw = await firewall();
    // Pinned: the FortiGate simulator's key, not the bastion's.
    const entry: FirewallEntry = { ...fw.entry, via: [hop('bastion', jump, { hostKey: { fingerprints: [DEFAULT_HOST_KEY_FINGERPRINT] } })] };
    const error = await opener(fw)(entry).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckError);
    expect((error as CheckError).kind).toBe('host-key-mismatch');
    expect((error as CheckError).message).toMatch(/^jump host bastion: SSH host key of bastion \(127\.0\.0\.1:\d+\) does not match: expected SHA256:\+nCr\S+, presented SHA256:GYXG/);
    expect(jump.forwards).toBe(0);
    expect(fw.sim.state.logins).toBe(0);
  });

  test('a wrong bastion password is an auth failure of the bastion, not of the firewall', async () => {
    const jump = await bastion();
    const fw = await firewall();
    pool = new JumpPool(connectSsh, { idleMs: 0 });
    const open = makeSessionOpener(testLimits(), { ...fw.env, [BASTION_ENV]: 'not-it' }, { jumpPool: pool });
    const error = (await open({ ...fw.entry, via: [hop('bastion', jump)] }).catch((e: unknown) => e)) as CheckError;
    expect(error.kind).toBe('auth-failed');
    expect(error.message).toMatch(/^jump host bastion: authentication failed for user "jumper" on bastion/);
    expect(fw.sim.state.logins).toBe(0);
  });

  test('a bastion that may not reach the firewall says so, naming both', async () => {
    const jump = new JumpHostServer({ users: [{ username: 'jumper', password: BASTION_PASSWORD }], mayForwardTo: () => false });
    await jump.start();
    closers.push(() => jump.close());
    const fw = await firewall();
    const error = (await opener(fw)({ ...fw.entry, via: [hop('bastion', jump)] }).catch((e: unknown) => e)) as CheckError;
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(new RegExp(`^jump host bastion could not reach 127\\.0\\.0\\.1:${fw.entry.port} \\(`));
    expect(jump.refusedForwards).toBe(1);
  });

  test('a chain of two jumps: the second bastion is reached through the first', async () => {
    const outer = await bastion();
    const inner = await bastion();
    const fw = await firewall();
    const entry: FirewallEntry = { ...fw.entry, via: [hop('outer', outer), hop('inner', inner)] };
    const session = await opener(fw)(entry);
    const status = await session.run('get system status');
    await session.close();
    expect(status.output).toMatch(/Hostname: /);
    // outer forwarded one channel (to inner); inner forwarded one (to the firewall).
    expect([outer.connections, outer.forwards, inner.connections, inner.forwards]).toEqual([1, 1, 1, 1]);
  });

  test('a chain with a wrong key on the second hop fails there, naming it', async () => {
    const outer = await bastion();
    const inner = await bastion();
    const fw = await firewall();
    const entry: FirewallEntry = { ...fw.entry, via: [hop('outer', outer), hop('inner', inner, { hostKey: { fingerprints: [DEFAULT_HOST_KEY_FINGERPRINT] } })] };
    const error = (await opener(fw)(entry).catch((e: unknown) => e)) as CheckError;
    expect(error.kind).toBe('host-key-mismatch');
    expect(error.message).toMatch(/^jump host inner: /);
    expect(inner.forwards).toBe(0);
  });

  test('a bastion that drops mid-capture is a dropped session: debug is reset on the next connection', async () => {
    const jump = await bastion();
    const fw = await firewall();
    const entry: FirewallEntry = { ...fw.entry, via: [hop('bastion', jump)] };
    let dropped = false;
    const reporter = new RecordingReporter({}, (update) => {
      if (update.phase === 'capturing' && !dropped && fw.sim.state.debug.enabled) {
        dropped = true;
        jump.dropAll();
      }
    });
    const outcome = await runCheck(request('fw01', { seconds: 4 }), {
      entry,
      limits: testLimits(),
      openSession: opener(fw),
      reporter,
      journal: new MemoryJournal(),
      signal: new AbortController().signal,
      now: () => new Date(),
      log: () => undefined,
    });
    expect(dropped).toBe(true);
    // The device saw debug switched on, then a reset from a second login through a second bastion connection.
    const lines = debugCommandsReceived(fw.sim);
    expect(debugSwitchedOn(lines).length).toBeGreaterThan(0);
    expect(resetAfterLastSwitchOn(lines)).toBeNull();
    expect(isDebugClean(fw.sim.state)).toBe(true);
    expect(outcome.debugReset).toBe(true);
    expect(reporter.events.some((e) => e.type === 'note' && /the bot reconnected and reset debug/.test(e.text))).toBe(true);
    expect(fw.sim.state.logins).toBe(2);
    expect(jump.connections).toBe(2);
  });

  test('a sweep through one bastion uses one connection to it for every firewall behind it', async () => {
    const jump = await bastion();
    const fws = [await firewall('fw-a'), await firewall('fw-b'), await firewall('fw-c')];
    const via = [hop('bastion', jump)];
    const entries = fws.map((fw) => ({ ...fw.entry, via }));
    const fleet = createFleetService({
      inventory: { source: 'test', firewalls: entries },
      limits: testLimits(),
      openSession: opener(fws[0]),
      slots: new SweepSlots(undefined, 2),
      concurrency: 2,
      log: () => undefined,
    });
    const report = await fleet.sweep({ kind: 'all' });
    expect(report.rows.map((r) => [r.name, r.error?.message ?? r.handler])).toEqual([
      ['fw-a', 'sip-alg'],
      ['fw-b', 'sip-alg'],
      ['fw-c', 'sip-alg'],
    ]);
    expect(jump.connections).toBe(1);
    expect(jump.forwards).toBe(3);
    expect(fws.map((fw) => fw.sim.state.logins)).toEqual([1, 1, 1]);
  });
});
