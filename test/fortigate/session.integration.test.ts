import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { CheckError } from '../../src/errors';
import { COMMANDS } from '../../src/fortios/cli';
import { openSession, type ConnectTarget, type FortiSession } from '../../src/fortigate';
import { outputsOf, parseTranscript } from '../../src/fortios/transcript';
import { FortiGateSimulator, isDebugClean, loadScenario, type Faults, type Scenario } from '../../src/simulator';

/** Integration: the real driver against the ssh2-based FortiGate simulator on loopback. */

const DEMO = join(__dirname, '../../src/simulator/scenarios/fw-demo.txt');
const MULTI_VDOM = join(__dirname, '../fixtures/scenarios/multi-vdom.txt');
const USER = { username: 'sipcheck', password: 'Demo-Pass-42' };
const COMMAND_TIMEOUT_MS = 5000;

/** The careful capture set-up of docs/domain.md "The SIP debug capture". */
const DEBUG_START = [
  COMMANDS.debugDisable,
  COMMANDS.debugReset,
  COMMANDS.debugTimestamp,
  COMMANDS.debugDuration(5),
  COMMANDS.debugSip(-1),
  COMMANDS.debugEnable,
];

const sims: FortiGateSimulator[] = [];
const sessions: FortiSession[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const sim of sims.splice(0)) await sim.close();
});

async function startSim(scenario: Scenario | string = DEMO, faults?: Partial<Faults>): Promise<{ sim: FortiGateSimulator; port: number }> {
  const sim = new FortiGateSimulator({ scenario: typeof scenario === 'string' ? loadScenario(scenario) : scenario, users: [USER], faults });
  sims.push(sim);
  const port = await sim.start();
  return { sim, port };
}

function targetFor(sim: FortiGateSimulator, port: number, over: Partial<ConnectTarget> = {}): ConnectTarget {
  return {
    name: 'fw-demo',
    host: '127.0.0.1',
    port,
    username: USER.username,
    password: USER.password,
    fingerprints: [sim.hostKeyFingerprint],
    algorithms: 'default',
    readyTimeoutMs: 10000,
    keepaliveMs: 0,
    ...over,
  };
}

async function open(sim: FortiGateSimulator, port: number, over: Partial<ConnectTarget> = {}, commandTimeoutMs = COMMAND_TIMEOUT_MS): Promise<FortiSession> {
  const session = await openSession(targetFor(sim, port, over), { commandTimeoutMs });
  sessions.push(session);
  return session;
}

async function startDebug(session: FortiSession): Promise<void> {
  for (const c of DEBUG_START) {
    const r = await session.run(c);
    expect(r.error).toBeUndefined();
  }
}

/** Always-run cleanup, then the device must be clean (levels survive `disable`; only `reset` clears them). */
async function stopDebug(session: FortiSession, sim: FortiGateSimulator): Promise<void> {
  await session.run(COMMANDS.debugDisable);
  await session.run(COMMANDS.debugReset);
  expect(isDebugClean(sim.state)).toBe(true);
}

function recorded(path: string, command: string, context: string | null = null): string {
  const body = readFileSync(path, 'utf8').replace(/^---[\s\S]*?\n---\n/, '');
  const [first] = outputsOf(parseTranscript(body), command, context);
  return first.output;
}

