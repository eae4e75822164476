import { CheckError } from '../../src/errors';
import { DebugLineSplitter, FortiChannel, stripEcho, type ChannelReply } from '../../src/fortigate/channel';
import { HOSTNAME, HOSTNAME_MAX_CHARS } from '../../src/fortios/cli';
import { FakeShell, scriptDevice } from './support/fakeShell';

const PROMPT = 'FGT-A # ';
const CRLF = '\r\n';

/** Default session-helper table as `show system session-helper` prints it (FortiOS 7.x), CRLF line ends. */
const HELPER_LINES = [
  'config system session-helper',
  ...[
    [1, 'pptp', 6, 1723],
    [2, 'h323', 6, 1720],
    [3, 'ras', 17, 1719],
    [4, 'tns', 6, 1521],
    [5, 'tftp', 17, 69],
    [6, 'rtsp', 6, 554],
    [7, 'rtsp', 6, 7070],
    [8, 'rtsp', 6, 8554],
    [9, 'ftp', 6, 21],
    [10, 'mms', 6, 1863],
    [11, 'pmap', 6, 111],
    [12, 'pmap', 17, 111],
    [13, 'sip', 17, 5060],
    [14, 'dns-udp', 17, 53],
  ].flatMap(([id, name, proto, port]) => [
    `    edit ${id}`,
    `        set name ${name}`,
    `        set protocol ${proto}`,
    `        set port ${port}`,
    '    next',
  ]),
  'end',
];
const HELPER_TEXT = HELPER_LINES.join('\n');
const PAGER = '--More-- ';
const REDRAW = '\r         \r';

/** The device's answer to `show system session-helper`: pages of 22 lines, each waiting for a space. */
function helperPages(): string[] {
  const pages: string[] = [];
  for (let i = 0; i < HELPER_LINES.length; i += 22) pages.push(HELPER_LINES.slice(i, i + 22).join(CRLF) + CRLF);
  return pages;
}

async function loggedIn(shell: FakeShell, opts: { maxOutputChars?: number } = {}): Promise<FortiChannel> {
  const channel = new FortiChannel(shell, { name: 'fw-a', ...opts });
  const login = channel.waitForLogin(2000);
  shell.send(CRLF + PROMPT);
  await login;
  return channel;
}

/** A device that answers the paged `show system session-helper`, cut into chunks by `cut`. */
function pagedDevice(shell: FakeShell, cut: (whole: Buffer) => number[] = () => []): void {
  const pages = helperPages();
  let page = 0;
  const stream = (text: string) => {
    const buf = Buffer.from(text, 'utf8');
    setImmediate(() => shell.sendChunks(buf, cut(buf)));
  };
  scriptDevice(shell, (input) => {
    if (input === 'show system session-helper\r') {
      page = 0;
      stream('show system session-helper' + CRLF + pages[0] + PAGER);
      return '';
    }
    if (input === ' ') {
      page++;
      const last = page === pages.length - 1;
      stream(REDRAW + pages[page] + (last ? PROMPT : PAGER));
      return '';
    }
    return null;
  });
}

describe('FortiChannel login', () => {
  it('finds the first prompt and reads host, privilege and context from it', async () => {
    const shell = new FakeShell();
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(2000);
    shell.send(CRLF + 'FGT-A (root) $ ');
    const prompt = await login;
    expect(prompt).toMatchObject({ host: 'FGT-A', context: 'root', privilege: '$', text: 'FGT-A (root) $ ' });
  });

  it('accepts a post-login banner with `a`, even when the banner contains # and $, before the prompt', async () => {
    const shell = new FakeShell();
    scriptDevice(shell, (input) => (input === 'a' ? 'a' + CRLF + CRLF + PROMPT : null));
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(2000);
    shell.send('Authorised use only. Ticket #4711 required.' + CRLF + 'Costs $ apply' + CRLF + "(Press 'a' to accept):");
    const prompt = await login;
    expect(shell.typed()).toBe('a');
    expect(prompt.host).toBe('FGT-A');
    expect(channel.banner).toBe('Authorised use only. Ticket #4711 required.\nCosts $ apply');
  });

  it('rejects with a retryable max-admins error when the device refuses the session', async () => {
    const shell = new FakeShell();
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(2000);
    shell.sendChunks('Reached maximum number of logged in administrators.' + CRLF, [20]);
    const err = await login.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect(err).toMatchObject({ kind: 'max-admins', retryable: true });
  });

  it('reports max-admins, not a plain disconnect, when the device closes right after the message', async () => {
    const shell = new FakeShell();
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(2000);
    shell.send('Reached maximum number of logged in');
    shell.send(' administrators.');
    shell.hangUp();
    await expect(login).rejects.toMatchObject({ kind: 'max-admins' });
  });

  it('times out naming the login phase when no prompt comes', async () => {
    const shell = new FakeShell();
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(50);
    shell.send('FortiGate login banner without a prompt' + CRLF);
    await expect(login).rejects.toMatchObject({ kind: 'timeout', detail: { phase: 'login' } });
  });
});

