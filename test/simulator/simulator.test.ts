import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Client, utils } from 'ssh2';
import { COMMANDS, MAX_ADMINS } from '../../src/fortios/cli';
import { DEFAULT_HOST_KEY, DEFAULT_HOST_KEY_FINGERPRINT, loadScenario, parseScenario } from '../../src/simulator';
import { connect, login, openShell, useSimulators } from './sshShell';
import { parseableKeyPair } from '../support/sshKeys';

const MULTI_VDOM = `---
vdoms: [root, voice]
---
FGT-MV # get system status
Version: FortiGate-200F v7.2.8,build1639,240313 (GA.M)
Virtual domain configuration: multiple
FGT-MV (root) # show firewall policy
config firewall policy
    edit 1
        set name "root-policy"
    next
end
FGT-MV (voice) # show firewall policy
config firewall policy
    edit 7
        set name "voice-policy"
    next
end
FGT-MV (global) # show system session-helper
config system session-helper
    edit 13
        set name sip
        set protocol 17
        set port 5060
    next
end
FGT-MV #
`;

const { startSim, shellOn, track } = useSimulators();

describe('FortiGateSimulator: shell', () => {
  it('shows the prompt, echoes typed characters and answers CR with CRLF', async () => {
    const sim = await startSim();
    const conn = await connect(sim.port, { password: 'admin' });
    const shell = await openShell(conn);
    track(shell);
    expect(await shell.waitPrompt()).toBe('FGT-DEMO # ');
    shell.write('diagnose sys');
    expect(await shell.waitFor(/diagnose sys$/)).toBe('diagnose sys');
    shell.write(' sip status\r');
    const out = await shell.waitPrompt();
    expect(out.startsWith(' sip status\r\ndialogs: max=131072, used=0\r\nmappings: used=0\r\n')).toBe(true);
    expect(out.endsWith('\r\ncount4: 0\r\nFGT-DEMO # ')).toBe(true);
    expect(sim.commandLog.map((c) => c.command)).toEqual([COMMANDS.sipHelperStatus]);
  });

  it('handles backspace and ignores LF after CR', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    shell.write('diagnose sys sip statxy\x7f\x7fus\r\n');
    const out = await shell.waitPrompt();
    expect(out).toContain('statxy\b \b\b \bus\r\n');
    expect(out).toContain('dialogs: max=131072');
    // The LF after CR did not produce an extra empty command (one prompt only).
    await new Promise((r) => setTimeout(r, 50));
    expect(shell.unread).toBe('');
    expect(sim.commandLog.map((c) => c.command)).toEqual([COMMANDS.sipHelperStatus]);
  });

  it('answers several commands typed at once, in order', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    shell.write(`${COMMANDS.sipHelperStatus}\r${COMMANDS.sessionFilterDport(5060)}\rfoo\r`);
    const all = await shell.waitFor(/Unknown action 0\r\nFGT-DEMO # $/);
    expect(all).toBe(
      `${COMMANDS.sipHelperStatus}\r\ndialogs: max=131072, used=0\r\n` +
        all.slice(all.indexOf('mappings:'), all.indexOf('count4: 0\r\n')) +
        `count4: 0\r\nFGT-DEMO # ${COMMANDS.sessionFilterDport(5060)}\r\nFGT-DEMO # foo\r\nUnknown action 0\r\nFGT-DEMO # `,
    );
    expect(sim.commandLog.map((c) => c.command)).toEqual([COMMANDS.sipHelperStatus, COMMANDS.sessionFilterDport(5060), 'foo']);
  });

  it('pages long output with --More--, continues on space with the redraw', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    shell.write(`${COMMANDS.systemStatus}\r`);
    const page1 = await shell.waitFor(/--More-- $/);
    // Echo line plus 22 lines of output before the marker.
    expect(page1.split('\r\n')).toHaveLength(1 + 22 + 1);
    shell.write(' ');
    const rest = await shell.waitPrompt();
    expect(rest.startsWith('\r         \r')).toBe(true);
    expect(rest).toContain('Last reboot reason: warm reboot\r\nFGT-DEMO # ');
  });

  it('aborts paged output on q', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    shell.write(`${COMMANDS.voipProfile}\r`);
    await shell.waitFor(/--More-- $/);
    shell.write('q');
    expect(await shell.waitPrompt()).toBe('\r         \rFGT-DEMO # ');
    expect(await shell.run('get system status')).toContain('Hostname: FGT-DEMO');
  });

  it('answers a repeated command in recorded order, then repeats the last answer', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    const stats = async () => /calls-attempted: (\d+)/.exec(await shell.run(COMMANDS.sipProxyStats))?.[1];
    expect(await stats()).toBe('41');
    expect(await stats()).toBe('43');
    expect(await stats()).toBe('43');
  });

  it('answers unknown commands like FortiOS: empty well-formed read-only output, Unknown action, parse errors', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    expect(await shell.run('show firewall address')).toBe('config firewall address\nend');
    expect(await shell.run('show full-configuration system dns')).toBe('config system dns\nend');
    expect(await shell.run('get router info routing-table all')).toBe('');
    expect(await shell.run('diagnose sys ha status')).toBe('');
    expect(await shell.run('frobnicate now')).toBe('Unknown action 0');
    expect(await shell.run('diagnose frob')).toBe("command parse error before 'frob'\nCommand fail. Return code -61");
    expect(await shell.run('diagnose debug frob')).toBe("command parse error before 'frob'\nCommand fail. Return code -61");
    expect(await shell.run('config vdom')).toBe("command parse error before 'vdom'\nCommand fail. Return code -61");
    expect(await shell.run('show full-configuration system settings | grep voip')).toBe(
      '    set default-voip-alg-mode proxy-based\n    set gui-voip-profile enable',
    );
  });

  it('records config system console / set output standard / end as a config write and stops paging', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    expect(await shell.run('config system console')).toBe('');
    expect(shell.buffer.endsWith('FGT-DEMO (console) # ')).toBe(true);
    expect(sim.state.configWrites).toEqual([]);
    await shell.run('set output standard');
    await shell.run('end');
    expect(sim.state.configWrites).toEqual([
      { context: null, path: 'system console', commands: ['set output standard'], at: expect.any(Number) },
    ]);
    expect(sim.state.consoleOutput).toBe('standard');
    shell.write(`${COMMANDS.systemStatus}\r`);
    const out = await shell.waitPrompt();
    expect(out).not.toContain('--More--');
    expect(out).toContain('Last reboot reason: warm reboot');
  });

  it('does not record a config write when the block is aborted', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    await shell.run('config system console');
    await shell.run('set output standard');
    await shell.run('abort');
    expect(sim.state.configWrites).toEqual([]);
    expect(sim.state.consoleOutput).toBe('more');
  });

  it('exit closes the session', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    shell.write('exit\r');
    await shell.waitClosed();
    expect(sim.state.adminSessions).toBe(0);
  });
});