describe('FortiOS session on the simulator', () => {
  it('prepares the session in one round trip and learns version and VDOM mode from get system status', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    expect(session.info).toMatchObject({ hostname: 'FGT-DEMO', privilege: '#' });
    expect(session.context).toBeNull();
    expect(session.alive).toBe(true);
    expect(sim.commandLog).toEqual([]);
    const status = await session.run(COMMANDS.systemStatus);
    expect(status.output).toBe(recorded(DEMO, COMMANDS.systemStatus));
    expect(session.info.version).toBe('FortiGate-VM64 v7.4.3,build2573,240201 (GA.F)');
    expect(session.info.vdomMode).toBe('disable');
  });

  it('reads paged output whole, answering --More-- instead of switching paging off', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    const result = await session.run(COMMANDS.sessionHelper);
    expect(result.output).toBe(recorded(DEMO, COMMANDS.sessionHelper));
    expect(result.output.split('\n').length).toBeGreaterThan(44);
    expect(result.output).not.toContain('--More--');
    expect(sim.state.consoleOutput).toBe('more');
  });

  it('enters VDOMs and global on a multi-VDOM unit, tracking the context from the prompt', async () => {
    const { sim, port } = await startSim(MULTI_VDOM);
    const session = await open(sim, port);
    await session.enterVdom('voice');
    expect(session.context).toBe('voice');
    const voice = await session.run(COMMANDS.systemSettings);
    expect(voice.context).toBe('voice');
    expect(voice.output).toContain('set default-voip-alg-mode kernel-helper-based');

    // Switching VDOMs leaves the current one first.
    await session.enterVdom('root');
    expect(session.context).toBe('root');
    expect((await session.run(COMMANDS.systemSettings)).output).toContain('set default-voip-alg-mode proxy-based');

    await session.enterGlobal();
    expect(session.context).toBe('global');
    const helpers = await session.run(COMMANDS.sessionHelper);
    expect(helpers.context).toBe('global');
    expect(helpers.output).toBe(recorded(MULTI_VDOM, COMMANDS.sessionHelper, 'global'));

    await session.leaveContext();
    expect(session.context).toBeNull();
    expect(sim.commandLog.map((c) => c.command)).toEqual([
      'config vdom',
      'edit voice',
      COMMANDS.systemSettings,
      'end',
      'config vdom',
      'edit root',
      COMMANDS.systemSettings,
      'end',
      'config global',
      COMMANDS.sessionHelper,
      'end',
    ]);
  });

  it('fails clearly on an unknown VDOM and returns to the top level', async () => {
    const { sim, port } = await startSim(MULTI_VDOM);
    const session = await open(sim, port);
    const err = await session.enterVdom('sales').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect(err).toMatchObject({ kind: 'cli-error', detail: { vdom: 'sales' } });
    expect((err as CheckError).message).toContain('entry not found in datasource');
    expect(session.context).toBeNull();
    await session.enterVdom('root');
    expect(session.context).toBe('root');
  });

  it('refuses config vdom on a single-VDOM unit as a CLI error', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    await expect(session.enterVdom('root')).rejects.toMatchObject({ kind: 'cli-error' });
    expect(session.context).toBeNull();
  });

  it('accepts a post-login banner', async () => {
    const scenario = { ...loadScenario(DEMO), postLoginBanner: 'Authorised access only.\nAll sessions are logged: ticket # required.' };
    const { sim, port } = await startSim(scenario);
    const session = await open(sim, port);
    expect(session.info.banner).toContain('Authorised access only.');
    expect(session.info.banner).toContain('ticket # required.');
    expect((await session.run(COMMANDS.systemStatus)).output).toContain('Hostname: FGT-DEMO');
  });

  it('returns a CLI error for an unknown command instead of throwing', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    const unknown = await session.run('frobnicate now');
    expect(unknown.error).toEqual({ kind: 'unknown-action', text: 'Unknown action 0' });
  });

  it('times out a hanging command, naming it', async () => {
    const { sim, port } = await startSim(DEMO, { hangOn: COMMANDS.sessionList });
    const session = await open(sim, port);
    const err = await session.run(COMMANDS.sessionList, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'timeout', detail: { command: COMMANDS.sessionList } });
    expect((err as CheckError).message).toContain(COMMANDS.sessionList);
  });

  it('waits for slow prompts instead of sleeping a fixed time', async () => {
    const { sim, port } = await startSim(DEMO, { slowPromptMs: 150 });
    const session = await open(sim, port);
    const status = await session.run(COMMANDS.systemStatus);
    expect(status.output).toBe(recorded(DEMO, COMMANDS.systemStatus));
    const helpers = await session.run(COMMANDS.sessionHelper);
    expect(helpers.output).toBe(recorded(DEMO, COMMANDS.sessionHelper));
  });

  it('refuses commands with line breaks or control characters before sending anything', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    for (const bad of ['get system status\rconfig system console', 'show\nend', 'show firewall policy\t', 'show \x03', 'show firewall ?']) {
      await expect(session.run(bad)).rejects.toMatchObject({ kind: 'usage' });
    }
    expect(sim.commandLog).toEqual([]);
    expect(session.alive).toBe(true);
  });

  it('never sends config system console over a whole check-like session', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    for (const c of [COMMANDS.systemStatus, COMMANDS.systemSettings, COMMANDS.sessionHelper, COMMANDS.firewallPolicy, COMMANDS.voipProfile]) {
      await session.run(c);
    }
    await startDebug(session);
    await session.capture({ windowMs: 200, maxBytes: 1 << 20, maxLines: 10_000, onLine: () => undefined });
    await stopDebug(session, sim);
    await session.close();
    const sent = sim.commandLog.map((c) => c.command);
    expect(sent.some((c) => c.startsWith('config system console') || c.startsWith('set output'))).toBe(false);
    expect(sim.state.configWrites).toEqual([]);
    expect(sent[sent.length - 1]).toBe('exit');
  });

  it('close() logs out, reports not alive, and never throws (even twice)', async () => {
    const { sim, port } = await startSim();
    const session = await open(sim, port);
    await session.close();
    await session.close();
    expect(session.alive).toBe(false);
    await expect(session.run(COMMANDS.systemStatus)).rejects.toMatchObject({ kind: 'disconnected' });
  });
});