describe('FortiChannel.sendCommand', () => {
  it('strips the echo and the prompt and normalises line ends', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    scriptDevice(shell, (input) =>
      input === 'get system status\r'
        ? 'get system status' + CRLF + 'Version: FortiGate-VM64 v7.4.3,build2573,240201 (GA.M)' + CRLF + 'Hostname: FGT-A' + CRLF + PROMPT
        : null,
    );
    const reply = await channel.sendCommand('get system status', 2000);
    expect(shell.typed()).toBe('get system status\r');
    expect(reply.output).toBe('Version: FortiGate-VM64 v7.4.3,build2573,240201 (GA.M)\nHostname: FGT-A');
    expect(reply.prompt.text).toBe(PROMPT);
    expect(reply.error).toBeUndefined();
  });

  it('does not take a prompt-looking line in the middle of the output for the prompt', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    const output = ['config system replacemsg admin "pre_admin-disclaimer-text"', '    set buffer "FGT-A # ', 'is not a prompt"', 'end'];
    scriptDevice(shell, (input) => {
      if (input !== 'show system replacemsg admin\r') return null;
      // Two chunks: the first ends exactly on a prompt-looking line of another host, the second holds a
      // prompt-looking line mid-chunk and then the real prompt.
      return ['show system replacemsg admin' + CRLF + output[0] + CRLF + 'FGT-B # ', CRLF + output.slice(1).join(CRLF) + CRLF + 'FGT-A # ' + CRLF + 'still output' + CRLF + PROMPT];
    });
    const reply = await channel.sendCommand('show system replacemsg admin', 2000);
    // Trailing spaces are line-end noise (cleanCliText).
    expect(reply.output).toBe([output[0], 'FGT-B #', output[1].trimEnd(), ...output.slice(2), 'FGT-A #', 'still output'].join('\n'));
  });

  it('answers --More-- with exactly one space per page and removes marker and redraw', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    // The redraw arrives as its own chunk: it must not be taken for a second pager marker.
    pagedDevice(shell, (buf) => {
      const at = buf.indexOf(REDRAW);
      return at === 0 ? [REDRAW.length] : [];
    });
    const reply = await channel.sendCommand('show system session-helper', 2000);
    expect(reply.output).toBe(HELPER_TEXT);
    expect(shell.typed()).toBe('show system session-helper\r' + ' '.repeat(helperPages().length - 1));
  });

  it('handles every byte boundary of a paged transcript with UTF-8 text the same way', async () => {
    const comment = 'config firewall address\n    edit "Zürich-PBX"\n        set comment "Téléphonie €"\n    next\nend';
    const whole = 'show firewall address' + CRLF + comment.split('\n').join(CRLF) + CRLF + PAGER + REDRAW + 'end' + CRLF + PROMPT;
    const total = Buffer.byteLength(whole);
    const expected = comment + '\nend';
    for (let cut = 1; cut < total; cut++) {
      const shell = new FakeShell();
      const channel = await loggedIn(shell);
      const bytes = Buffer.from(whole, 'utf8');
      const pagerEnd = bytes.indexOf(PAGER) + PAGER.length;
      scriptDevice(shell, (input) => {
        // Bytes up to the pager marker come first; the rest only after the space, each part cut at `cut` if it falls inside.
        const first = bytes.subarray(0, pagerEnd);
        const second = bytes.subarray(pagerEnd);
        if (input === 'show firewall address\r') {
          setImmediate(() => shell.sendChunks(first, cut < pagerEnd ? [cut] : []));
          return null;
        }
        if (input === ' ') {
          setImmediate(() => shell.sendChunks(second, cut > pagerEnd ? [cut - pagerEnd] : []));
          return '';
        }
        return null;
      });
      const reply: ChannelReply = await channel.sendCommand('show firewall address', 2000);
      expect({ cut, output: reply.output }).toEqual({ cut, output: expected });
      expect(shell.typed()).toBe('show firewall address\r ');
    }
  });

  it('handles the paged session-helper table delivered one byte at a time', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    pagedDevice(shell, (buf) => Array.from({ length: buf.length - 1 }, (_, i) => i + 1));
    const reply = await channel.sendCommand('show system session-helper', 5000);
    expect(reply.output).toBe(HELPER_TEXT);
  });

  it('strips an echo that wraps at the PTY width', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    const command = 'diagnose sys session filter dport 5060 ' + 'x'.repeat(600);
    const firstRow = 511 - PROMPT.length;
    scriptDevice(shell, (input) => {
      if (input !== command + '\r') return null;
      // vt100 auto-wrap: the device writes the echo in rows of the PTY width.
      return command.slice(0, firstRow) + ' \r' + command.slice(firstRow, firstRow + 511) + CRLF + command.slice(firstRow + 511) + CRLF + 'command parse error before \'xxxx\'' + CRLF + 'Command fail. Return code -61' + CRLF + PROMPT;
    });
    const reply = await channel.sendCommand(command, 2000);
    expect(reply.output).toBe("command parse error before 'xxxx'\nCommand fail. Return code -61");
    expect(reply.error).toEqual({ kind: 'parse-error', text: "command parse error before 'xxxx'" });
  });

  it('reports FortiOS error strings as the reply error', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    scriptDevice(shell, (input) => (input === 'diagnose nonsense\r' ? 'diagnose nonsense' + CRLF + 'Unknown action 0' + CRLF + PROMPT : null));
    const reply = await channel.sendCommand('diagnose nonsense', 2000);
    expect(reply.error).toEqual({ kind: 'unknown-action', text: 'Unknown action 0' });
  });

  it('tracks the context from the prompt', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    scriptDevice(shell, (input) => {
      if (input === 'config vdom\r') return 'config vdom' + CRLF + CRLF + 'FGT-A (vdom) # ';
      if (input === 'edit root\r') return 'edit root' + CRLF + 'current vf=root:0' + CRLF + CRLF + 'FGT-A (root) # ';
      return null;
    });
    const picker = await channel.sendCommand('config vdom', 2000);
    expect(picker.prompt).toMatchObject({ context: null, rawContext: 'vdom' });
    const edit = await channel.sendCommand('edit root', 2000);
    expect(edit.output).toBe('current vf=root:0');
    expect(channel.prompt).toMatchObject({ context: 'root', rawContext: 'root' });
  });

  it('times out with the command named, then resynchronises on the next command', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    const late = 'diagnose sys session list' + CRLF + 'session info: proto=17 proto_state=00 duration=4' + CRLF + 'total session 1' + CRLF + PROMPT;
    scriptDevice(shell, (input) => {
      if (input === 'diagnose sys session list\r') return null; // hangs
      if (input === 'get system status\r') return [late, 'get system status' + CRLF + 'Hostname: FGT-A' + CRLF + PROMPT];
      return null;
    });
    const err = await channel.sendCommand('diagnose sys session list', 50).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'timeout', detail: { command: 'diagnose sys session list' } });
    // The late answer to the timed-out command arrives first; it must not be taken for this command's output.
    const reply = await channel.sendCommand('get system status', 2000);
    expect(reply.output).toBe('Hostname: FGT-A');
  });

  it('rejects with disconnected when the stream closes mid-command, and refuses later commands', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    scriptDevice(shell, (input) => {
      if (input === 'show firewall policy\r') setImmediate(() => shell.hangUp());
      return 'show firewall policy' + CRLF + 'config firewall policy' + CRLF;
    });
    await expect(channel.sendCommand('show firewall policy', 2000)).rejects.toMatchObject({ kind: 'disconnected' });
    expect(channel.closed).toBe(true);
    await expect(channel.sendCommand('get system status', 2000)).rejects.toMatchObject({ kind: 'disconnected' });
  });

  it('bounds one command output and fails clearly, then works again', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell, { maxOutputChars: 4096 });
    const flood = Array.from({ length: 400 }, (_, i) => `2026-11-25 17:00:${String(i % 60).padStart(2, '0')} sip port 26 read [(0,515)]`).join(CRLF);
    scriptDevice(shell, (input) => {
      if (input === 'diagnose sys sip-proxy stats\r') return ['diagnose sys sip-proxy stats' + CRLF, flood];
      if (input === 'get system status\r') return [CRLF + PROMPT, 'get system status' + CRLF + 'Hostname: FGT-A' + CRLF + PROMPT];
      return null;
    });
    const err = await channel.sendCommand('diagnose sys sip-proxy stats', 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).message).toMatch(/exceeded/);
    expect((err as CheckError).detail.command).toBe('diagnose sys sip-proxy stats');
    const reply = await channel.sendCommand('get system status', 2000);
    expect(reply.output).toBe('Hostname: FGT-A');
  });

  it('accepts the prompt that debug output lands after, and hands the rest to the tap', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    const firstDebug = '2026-11-25 17:01:02 sip port 26 locate session for 10.0.0.5:5060 -> 192.0.2.10:5060';
    scriptDevice(shell, (input) => (input === 'diagnose debug enable\r' ? 'diagnose debug enable' + CRLF + CRLF + PROMPT + firstDebug + CRLF + '2026-11-25 17:01:02 sip sess' : null));
    const reply = await channel.sendCommand('diagnose debug enable', 2000, { promptMayBeFollowed: true });
    expect(reply.output).toBe('');
    const seen: string[] = [];
    channel.setTap((t) => seen.push(t));
    expect(seen.join('')).toBe(firstDebug + CRLF + '2026-11-25 17:01:02 sip sess');
  });

  it('sendAndSettle waits past a prompt that is followed by more output', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    scriptDevice(shell, (input) =>
      input === 'diagnose debug disable\r'
        ? ['2026-11-25 17:01:03 sip port 26 read [(0,3)(414243)(ABC)]' + CRLF + 'diagnose debug disable' + CRLF + PROMPT, '2026-11-25 17:01:03 late line' + CRLF + PROMPT]
        : null,
    );
    const raw = await channel.sendAndSettle('diagnose debug disable', 2000, 30);
    expect(raw).toContain('late line');
  });
});

