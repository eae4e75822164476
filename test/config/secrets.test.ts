import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckError, describeError } from '../../src/errors';
import { resolveCredentials, secretValues } from '../../src/config/secrets';
import { redactUrl } from '../../src/redis/client';
import type { FirewallEntry } from '../../src/config/types';

const base: Omit<FirewallEntry, 'auth'> = {
  name: 'fw01',
  host: '192.0.2.10',
  port: 22,
  username: 'sipcheck',
  hostKey: { fingerprints: ['SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU'] },
  allow: { users: ['U012AB3CD'], userGroups: [], channels: [] },
  algorithms: 'default',
};
const passwordEntry: FirewallEntry = { ...base, auth: { type: 'password', passwordEnv: 'FW01_PASSWORD' } };
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n';

function caught(fn: () => unknown): CheckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CheckError) return e;
    throw e;
  }
  throw new Error('expected a CheckError');
}

describe('resolveCredentials', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-check-secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a password from the named variable', () => {
    expect(resolveCredentials(passwordEntry, { FW01_PASSWORD: 'S3cr3t!pw' })).toEqual({ password: 'S3cr3t!pw' });
  });

  it.each([[{}], [{ FW01_PASSWORD: '' }]])('names the missing variable, never a value (%j)', (env) => {
    const error = caught(() => resolveCredentials(passwordEntry, { ...env, OTHER_SECRET: 'do-not-show' }));
    expect(error.kind).toBe('credentials-missing');
    expect(error.message).toBe('The password for fw01 is missing: environment variable FW01_PASSWORD is not set.');
    expect(error.detail).toEqual({ firewall: 'fw01', variable: 'FW01_PASSWORD' });
    expect(describeError(error)).toMatch(/Set the environment variable or file named in the inventory/);
  });

  it('reads a private key file and its passphrase', () => {
    const keyPath = path.join(dir, 'id_ed25519');
    fs.writeFileSync(keyPath, KEY, { mode: 0o600 });
    const entry: FirewallEntry = { ...base, auth: { type: 'privateKey', privateKeyPath: keyPath, passphraseEnv: 'KEY_PASS' } };
    const credentials = resolveCredentials(entry, { KEY_PASS: 'correct horse' });
    expect(credentials.privateKey?.toString()).toBe(KEY);
    expect(credentials.passphrase).toBe('correct horse');
    expect(credentials.password).toBeUndefined();
    expect(resolveCredentials({ ...entry, auth: { type: 'privateKey', privateKeyPath: keyPath } }, {})).toEqual({ privateKey: Buffer.from(KEY) });
  });

  it('names the key file it cannot read, with the error code only', () => {
    const keyPath = path.join(dir, 'missing_key');
    const error = caught(() => resolveCredentials({ ...base, auth: { type: 'privateKey', privateKeyPath: keyPath } }, {}));
    expect(error.kind).toBe('credentials-missing');
    expect(error.message).toBe(`The private key for fw01 cannot be read: ${keyPath} (ENOENT).`);
  });

  it('refuses an empty or oversized key file without reading it into an error', () => {
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    expect(caught(() => resolveCredentials({ ...base, auth: { type: 'privateKey', privateKeyPath: empty } }, {})).message).toMatch(/is empty/);
    const huge = path.join(dir, 'huge');
    fs.writeFileSync(huge, Buffer.alloc(65 * 1024, 0x41));
    const error = caught(() => resolveCredentials({ ...base, auth: { type: 'privateKey', privateKeyPath: huge } }, {}));
    expect(error.message).toBe(`The private key for fw01 cannot be read: ${huge} (EFBIG).`);
  });

  it('names the missing passphrase variable', () => {
    const entry: FirewallEntry = { ...base, auth: { type: 'privateKey', privateKeyPath: '/keys/id', passphraseEnv: 'KEY_PASS' } };
    const error = caught(() => resolveCredentials(entry, {}, () => Buffer.from(KEY)));
    expect(error.message).toBe('The key passphrase for fw01 is missing: environment variable KEY_PASS is not set.');
  });

  it('uses the injected reader', () => {
    const read: string[] = [];
    const entry: FirewallEntry = { ...base, auth: { type: 'privateKey', privateKeyPath: '/keys/id' } };
    resolveCredentials(entry, {}, (p) => {
      read.push(p);
      return Buffer.from(KEY);
    });
    expect(read).toEqual(['/keys/id']);
  });
});

describe('secretValues', () => {
  it('lists the Slack secrets and every referenced password and passphrase, skipping unset and tiny values', () => {
    const inventory = {
      source: 'inventory.yml',
      firewalls: [
        passwordEntry,
        { ...base, name: 'fw02', auth: { type: 'privateKey' as const, privateKeyPath: '/k', passphraseEnv: 'KEY_PASS' } },
        { ...base, name: 'fw03', auth: { type: 'password' as const, passwordEnv: 'FW03_PASSWORD' } },
      ],
    };
    const env = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_APP_TOKEN: '', FW01_PASSWORD: 'S3cr3t!pw', KEY_PASS: 'correct horse', FW03_PASSWORD: 'abc', HOME: '/root' };
    expect(secretValues(env, inventory).sort()).toEqual(['S3cr3t!pw', 'correct horse', 'xoxb-123-abc']);
  });

  it("includes the Redis URL's password, from the userinfo or the query string, as written and decoded", () => {
    expect(secretValues({ SIP_CHECK_REDIS_URL: 'redis://:r3dis%21pass@redis:6379/0' }).sort()).toEqual(['r3dis!pass', 'r3dis%21pass']);
    expect(secretValues({ SIP_CHECK_REDIS_URL: 'redis://redis:6379/?password=hunter2hunter2' })).toEqual(['hunter2hunter2']);
    expect(secretValues({ SIP_CHECK_REDIS_URL: 'redis://redis:6379' })).toEqual([]);
  });
});

describe('redactUrl (what the Redis start-up log prints)', () => {
  it('masks the password in the userinfo and in the query string, and keeps the rest', () => {
    expect(redactUrl('redis://user:s3cret@redis:6379/1')).toBe('redis://user:***@redis:6379/1');
    const masked = redactUrl('redis://redis:6379/?password=s3cret&db=2');
    expect(masked).not.toContain('s3cret');
    expect(masked).toContain('db=2');
  });
});
