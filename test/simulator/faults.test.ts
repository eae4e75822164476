import { COMMANDS, MAX_ADMINS } from '../../src/fortios/cli';
import { loadScenario } from '../../src/simulator';
import { renewDialogIds } from '../../src/simulator/debugStream';
import { connect, DEMO_SCENARIO as DEMO, openShell, useSimulators } from './sshShell';

const { startSim, shellOn, track } = useSimulators();

describe('faults', () => {
  it('drops the TCP connection when a given command is typed', async () => {
    const sim = await startSim({ faults: { dropOn: { command: COMMANDS.sessionList } } });
    const shell = await shellOn(sim);
    expect(await shell.run(COMMANDS.sipHelperStatus)).toContain('dialogs:');
    shell.write(`${COMMANDS.sessionList}\r`);
    await shell.waitClosed();
    expect(shell.unread).toBe(`${COMMANDS.sessionList}\r\n`);
    expect(sim.state.adminSessions).toBe(0);
  });

  it('drops during the handshake, at authentication, and at shell open', async () => {
    const sim = await startSim({ faults: { dropOn: 'handshake' } });
    await expect(connect(sim.port, { password: 'admin' })).rejects.toBeInstanceOf(Error);
    sim.setFaults({ dropOn: 'auth' });
    await expect(connect(sim.port, { password: 'admin' })).rejects.toBeInstanceOf(Error);
    sim.setFaults({ dropOn: 'shell' });
    const conn = await connect(sim.port, { password: 'admin' });
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    conn.shell(() => undefined);
    await closed;
    sim.setFaults({ dropOn: undefined });
    const shell = await shellOn(sim);
    expect(await shell.run(COMMANDS.sipHelperStatus)).toContain('dialogs:');
  });

  it('rejects every login with rejectAuth', async () => {
    const sim = await startSim({ faults: { rejectAuth: true } });
    await expect(connect(sim.port, { password: 'admin' })).rejects.toMatchObject({ level: 'client-authentication' });
  });

  it('never returns a prompt for a hanging command, while the connection stays up', async () => {
    const sim = await startSim();
    sim.setFaults({ hangOn: 'diagnose sys sip-proxy' });
    const shell = await shellOn(sim);
    shell.write(`${COMMANDS.sipProxyStats}\r`);
    await shell.waitFor(/stats\r\n$/);
    await expect(shell.waitPrompt(300)).rejects.toThrow(/timeout/);
    expect(shell.closed).toBe(false);
    shell.write(`${COMMANDS.debugDisable}\r`);
    await expect(shell.waitPrompt(200)).rejects.toThrow(/timeout/);
    // Typed into the hung CLI: received (tests hold it to the allow-list) but never run.
    expect(sim.commandLog.map((c) => [c.command, c.unanswered ?? false])).toEqual([[COMMANDS.sipProxyStats, false], [COMMANDS.debugDisable, true]]);
    expect(sim.state.debug.resets).toBe(0);
  });

  it('hangAfter: the command takes effect, then the prompt never comes back', async () => {
    const sim = await startSim();
    sim.setFaults({ hangAfter: 'diagnose debug application sip' });
    const shell = await shellOn(sim);
    shell.write(`${COMMANDS.debugSip(-1)}\r`);
    await expect(shell.waitPrompt(300)).rejects.toThrow(/timeout/);
    expect(sim.state.debug.levels).toEqual({ sip: -1 });
    expect(shell.closed).toBe(false);
  });

  it('hangAfter on diagnose debug enable: debug is on and streams to the stuck session', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    expect(await shell.run(COMMANDS.debugSip(-1))).toBe('');
    sim.setFaults({ hangAfter: COMMANDS.debugEnable });
    shell.write(`${COMMANDS.debugEnable}\r`);
    await shell.waitFor(/SIP|sip/);
    expect(sim.state.debug.enabled).toBe(true);
    expect(sim.state.debug.enables).toBe(1);
  });

  it('prints the max-admins message instead of the prompt and closes', async () => {
    const sim = await startSim({ faults: { maxAdmins: true } });
    const conn = await connect(sim.port, { password: 'admin' });
    const shell = await openShell(conn);
    track(shell);
    expect(await shell.waitFor(/\r\n$/)).toBe(`${MAX_ADMINS}\r\n`);
    await shell.waitClosed();
    expect(shell.unread).toBe('');
  });

  it('delays prompts with slowPromptMs and commands with latency, and still answers in order', async () => {
    const sim = await startSim({ faults: { slowPromptMs: 30 }, latency: { perCommandMs: 20 } });
    const shell = await shellOn(sim);
    shell.write(`${COMMANDS.sipHelperStatus}\r${COMMANDS.sessionFilterClear}\r`);
    const text = await shell.waitFor(new RegExp(`${COMMANDS.sessionFilterClear}\\r\\nFGT-DEMO # $`));
    expect(text).toMatch(/^diagnose sys sip status\r\ndialogs:[^]*count4: 0\r\nFGT-DEMO # diagnose sys session filter clear\r\nFGT-DEMO # $/);
  });

  it('floods debug output in big chunks split at arbitrary points', async () => {
    const sim = await startSim({ faults: { floodDebug: true } });
    const shell = await shellOn(sim);
    const chunks: string[] = [];
    shell.stream.on('data', (d: Buffer) => chunks.push(d.toString('latin1')));
    await shell.run(COMMANDS.debugSip(-1));
    const enough = new Promise<void>((resolve) => {
      let total = 0;
      const onData = (d: Buffer) => {
        total += d.length;
        if (total < 512 * 1024) return;
        shell.stream.off('data', onData);
        resolve();
      };
      shell.stream.on('data', onData);
    });
    shell.write(`${COMMANDS.debugEnable}\r`);
    await enough;
    shell.write(`${COMMANDS.debugDisable}\r`);
    await shell.waitFor(/diagnose debug disable\r\n[^]*FGT-DEMO # $/, 10_000);
    expect(chunks.some((c) => c.length >= 16 * 1024)).toBe(true);
    expect(chunks.filter((c) => c.includes('sip ')).some((c) => !c.endsWith('\r\n'))).toBe(true);
    expect(sim.state.debug.enabled).toBe(false);
    // Rejoined, the stream is made of whole recorded lines (later passes with renewed dialog IDs).
    const stream = loadScenario(DEMO).debugStream.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''));
    const recorded = new Set(stream.flatMap((l) => [l, ...Array.from({ length: 200 }, (_, pass) => renewDialogIds(l, pass + 1))]));
    const body = shell.buffer.slice(shell.buffer.indexOf('FGT-DEMO # ', shell.buffer.indexOf('debug enable')) + 11, shell.buffer.indexOf('diagnose debug disable'));
    const lines = body.split('\r\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(1000);
    for (const l of lines.slice(0, 2000)) expect(recorded.has(l)).toBe(true);
  });

  it('drops the connection after N debug lines', async () => {
    const sim = await startSim({ faults: { dropOn: { debugLines: 10 } }, scenario: { ...loadScenario(DEMO), debugLinesPerSecond: 500 } });
    const shell = await shellOn(sim);
    await shell.run(COMMANDS.debugSip(-1));
    shell.write(`${COMMANDS.debugEnable}\r`);
    await shell.waitClosed();
    const lines = (shell.buffer.match(/sip (?:port|sess) [^\r\n]*\r\n/g) ?? []).length;
    expect(lines).toBeGreaterThanOrEqual(9);
    expect(lines).toBeLessThan(40);
    // The device keeps debug enabled with the sip level: the product must reconnect and reset it.
    expect(sim.state.debug).toMatchObject({ enabled: true, levels: { sip: -1 } });
  });

  it('runs 20 simulators side by side on their own ports', async () => {
    const many = await Promise.all(Array.from({ length: 20 }, () => startSim()));
    expect(new Set(many.map((s) => s.port)).size).toBe(20);
    const outputs = await Promise.all(
      many.map(async (sim) => {
        const shell = await shellOn(sim);
        return shell.run(COMMANDS.sipProxyStats);
      }),
    );
    for (const out of outputs) expect(out).toContain('calls-attempted: 41');
  });
});