describe('stopStream: the end of a capture without a quiet period', () => {
  it('returns at the prompt even when debug lines follow it, and the next command drops them before its echo', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    const late = '2026-11-25 17:01:03 sip port 26 read [(0,3)(414243)(ABC)]' + CRLF;
    scriptDevice(shell, (input) => {
      // Lines in flight when disable took effect: before the echo, right after the prompt, and even before the
      // next command's echo.
      if (input === 'diagnose debug disable\r') return [late + 'diagnose debug disable' + CRLF + PROMPT + late];
      if (input === 'diagnose debug reset\r') return [late, 'diagnose debug reset' + CRLF + PROMPT];
      if (input === 'diagnose sys sip-proxy stats\r') return ['diagnose sys sip-proxy stats' + CRLF + 'sip stats' + CRLF + PROMPT];
      return null;
    });
    const raw = await channel.stopStream('diagnose debug disable', 2000);
    expect(raw).toContain('diagnose debug disable');
    const reset = await channel.sendCommand('diagnose debug reset', 2000);
    expect(reset).toEqual({ output: '', prompt: expect.objectContaining({ text: PROMPT }) });
    // The fence holds for one command only.
    expect((await channel.sendCommand('diagnose sys sip-proxy stats', 2000)).output).toBe('sip stats');
  });

  it('the fenced command still finds its prompt when a stray line lands after it', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    scriptDevice(shell, (input) => {
      if (input === 'diagnose debug disable\r') return ['diagnose debug disable' + CRLF + PROMPT];
      if (input === 'diagnose debug reset\r') return ['diagnose debug reset' + CRLF + PROMPT + '2026-11-25 17:01:03 sip port 26 late' + CRLF];
      return null;
    });
    await channel.stopStream('diagnose debug disable', 2000);
    expect((await channel.sendCommand('diagnose debug reset', 2000)).output).toBe('');
  });
});

