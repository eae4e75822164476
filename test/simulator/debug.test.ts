import { COMMANDS } from '../../src/fortios/cli';
import { isDebugClean, loadScenario, parseScenario } from '../../src/simulator';
import { renewDialogIds } from '../../src/simulator/debugStream';
import { DEMO_SCENARIO as DEMO, login, useSimulators } from './sshShell';
const READ_LINE = /sip port \d+ read \[\(0,\d+\)/;

const { startSim, shellOn, track } = useSimulators();

describe('debug state machine', () => {
  it('keeps levels across disable, clears them on reset, and counts enables and resets', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    expect(isDebugClean(sim.state)).toBe(true);
    await shell.run(COMMANDS.debugTimestamp);
    await shell.run(COMMANDS.debugDuration(5));
    await shell.run(COMMANDS.debugSip(-1));
    await shell.run(COMMANDS.debugIm);
    expect(sim.state.debug).toMatchObject({ enabled: false, levels: { sip: -1, im: 31 }, consoleTimestamp: true, durationMinutes: 5 });
    expect(isDebugClean(sim.state)).toBe(false);
    await shell.run(COMMANDS.debugEnable);
    expect(sim.state.debug.enabled).toBe(true);
    await shell.run(COMMANDS.debugDisable);
    expect(sim.state.debug.enabled).toBe(false);
    expect(sim.state.debug.levels).toEqual({ sip: -1, im: 31 });
    expect(await shell.run('diagnose debug application sip')).toBe('sip debug level is -1 (0xffffffff)');
    await shell.run(COMMANDS.debugReset);
    expect(sim.state.debug.levels).toEqual({});
    expect(sim.state.debug).toMatchObject({ enables: 1, resets: 1 });
    expect(isDebugClean(sim.state)).toBe(true);
  });

  it('keeps device debug state across a reconnect', async () => {
    const sim = await startSim();
    const first = await shellOn(sim);
    await first.run(COMMANDS.debugSip(-1));
    first.end();
    await first.waitClosed();
    const second = await shellOn(sim);
    expect(sim.state.debug.levels).toEqual({ sip: -1 });
    expect(await second.run('diagnose debug info')).toContain('sip debug level:        -1');
    await second.run(COMMANDS.debugReset);
    expect(isDebugClean(sim.state)).toBe(true);
  });

  it('streams SIP debug lines after enable (after the prompt, asynchronously) and stops on disable', async () => {
    // The unit's clock stamps each line as it is printed (here a fixed clock: 2026-12-06 09:30:00 UTC).
    const sim = await startSim({ clock: () => Date.UTC(2026, 11, 6, 9, 30, 0) });
    const shell = await shellOn(sim);
    await shell.run(COMMANDS.debugTimestamp);
    await shell.run(COMMANDS.debugSip(-1));
    shell.write(`${COMMANDS.debugEnable}\r`);
    const text = await shell.waitFor(/sip port \d+ read \[[^\r\n]*\)\]\r\n/);
    // The enable command's own answer is just the prompt; debug lines follow it on the same line.
    expect(text).toMatch(/^diagnose debug enable\r\nFGT-DEMO # 2026-12-06 09:30:00 sip port 4 locate session for 10\.10\.20\.15:5060 -> 198\.51\.100\.10:5060\r\n/);
    shell.write(`${COMMANDS.debugDisable}\r`);
    await shell.waitFor(/\r\nFGT-DEMO # $/);
    const settled = shell.buffer.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(shell.buffer.length).toBe(settled);
    await shell.run(COMMANDS.debugReset);
    expect(isDebugClean(sim.state)).toBe(true);
  });

  it('prints nothing while no sip level is set, and drops timestamps unless console timestamps are enabled', async () => {
    const sim = await startSim({ scenario: { ...loadScenario(DEMO), debugLinesPerSecond: 1000 } });
    const shell = await shellOn(sim);
    await shell.run(COMMANDS.debugEnable);
    await new Promise((r) => setTimeout(r, 100));
    expect(shell.unread).toBe('');
    shell.write(`${COMMANDS.debugSip(-1)}\r`);
    const text = await shell.waitFor(READ_LINE);
    expect(text).toMatch(/\r\nFGT-DEMO # sip port 4 locate session for /);
    expect(text).not.toMatch(/2026-11-25/);
  });

  it('emits the configured rate in chunks that sometimes split a line across writes, and loops', async () => {
    const scenario = parseScenario(
      `---\ndebugLinesPerSecond: 2000\n---\nFGT-L # diagnose debug enable\n${Array.from({ length: 10 }, (_, i) => `2026-11-25 10:00:0${i} sip line ${i}`).join('\n')}\nFGT-L # `,
      'loop',
    );
    // A clock that moves one second per line read: the stamps follow the clock, not the recording.
    let tick = Date.UTC(2026, 11, 6, 9, 30, 0);
    const sim = await startSim({ scenario, seed: 7, clock: () => (tick += 1000) - 1000 });
    const chunks: string[] = [];
    const shell = await shellOn(sim);
    shell.stream.on('data', (d: Buffer) => chunks.push(d.toString('latin1')));
    await shell.run(COMMANDS.debugTimestamp);
    await shell.run(COMMANDS.debugSip(-1));
    await shell.run(COMMANDS.debugEnable);
    // 25 lines means the 10 recorded lines were replayed more than twice, stamped by the unit's clock as printed.
    while ((shell.buffer.match(/sip line \d\r\n/g) ?? []).length < 25) await shell.waitFor(/sip line \d\r\n/);
    const stamped = shell.buffer.split('\r\n').filter((l) => l.includes('sip line')).map((l) => l.replace(/^.*# /, ''));
    const times = stamped.map((l) => Date.parse(l.slice(0, 19).replace(' ', 'T') + 'Z'));
    expect(stamped[0]).toMatch(/^2026-12-06 09:30:\d\d sip line 0$/);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(stamped.some((l) => l.endsWith('sip line 0') && l !== stamped[0])).toBe(true); // replayed
    // Some writes end in the middle of a line: the client has to rejoin it with the next write.
    const debugChunks = chunks.filter((c) => c.includes('sip line'));
    expect(debugChunks.some((c) => !c.endsWith('\r\n'))).toBe(true);
    // ...and rejoined, every line is whole.
    const lines = shell.buffer.split('\r\n').filter((l) => l.includes('sip line'));
    for (const l of lines) expect(l).toMatch(/(?:^|# )2026-12-06 09:\d\d:\d\d sip line \d$/);
    await shell.run(COMMANDS.debugDisable);
  });

  it('stops debug output when the diagnose debug duration runs out (device-side dead-man timer)', async () => {
    const sim = await startSim({ minuteMs: 100 });
    const shell = await shellOn(sim);
    await shell.run(COMMANDS.debugDuration(1));
    await shell.run(COMMANDS.debugSip(-1));
    await shell.run(COMMANDS.debugEnable);
    await shell.waitFor(READ_LINE);
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.state.debug.enabled).toBe(false);
    expect(sim.state.debug.levels).toEqual({ sip: -1 });
    const settled = shell.buffer.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(shell.buffer.length).toBe(settled);
  });

  it('refuses diagnose debug to a read-only admin profile', async () => {
    const scenario = { ...loadScenario(DEMO), adminProfile: '$' as const };
    const sim = await startSim({ scenario });
    const shell = await login(sim.port);
    track(shell);
    expect(shell.buffer).toBe('FGT-DEMO $ ');
    expect(await shell.run(COMMANDS.debugSip(-1))).toBe('Command fail. Return code -37');
    expect(await shell.run(COMMANDS.debugEnable)).toBe('Command fail. Return code -37');
    expect(isDebugClean(sim.state)).toBe(true);
    expect(await shell.run(COMMANDS.sipHelperStatus)).toContain('dialogs:');
  });
});

describe('looping stream: each pass is new traffic, not a replay', () => {
  it('renews Call-ID, tags and branches and re-encodes the record exactly', () => {
    const line = loadScenario(DEMO).debugStream.find((l) => l.includes('read [(0,'))!;
    const renewed = renewDialogIds(line, 3);
    const m = /read \[\(0,(\d+)\)\(([0-9a-f]+)\)\((.*)\)\]$/.exec(renewed)!;
    const message = Buffer.from(m[2], 'hex').toString('latin1');
    expect(Number(m[1])).toBe(Buffer.from(m[2], 'hex').length);
    expect(m[3]).toBe(message.replace(/[\r\n]/g, '.'));
    const original = Buffer.from(/\(([0-9a-f]+)\)\(/.exec(line)![1], 'hex').toString('latin1');
    const callId = (text: string) => /^Call-ID:\s*(\S+)/im.exec(text)![1];
    expect(callId(message)).not.toBe(callId(original));
    expect(message.replace(/x3/g, '')).toBe(original);
    expect(renewDialogIds('2024-01-01 10:00:00 sip port 4 locate session for 1.2.3.4:5060 -> 5.6.7.8:5060', 3)).toBe('2024-01-01 10:00:00 sip port 4 locate session for 1.2.3.4:5060 -> 5.6.7.8:5060');
  });
});

describe('debug output starts after the prompt of `diagnose debug enable`', () => {
  it.each([0, 20, 60])('with %i ms of device latency per command', async (perCommandMs) => {
    const sim = await startSim({ scenario: { ...loadScenario(DEMO), debugLinesPerSecond: 2000 }, latency: { perCommandMs, perDebugLineMs: 0 } });
    const shell = await shellOn(sim);
    await shell.run(COMMANDS.debugSip(-1));
    shell.write(`${COMMANDS.debugEnable}\r`);
    const text = await shell.waitFor(READ_LINE);
    expect(text).toMatch(/^diagnose debug enable\r\nFGT-DEMO # (?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?sip port /);
    await shell.run(COMMANDS.debugDisable);
    await shell.run(COMMANDS.debugReset);
    expect(isDebugClean(sim.state)).toBe(true);
  });
});
