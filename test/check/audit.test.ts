import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog, type AuditRecord } from '../../src/check/audit';
import { resolveCredentials, secretValues } from '../../src/config/secrets';
import type { FirewallEntry } from '../../src/config/types';

const PASSWORD = 'Tr0ub4dor&3-fw01';
const BOT_TOKEN = 'xoxb-1111-2222-abcdefghijklmnop';
const entry: FirewallEntry = {
  name: 'fw01',
  host: '192.0.2.10',
  port: 22,
  username: 'sipcheck',
  auth: { type: 'password', passwordEnv: 'FW01_PASSWORD' },
  hostKey: { fingerprints: ['SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU'] },
  allow: { users: ['U0ALICE01'], userGroups: [], channels: [] },
  algorithms: 'default',
};
const env = { FW01_PASSWORD: PASSWORD, SLACK_BOT_TOKEN: BOT_TOKEN };
const fixedNow = () => new Date('2026-11-25T18:00:00.000Z');

describe('AuditLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-check-audit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('appends one JSON object per line, creating the directory (0700) and the file (0600)', () => {
    const file = path.join(dir, 'var', 'log', 'audit.jsonl');
    const log = new AuditLog(file, { now: fixedNow });
    const start: AuditRecord = {
      event: 'check-start',
      checkId: 'c-01',
      userId: 'U0ALICE01',
      channelId: 'C0NETOPS1',
      teamId: 'T0TEAM001',
      firewall: 'fw01',
      vdom: 'root',
      options: { seconds: 20, level: -1, vdom: 'root', peer: '203.0.113.10', port: 5060 },
      startedAt: new Date('2026-11-25T17:59:58.000Z'),
    };
    log.record(start);
    log.record({
      event: 'check-end',
      checkId: 'c-01',
      userId: 'U0ALICE01',
      firewall: 'fw01',
      startedAt: '2026-11-25T17:59:58.000Z',
      finishedAt: new Date('2026-11-25T18:00:30.000Z'),
      outcome: 'ok',
      verdict: 'sip-alg',
      debugReset: true,
    });
    log.record({ event: 'denied', userId: 'U0MALLORY', channelId: 'D0MALLORY1', firewall: 'fw01', outcome: 'unknown-firewall' });
    log.record({ event: 'rejected', userId: 'U0ALICE01', outcome: 'usage', message: 'The character ; is not allowed.' });
    log.record({ event: 'button', checkId: 'c-01', userId: 'U0ALICE01', action: 'show-remediation', outcome: 'remediation' });
    log.record({ event: 'recovery', checkId: 'c-00', firewall: 'fw01', outcome: 'timeout', debugReset: null });

    expect(lines(file)).toEqual([
      {
        ts: '2026-11-25T18:00:00.000Z',
        event: 'check-start',
        checkId: 'c-01',
        userId: 'U0ALICE01',
        channelId: 'C0NETOPS1',
        teamId: 'T0TEAM001',
        firewall: 'fw01',
        vdom: 'root',
        options: { seconds: 20, level: -1, vdom: 'root', peer: '203.0.113.10', port: 5060 },
        startedAt: '2026-11-25T17:59:58.000Z',
      },
      {
        ts: '2026-11-25T18:00:00.000Z',
        event: 'check-end',
        checkId: 'c-01',
        userId: 'U0ALICE01',
        firewall: 'fw01',
        outcome: 'ok',
        verdict: 'sip-alg',
        startedAt: '2026-11-25T17:59:58.000Z',
        finishedAt: '2026-11-25T18:00:30.000Z',
        debugReset: true,
      },
      { ts: '2026-11-25T18:00:00.000Z', event: 'denied', userId: 'U0MALLORY', channelId: 'D0MALLORY1', firewall: 'fw01', outcome: 'unknown-firewall' },
      { ts: '2026-11-25T18:00:00.000Z', event: 'rejected', userId: 'U0ALICE01', outcome: 'usage', message: 'The character ; is not allowed.' },
      { ts: '2026-11-25T18:00:00.000Z', event: 'button', checkId: 'c-01', userId: 'U0ALICE01', outcome: 'remediation', action: 'show-remediation' },
      { ts: '2026-11-25T18:00:00.000Z', event: 'recovery', checkId: 'c-00', firewall: 'fw01', outcome: 'timeout', debugReset: null },
    ]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it('appends to an existing log and keeps each record on one line', () => {
    const file = path.join(dir, 'audit.jsonl');
    fs.writeFileSync(file, '{"ts":"2026-11-24T00:00:00.000Z","event":"check-start"}\n');
    new AuditLog(file, { now: fixedNow }).record({ event: 'rejected', message: 'line one\nline two\r\u001b[31mred' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(lines(file)[1].message).toBe('line one\nline two\r\u001b[31mred');
  });

  it('never writes a secret: not from the environment, nor smuggled in a field', () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = new AuditLog(file, { secrets: secretValues(env, { source: 'i.yml', firewalls: [entry] }) });
    const credentials = resolveCredentials(entry, env);
    expect(credentials.password).toBe(PASSWORD);
    // A device error that echoed the password, a token pasted into a command: both scrubbed.
    log.record({ event: 'check-end', checkId: 'c-02', firewall: 'fw01', outcome: 'auth-failed', message: `ssh: password ${credentials.password} rejected`, debugReset: null });
    log.record({ event: 'rejected', userId: 'U0ALICE01', outcome: 'usage', message: `Unexpected word \`${BOT_TOKEN}\`` });
    // Fields outside the record type are dropped, whatever a caller spreads in.
    log.record({ event: 'check-start', firewall: 'fw01', ...({ password: PASSWORD, credentials } as object) } as AuditRecord);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).toContain('ssh: password [redacted] rejected');
    expect(lines(file)[2]).toEqual({ ts: expect.any(String), event: 'check-start', firewall: 'fw01' });
  });

  it('shortens very long fields', () => {
    const log = new AuditLog(path.join(dir, 'a.jsonl'));
    const record = JSON.parse(log.format({ event: 'rejected', message: 'x'.repeat(5000) })) as { message: string };
    expect(record.message).toHaveLength(1003);
  });

  it('reports a failed write to onError instead of throwing (a full disk must not break a check)', () => {
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, '');
    const errors: Error[] = [];
    const log = new AuditLog(path.join(blocker, 'audit.jsonl'), { onError: (e) => errors.push(e) });
    expect(() => log.record({ event: 'denied' })).not.toThrow();
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toMatch(/EEXIST|ENOTDIR/);
  });
});