describe('FortiChannel.record: every line typed, with the prompt before it', () => {
  it('keeps the prompt as printed, the output as read, and marks a stream stop typed blind and a logout', async () => {
    const shell = new FakeShell();
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(2000);
    shell.send(CRLF + 'FGT-A (root) # ');
    await login;
    scriptDevice(shell, (input) => {
      if (input === 'diagnose debug enable\r') return ['diagnose debug enable' + CRLF + 'FGT-A (root) # ' + '2026-11-25 17:01:02 sip port 26 read' + CRLF];
      if (input === 'diagnose debug disable\r') return ['diagnose debug disable' + CRLF + 'FGT-A (root) # '];
      if (input === 'diagnose debug reset\r') return ['diagnose debug reset' + CRLF + 'FGT-A (root) # '];
      if (input === 'end\r') return ['end' + CRLF + PROMPT];
      return null;
    });
    await channel.sendCommand('diagnose debug enable', 2000, { promptMayBeFollowed: true });
    await channel.stopStream('diagnose debug disable', 2000);
    await channel.sendCommand('diagnose debug reset', 2000);
    await channel.sendCommand('end', 2000);
    channel.typeBlind('exit', 'logout');
    expect(channel.record).toEqual([
      { prompt: 'FGT-A (root) # ', command: 'diagnose debug enable', output: '' },
      { prompt: 'FGT-A (root) # ', command: 'diagnose debug disable', unread: 'typed blind' },
      { prompt: 'FGT-A (root) # ', command: 'diagnose debug reset', output: '' },
      { prompt: 'FGT-A (root) # ', command: 'end', output: '' },
      { prompt: PROMPT, command: 'exit', unread: 'logout' },
    ]);
    expect(shell.typed()).toBe(channel.record.map((l) => l.command + '\r').join(''));
  });

  it('says why an output was not read: no prompt in time, the connection lost; nothing is typed once closed', async () => {
    const shell = new FakeShell();
    const channel = await loggedIn(shell);
    await expect(channel.sendCommand('diagnose sys sip status', 50)).rejects.toMatchObject({ kind: 'timeout' });
    const lost = channel.sendCommand('diagnose sys sip-proxy stats', 2000);
    shell.hangUp();
    await expect(lost).rejects.toMatchObject({ kind: 'disconnected' });
    channel.typeBlind('exit', 'logout');
    expect(channel.record).toEqual([
      { prompt: PROMPT, command: 'diagnose sys sip status', unread: 'no prompt' },
      { prompt: PROMPT, command: 'diagnose sys sip-proxy stats', unread: 'connection lost' },
    ]);
  });
});