describe('FortiGateSimulator: VDOMs', () => {
  it('enters VDOMs and global with FortiOS prompts and answers per context', async () => {
    const sim = await startSim({ scenario: parseScenario(MULTI_VDOM, 'multi-vdom') });
    const shell = await shellOn(sim);
    expect(shell.buffer).toBe('FGT-MV # ');
    expect(await shell.run('config vdom')).toBe('');
    expect(shell.buffer.endsWith('\r\nFGT-MV (vdom) # ')).toBe(true);
    expect(await shell.run('edit voice')).toBe('current vf=voice:1');
    expect(shell.buffer.endsWith('\r\nFGT-MV (voice) # ')).toBe(true);
    expect(await shell.run('show firewall policy')).toContain('voice-policy');
    expect(await shell.run('get system status')).toContain('Virtual domain configuration: multiple');
    await shell.run('next');
    expect(shell.buffer.endsWith('FGT-MV (vdom) # ')).toBe(true);
    expect(await shell.run('edit root')).toBe('current vf=root:0');
    expect(await shell.run('show firewall policy')).toContain('root-policy');
    await shell.run('end');
    expect(shell.buffer.endsWith('\r\nFGT-MV # ')).toBe(true);
    await shell.run('config global');
    expect(shell.buffer.endsWith('\r\nFGT-MV (global) # ')).toBe(true);
    expect(await shell.run('show system session-helper')).toContain('set name sip');
    await shell.run('end');
    await shell.run('config vdom');
    expect(await shell.run('edit nosuch')).toBe('entry not found in datasource\nCommand fail. Return code -3');
    expect(shell.buffer.endsWith('FGT-MV (vdom) # ')).toBe(true);
    expect(sim.commandLog.filter((c) => c.command === 'show firewall policy').map((c) => c.context)).toEqual(['voice', 'root']);
  });
});