describe('connect failures on the simulator', () => {
  it('refuses a changed host key naming both fingerprints, without logging in', async () => {
    const { sim, port } = await startSim();
    const pinned = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
    const err = await open(sim, port, { fingerprints: [pinned] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'host-key-mismatch' });
    expect((err as CheckError).message).toContain(pinned);
    expect((err as CheckError).message).toContain(sim.hostKeyFingerprint);
    expect(sim.state.logins).toBe(0);
  });

  it('reports a wrong password as auth-failed', async () => {
    const { sim, port } = await startSim();
    const err = await open(sim, port, { password: 'not-the-password' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth-failed' });
    expect((err as CheckError).message).toContain(USER.username);
    expect((err as CheckError).message).not.toContain('not-the-password');
  });

  it('reports a connection dropped when the shell opens as disconnected', async () => {
    const { sim, port } = await startSim(DEMO, { dropOn: 'shell' });
    const err = await open(sim, port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect(err).toMatchObject({ kind: 'disconnected' });
  });

  it('reports a connection dropped on a command as disconnected, naming the command', async () => {
    const { sim, port } = await startSim(DEMO, { dropOn: { command: COMMANDS.firewallPolicy } });
    const session = await open(sim, port);
    const err = await session.run(COMMANDS.firewallPolicy).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'disconnected', detail: { command: COMMANDS.firewallPolicy } });
    expect(session.alive).toBe(false);
  });

  it('reports max admins as a retryable error', async () => {
    const { sim, port } = await startSim(DEMO, { maxAdmins: true });
    const err = await open(sim, port).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'max-admins', retryable: true });
  });
});

describe('SIP debug capture on the simulator', () => {
  it('streams debug lines until the window ends, then finds the prompt again', async () => {
    const { sim, port } = await startSim(MULTI_VDOM);
    const session = await open(sim, port);
    await startDebug(session);
    const lines: string[] = [];
    const ticks: number[] = [];
    const result = await session.capture({ windowMs: 1200, maxBytes: 1 << 20, maxLines: 100_000, onLine: (l) => lines.push(l), onTick: (ms) => ticks.push(ms) });
    expect(result.stoppedBy).toBe('window');
    expect(result.lines).toBe(lines.length);
    expect(lines.length).toBeGreaterThan(4);
    // Whole lines only: rejoined across chunks, no prompt residue, no line ends.
    for (const l of lines) expect(l).toMatch(/^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?sip (?:port 26 |sess 0x7f3a2c10 found)/);
    expect(lines.some((l) => l.includes('read [(0,12)(4f5054494f4e53207369703a)(OPTIONS sip:)]'))).toBe(true);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(sim.state.debug.enabled).toBe(false); // capture() sent `diagnose debug disable`
    expect((await session.run(COMMANDS.systemStatus)).output).toContain('Hostname: FGT-MV');
    await stopDebug(session, sim);
  });

  it('stops at the byte bound', async () => {
    const { sim, port } = await startSim(MULTI_VDOM);
    const session = await open(sim, port);
    await startDebug(session);
    const result = await session.capture({ windowMs: 20_000, maxBytes: 600, maxLines: 100_000, onLine: () => undefined });
    expect(result).toMatchObject({ stoppedBy: 'bytes', bytes: 600 });
    await stopDebug(session, sim);
  });

  it('stops at the line bound, delivering exactly that many lines', async () => {
    const { sim, port } = await startSim(MULTI_VDOM);
    const session = await open(sim, port);
    await startDebug(session);
    const lines: string[] = [];
    const result = await session.capture({ windowMs: 20_000, maxBytes: 1 << 20, maxLines: 6, onLine: (l) => lines.push(l) });
    expect(result).toMatchObject({ stoppedBy: 'lines', lines: 6 });
    expect(lines).toHaveLength(6);
    await stopDebug(session, sim);
  });

  it('stops when aborted', async () => {
    const { sim, port } = await startSim(MULTI_VDOM);
    const session = await open(sim, port);
    await startDebug(session);
    const abort = new AbortController();
    const lines: string[] = [];
    const result = await session.capture({
      windowMs: 20_000,
      maxBytes: 1 << 20,
      maxLines: 100_000,
      signal: abort.signal,
      onLine: (l) => {
        lines.push(l);
        if (lines.length === 3) abort.abort();
      },
    });
    expect(result.stoppedBy).toBe('cancelled');
    expect(lines).toHaveLength(3);
    await stopDebug(session, sim);
  });

  it('survives a debug flood split at arbitrary points and still finds the prompt', async () => {
    const { sim, port } = await startSim(DEMO, { floodDebug: true });
    const session = await open(sim, port);
    await startDebug(session);
    const lines: string[] = [];
    const result = await session.capture({ windowMs: 20_000, maxBytes: 256 * 1024, maxLines: 1_000_000, onLine: (l) => lines.push(l) });
    expect(result).toMatchObject({ stoppedBy: 'bytes', bytes: 256 * 1024 });
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.every((l) => !l.includes('\r') && !l.includes('\n') && !l.startsWith('FGT-DEMO #'))).toBe(true);
    await stopDebug(session, sim);
    expect((await session.run(COMMANDS.systemStatus)).output).toContain('Hostname: FGT-DEMO');
  });

  it('reports a connection dropped mid-capture as disconnected', async () => {
    const { sim, port } = await startSim(MULTI_VDOM, { dropOn: { debugLines: 5 } });
    const session = await open(sim, port);
    await startDebug(session);
    const err = await session.capture({ windowMs: 20_000, maxBytes: 1 << 20, maxLines: 100_000, onLine: () => undefined }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'disconnected' });
    expect(session.alive).toBe(false);
    // Device-side state survives the drop: a new session cleans up (what the check's cleanup does).
    const again = await open(sim, port);
    await stopDebug(again, sim);
  });
});