/**
 * FortiOS hostnames: letters, digits, `-` and `_`, any of them first, up to 35 characters (HOSTNAME in
 * src/fortios/cli.ts, with its sources). Each class, and the longest, must be found at login and after a command.
 */
const HOSTNAMES: Array<[string, string]> = [
  ['leading underscore', '_fw01'],
  ['trailing underscore', 'fw01_'],
  ['underscore only', '_'],
  ['leading hyphen', '-fw01'],
  ['trailing hyphen', 'fw01-'],
  ['hyphens and underscores only', '-_-'],
  ['digits only', '20240311'],
  ['one digit', '7'],
  ['mixed case', 'FgT-Edge_01'],
  ['the longest allowed (35)', '_' + 'A1-b'.repeat(8) + 'z_'],
];

describe('FortiChannel: the prompt of any valid hostname', () => {
  it('the longest case is the longest FortiOS allows, and every case is a valid hostname', () => {
    expect(HOSTNAMES[HOSTNAMES.length - 1][1]).toHaveLength(HOSTNAME_MAX_CHARS);
    for (const [, host] of HOSTNAMES) expect(host).toMatch(HOSTNAME);
    expect('x'.repeat(HOSTNAME_MAX_CHARS + 1)).not.toMatch(HOSTNAME);
    expect('fw 01').not.toMatch(HOSTNAME);
    expect('fw.01').not.toMatch(HOSTNAME);
  });

  it.each(HOSTNAMES)('%s: %s', async (_what, host) => {
    const shell = new FakeShell();
    const channel = new FortiChannel(shell, { name: 'fw-a' });
    const login = channel.waitForLogin(2000);
    shell.send(CRLF + `${host} # `);
    expect(await login).toMatchObject({ host, context: null, privilege: '#', text: `${host} # ` });
    scriptDevice(shell, (input) => {
      if (input === 'get system status\r') return ['get system status' + CRLF + `Hostname: ${host}` + CRLF + `${host} # `];
      if (input === 'config global\r') return ['config global' + CRLF + CRLF + `${host} (global) $ `];
      return null;
    });
    expect((await channel.sendCommand('get system status', 2000)).output).toBe(`Hostname: ${host}`);
    expect((await channel.sendCommand('config global', 2000)).prompt).toMatchObject({ host, context: 'global', privilege: '$', text: `${host} (global) $ ` });
    // The idle prompt before debug output is removed for this host too.
    expect(new DebugLineSplitter(host).push(`${host} # 2026-11-25 17:01:02 sip port 26 read\n`)).toEqual(['2026-11-25 17:01:02 sip port 26 read']);
  });
});