describe('FortiGateSimulator: login', () => {
  it('presents a stable host key fingerprint (ssh-keygen -lf format)', async () => {
    const sim = await startSim();
    expect(sim.hostKeyFingerprint).toBe(DEFAULT_HOST_KEY_FINGERPRINT);
    expect(sim.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    let presented = '';
    const conn = await new Promise<Client>((resolve, reject) => {
      const c = new Client();
      c.once('ready', () => resolve(c));
      c.once('error', reject);
      c.connect({
        host: '127.0.0.1',
        port: sim.port,
        username: 'admin',
        password: 'admin',
        hostVerifier: (key: Buffer) => {
          presented = 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
          return true;
        },
      });
    });
    conn.end();
    expect(presented).toBe(sim.hostKeyFingerprint);
    expect(utils.parseKey(DEFAULT_HOST_KEY)).not.toBeInstanceOf(Error);
  });

  it('serves another host key when given one', async () => {
    const key = parseableKeyPair(() => utils.generateKeyPairSync('ecdsa', { bits: 256 }));
    const sim = await startSim({ hostKey: key.private });
    const parsed = utils.parseKey(key.public);
    if (parsed instanceof Error) throw parsed;
    expect(sim.hostKeyFingerprint).toBe('SHA256:' + createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, ''));
    expect(sim.hostKeyFingerprint).not.toBe(DEFAULT_HOST_KEY_FINGERPRINT);
    const shell = await shellOn(sim);
    expect(await shell.run(COMMANDS.sipHelperStatus)).toContain('dialogs:');
  });

  it('rejects a wrong password', async () => {
    const sim = await startSim();
    await expect(connect(sim.port, { password: 'wrong' })).rejects.toMatchObject({ level: 'client-authentication' });
    await expect(connect(sim.port, { username: 'nobody', password: 'admin' })).rejects.toMatchObject({ level: 'client-authentication' });
    expect(sim.state.logins).toBe(0);
  });

  it('accepts keyboard-interactive with the password', async () => {
    const sim = await startSim();
    const conn = await connect(sim.port, { password: 'admin', tryKeyboard: true });
    conn.end();
    expect(sim.state.logins).toBe(1);
  });

  it('accepts a registered public key and refuses another one', async () => {
    const good = parseableKeyPair(() => utils.generateKeyPairSync('ed25519'));
    const other = parseableKeyPair(() => utils.generateKeyPairSync('ed25519'));
    const sim = await startSim({ users: [{ username: 'svc-sip', publicKeys: [good.public] }] });
    const shell = await login(sim.port, { username: 'svc-sip', password: undefined, privateKey: good.private });
    track(shell);
    expect(await shell.run('get system status')).toContain('Hostname: FGT-DEMO');
    await expect(connect(sim.port, { username: 'svc-sip', privateKey: other.private })).rejects.toMatchObject({ level: 'client-authentication' });
  });

  it('sends the pre-login banner and waits for a to accept the post-login banner', async () => {
    const scenario = parseScenario(
      `---\npreLoginBanner: "WARNING: authorised access only"\npostLoginBanner: "Corp # notice: all sessions are logged"\n---\nFGT-BN # get system status\nHostname: FGT-BN\nFGT-BN # `,
      'banner',
    );
    const sim = await startSim({ scenario });
    let banner = '';
    const conn = await connect(sim.port, { password: 'admin', onBanner: (m) => (banner = m) });
    const shell = await openShell(conn);
    track(shell);
    expect(await shell.waitFor(/\(Press 'a' to accept\):$/)).toBe("Corp # notice: all sessions are logged\r\n(Press 'a' to accept):");
    shell.write('x');
    await new Promise((r) => setTimeout(r, 50));
    expect(shell.unread).toBe('');
    shell.write('a');
    expect(await shell.waitPrompt()).toBe('a\r\nFGT-BN # ');
    expect(banner).toContain('WARNING: authorised access only');
  });

  it('refuses logins beyond maxAdmins with the FortiOS message', async () => {
    const sim = await startSim({ maxAdmins: 1 });
    await shellOn(sim);
    const conn = await connect(sim.port, { password: 'admin' });
    const second = await openShell(conn);
    track(second);
    expect(await second.waitFor(/administrators\.\r\n/)).toBe(`${MAX_ADMINS}\r\n`);
    await second.waitClosed();
    expect(sim.state.adminSessions).toBe(1);
  });

  it('runs one command over exec', async () => {
    const sim = await startSim();
    const conn = await connect(sim.port, { password: 'admin' });
    const out = await new Promise<string>((resolve, reject) => {
      conn.exec(COMMANDS.sipHelperStatus, (err, stream) => {
        if (err) return reject(err);
        let data = '';
        stream.on('data', (d: Buffer) => (data += d.toString()));
        stream.on('close', () => resolve(data));
      });
    });
    conn.end();
    expect(out).toMatch(/^dialogs: max=131072, used=0\r\n/);
  });
});

