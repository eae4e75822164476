import type { Client } from 'ssh2';
import { CheckError } from '../../src/errors';
import { algorithmsFor, answerKeyboardPrompts, connectSsh, mapConnectError, redactSecrets, type ConnectTarget } from '../../src/fortigate/ssh';
import { closedPort, makeHostKey, MiniSshServer, silentServer } from './support/miniSshServer';

const PASSWORD = 'S3cret-pw!';
const hostKey = makeHostKey();
const otherKey = makeHostKey();

function target(port: number, over: Partial<ConnectTarget> = {}): ConnectTarget {
  return {
    name: 'fw-mini',
    host: '127.0.0.1',
    port,
    username: 'sipcheck',
    password: PASSWORD,
    fingerprints: [hostKey.fingerprint],
    algorithms: 'default',
    readyTimeoutMs: 5000,
    keepaliveMs: 0,
    ...over,
  };
}

async function expectCheckError(p: Promise<unknown>): Promise<CheckError> {
  const e = await p.then(
    () => {
      throw new Error('expected a CheckError');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CheckError);
  return e as CheckError;
}

describe('connectSsh against a real ssh2 server', () => {
  let server: MiniSshServer;
  let port: number;
  const opened: Client[] = [];

  beforeEach(async () => {
    server = new MiniSshServer({ hostKey: hostKey.pem, username: 'sipcheck', password: PASSWORD });
    port = await server.start();
  });
  afterEach(async () => {
    for (const c of opened.splice(0)) c.end();
    await server.close();
  });

  it('connects when the presented host key is pinned', async () => {
    const client = await connectSsh(target(port, { fingerprints: ['SHA256:unrelated', hostKey.fingerprint + '='] }));
    opened.push(client);
    expect(server.authAttempts.filter((a) => a.method === 'password')).toEqual([{ method: 'password', username: 'sipcheck' }]);
  });

  it('refuses a changed host key before authentication, naming both fingerprints', async () => {
    const e = await expectCheckError(connectSsh(target(port, { fingerprints: [otherKey.fingerprint] })));
    expect(e.kind).toBe('host-key-mismatch');
    expect(e.message).toContain(otherKey.fingerprint);
    expect(e.message).toContain(hostKey.fingerprint);
    expect(e.detail).toMatchObject({ expected: otherKey.fingerprint, presented: hostKey.fingerprint });
    expect(server.authAttempts).toEqual([]);
  });

  it('refuses an unpinned firewall before authentication and tells the fingerprint to pin', async () => {
    const e = await expectCheckError(connectSsh(target(port, { fingerprints: [] })));
    expect(e.kind).toBe('host-key-unknown');
    expect(e.message).toContain(hostKey.fingerprint);
    expect(server.authAttempts).toEqual([]);
  });

  it('reports a wrong password as auth-failed naming the user, never the secret (nor in debug lines)', async () => {
    const wrong = 'Wr0ng-Passw0rd';
    const debug: string[] = [];
    const e = await expectCheckError(connectSsh(target(port, { password: wrong, debug: (l) => debug.push(l) })));
    expect(e.kind).toBe('auth-failed');
    expect(e.message).toContain('"sipcheck"');
    expect(e.message).not.toContain(wrong);
    expect(JSON.stringify(e.detail)).not.toContain(wrong);
    expect(debug.length).toBeGreaterThan(0);
    expect(debug.join('\n')).not.toContain(wrong);
    expect(server.authAttempts.length).toBeGreaterThan(0);
  });
});

describe('connectSsh, other servers', () => {
  it('answers a keyboard-interactive password prompt with the password', async () => {
    const server = new MiniSshServer({ hostKey: hostKey.pem, username: 'sipcheck', password: PASSWORD, keyboardOnly: true });
    const port = await server.start();
    try {
      const client = await connectSsh(target(port));
      client.end();
      expect(server.authAttempts.map((a) => a.method)).toContain('keyboard-interactive');
    } finally {
      await server.close();
    }
  });

  it('reports a key exchange mismatch as algorithm-mismatch; the legacy preset connects', async () => {
    // An old unit that only offers the SHA-1 DH group (docs/ssh.md; Netmiko's FortiOS driver).
    const server = new MiniSshServer({
      hostKey: hostKey.pem,
      username: 'sipcheck',
      password: PASSWORD,
      algorithms: { kex: ['diffie-hellman-group14-sha1'] },
    });
    const port = await server.start();
    try {
      const e = await expectCheckError(connectSsh(target(port)));
      expect(e.kind).toBe('algorithm-mismatch');
      expect(e.message).toMatch(/key exchange/);
      expect(server.authAttempts).toEqual([]);
      const client = await connectSsh(target(port, { algorithms: 'legacy' }));
      client.end();
    } finally {
      await server.close();
    }
  });

  it('reports a closed port as unreachable naming host:port', async () => {
    const port = await closedPort();
    const e = await expectCheckError(connectSsh(target(port)));
    expect(e.kind).toBe('unreachable');
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it('reports a silent server as a timeout naming the phase reached', async () => {
    const silent = await silentServer();
    try {
      const e = await expectCheckError(connectSsh(target(silent.port, { readyTimeoutMs: 300 })));
      expect(e.kind).toBe('timeout');
      expect(e.detail.phase).toBe('key-exchange');
      expect(e.message).toContain('key-exchange');
    } finally {
      await silent.close();
    }
  });

  it('reports an unparsable private key as a config error without its content', async () => {
    const e = await expectCheckError(connectSsh(target(1, { password: undefined, privateKey: 'not a key' })));
    expect(e.kind).toBe('config');
    expect(e.message).not.toContain('not a key');
  });
});

describe('mapConnectError', () => {
  const t = { name: 'fw1', host: '10.1.1.1', port: 22, username: 'ops', fingerprints: ['SHA256:abc'], readyTimeoutMs: 20000 };
  const err = (message: string, level: string) => Object.assign(new Error(message), { level });

  it('maps ssh2 error levels to what the user reads (docs/ssh.md table)', () => {
    expect(mapConnectError(Object.assign(err('connect EHOSTUNREACH', 'client-socket'), { code: 'EHOSTUNREACH' }), t, 'tcp-connect', null)).toMatchObject({
      kind: 'unreachable',
      message: 'fw1 is unreachable on 10.1.1.1:22 (EHOSTUNREACH)',
    });
    expect(mapConnectError(err('Timed out while waiting for handshake', 'client-timeout'), t, 'authentication', null)).toMatchObject({
      kind: 'timeout',
      message: 'fw1 (10.1.1.1:22) did not answer within 20 s (phase: authentication)',
    });
    expect(mapConnectError(err('Handshake failed: no matching C->S cipher', 'handshake'), t, 'key-exchange', null).kind).toBe('algorithm-mismatch');
    expect(mapConnectError(err('All configured authentication methods failed', 'client-authentication'), t, 'authentication', null)).toMatchObject({
      kind: 'auth-failed',
      message: 'authentication failed for user "ops" on fw1 (10.1.1.1:22)',
    });
  });

  it('prefers the host key verdict over the generic handshake error', () => {
    const e = mapConnectError(err('Host denied (verification failed)', 'handshake'), t, 'key-exchange', { ok: false, presented: 'SHA256:xyz' });
    expect(e.kind).toBe('host-key-mismatch');
    expect(e.message).toBe('SSH host key of fw1 (10.1.1.1:22) does not match: expected SHA256:abc, presented SHA256:xyz');
  });
});

describe('connection helpers', () => {
  it('legacy appends the SHA-1 DH group and ssh-rsa; default leaves ssh2 defaults', () => {
    expect(algorithmsFor('default')).toBeUndefined();
    expect(algorithmsFor('legacy')).toMatchObject({ kex: { append: ['diffie-hellman-group14-sha1'] }, serverHostKey: { append: ['ssh-rsa'] } });
  });

  it('answers password prompts and leaves others empty', () => {
    expect(answerKeyboardPrompts([{ prompt: 'Password: ', echo: false }], 'pw')).toEqual(['pw']);
    expect(answerKeyboardPrompts([{ prompt: 'Username: ', echo: true }, { prompt: 'Passcode: ', echo: false }], 'pw')).toEqual(['', 'pw']);
    expect(answerKeyboardPrompts([{ prompt: 'Password: ', echo: false }], undefined)).toEqual(['']);
  });

  it('redacts secrets from debug lines', () => {
    expect(redactSecrets('sending hunter22 now', { password: 'hunter22' })).toBe('sending [redacted] now');
  });
});