describe('stripEcho', () => {
  it('keeps the text whole when it does not start with the echo', () => {
    expect(stripEcho('Unknown action 0\r\n', 'show system status')).toBe('Unknown action 0\r\n');
  });
});

describe('DebugLineSplitter', () => {
  const stream =
    'FGT-A # 2026-11-25 17:01:02 sip port 26 locate session for 10.0.0.5:5060 -> 192.0.2.10:5060\r\n' +
    '2026-11-25 17:01:02 sip sess 0x979df38 found for 10.0.0.5:5060 -> 192.0.2.10:5060\r\n' +
    '\r\n' +
    '2026-11-25 17:01:02 sip port 26 10.0.0.5:5060 -> 192.0.2.10:5060\r\n' +
    '2026-11-25 17:01:02 sip port 26 read [(0,8)(4f5054494f4e5320)(OPTIONS )]\n';
  const lines = [
    '2026-11-25 17:01:02 sip port 26 locate session for 10.0.0.5:5060 -> 192.0.2.10:5060',
    '2026-11-25 17:01:02 sip sess 0x979df38 found for 10.0.0.5:5060 -> 192.0.2.10:5060',
    '2026-11-25 17:01:02 sip port 26 10.0.0.5:5060 -> 192.0.2.10:5060',
    '2026-11-25 17:01:02 sip port 26 read [(0,8)(4f5054494f4e5320)(OPTIONS )]',
  ];

  it('rejoins lines split at every boundary and removes the idle prompt', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new DebugLineSplitter('FGT-A');
      const out = [...splitter.push(stream.slice(0, cut)), ...splitter.push(stream.slice(cut))];
      expect({ cut, out }).toEqual({ cut, out: lines });
    }
  });

  it('keeps an incomplete last line pending and bounds very long lines', () => {
    const splitter = new DebugLineSplitter('FGT-A', 100);
    expect(splitter.push('2026-11-25 17:01:02 sip port')).toEqual([]);
    expect(splitter.pending()).toBe('2026-11-25 17:01:02 sip port');
    const long = splitter.push('x'.repeat(250));
    expect(long.map((l) => l.length)).toEqual([100, 100]);
    expect(splitter.pending().length).toBe(78);
  });

  it('does not strip text that only looks like another host prompt', () => {
    const splitter = new DebugLineSplitter('FGT-A');
    expect(splitter.push('OTHER # sip port 26\n')).toEqual(['OTHER # sip port 26']);
  });
});