describe('shipped scenarios', () => {
  const dir = join(__dirname, '../../src/simulator/scenarios');

  it('fw-helper: kernel-helper-based unit whose helper counters rise and whose SIP debug stays silent', async () => {
    const sim = await startSim({ scenario: loadScenario(join(dir, 'fw-helper.txt')) });
    const shell = await shellOn(sim);
    expect(shell.buffer).toBe('FGT-BRANCH # ');
    expect(await shell.run(COMMANDS.systemSettings)).toMatch(/^ {4}set default-voip-alg-mode kernel-helper-based$/m);
    expect(await shell.run(COMMANDS.firewallPolicy)).not.toContain('voip-profile');
    expect(await shell.run(COMMANDS.sipHelperStatus)).toMatch(/^dialogs: max=131072, used=3$/m);
    expect(await shell.run(COMMANDS.sessionList)).toMatch(/helper=sip/);
    await shell.run(COMMANDS.debugSip(-1));
    await shell.run(COMMANDS.debugEnable);
    await new Promise((r) => setTimeout(r, 100));
    expect(shell.unread).toBe('');
    await shell.run(COMMANDS.debugDisable);
    await shell.run(COMMANDS.debugReset);
    expect(await shell.run(COMMANDS.sipHelperStatus)).toMatch(/^dialogs: max=131072, used=4$/m);
    expect(await shell.run(COMMANDS.sipProxyStats)).toMatch(/calls-attempted: 0\n/);
  });

  it('fw-multi-vdom: banner, per-VDOM answers, global helper table, top-level objects refused', async () => {
    const sim = await startSim({ scenario: loadScenario(join(dir, 'fw-multi-vdom.txt')) });
    const conn = await connect(sim.port, { password: 'admin' });
    const shell = await openShell(conn);
    track(shell);
    await shell.waitFor(/\(Press 'a' to accept\):$/);
    shell.write('a');
    await shell.waitPrompt();
    expect(await shell.run(COMMANDS.systemStatus)).toContain('Virtual domain configuration: multiple');
    expect(await shell.run(COMMANDS.firewallPolicy)).toBe("command parse error before 'firewall'\nCommand fail. Return code -61");
    await shell.run(COMMANDS.configGlobal);
    expect(await shell.run(COMMANDS.sessionHelper)).toMatch(/edit 13\n {8}set name sip/);
    await shell.run(COMMANDS.end);
    await shell.run(COMMANDS.configVdom);
    expect(await shell.run(COMMANDS.editVdom('voice'))).toBe('current vf=voice:1');
    expect(await shell.run(COMMANDS.systemSettings)).toContain('set default-voip-alg-mode kernel-helper-based');
    expect(await shell.run(COMMANDS.sipProxyStats)).toContain('vdom name: voice');
    await shell.run(COMMANDS.end);
    await shell.run(COMMANDS.configVdom);
    await shell.run(COMMANDS.editVdom('root'));
    expect(await shell.run(COMMANDS.systemSettings)).toContain('set default-voip-alg-mode proxy-based');
    expect(await shell.run(COMMANDS.sipProxyStats)).toContain('vdom name: root');
  });
});

describe('terminal keys', () => {
  it('ignores escape sequences of arrow and Home/End keys', async () => {
    const sim = await startSim();
    const shell = await shellOn(sim);
    shell.write('diagnose sys sip\x1b[D\x1b[C\x1b[1~\x1b[4~\x1bOA status\r');
    expect(await shell.waitPrompt()).toContain('dialogs: max=131072');
    expect(sim.commandLog.map((c) => c.command)).toEqual([COMMANDS.sipHelperStatus]);
  });
});
