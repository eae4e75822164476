import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { DEMO_FIREWALL, DEMO_PASSWORD_ENV, demoInventoryEntry, loadInventory, parseInventory, withDemoEntry } from '../../src/config/inventory';

// Real fingerprints (sha256, base64 without padding), as `ssh-keygen -lf` prints them.
const FP1 = 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU';
const FP2 = 'SHA256:+7M+e8DercPQrEYSP+B31teOXda4yri4RIsHjAiA/Ck';
const SOURCE = '/etc/sip-check/inventory.yml';

const VALID = `
# Production firewalls
firewalls:
  - name: fw01
    host: 192.0.2.10
    username: sipcheck
    password_env: FW01_PASSWORD
    host_key: ${FP1}
    allow:
      users: [U012AB3CD]
      channels: [C0NETOPS1]
  - name: fw-branch.2
    host: fw-branch-2.example.net
    port: 2222
    username: svc_sipcheck
    private_key: keys/sipcheck_ed25519
    passphrase_env: SIPCHECK_KEY_PASSPHRASE
    host_key:
      - ${FP1}
      - ${FP2}
    known_hosts: known_hosts
    vdom: voice_vd
    algorithms: legacy
    allow:
      user_groups: [S0614TZR7]
      users: [W0123ABCD]
  - name: lab-fw
    host: "2001:db8::10"
    username: admin
    password_env: LAB_PASSWORD
    known_hosts: /etc/ssh/ssh_known_hosts
`;

function problemsOf(text: string, source = SOURCE): string[] {
  try {
    parseInventory(text, source);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** One firewall entry with `lines` added (or replacing same-key lines of the valid base). */
function withEntry(lines: Record<string, string | undefined>): string {
  const base: Record<string, string | undefined> = {
    name: 'fw01',
    host: '192.0.2.10',
    username: 'sipcheck',
    password_env: 'FW01_PASSWORD',
    host_key: FP1,
    allow: '{ users: [U012AB3CD] }',
    ...lines,
  };
  const body = Object.entries(base)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `    ${k}: ${v}`)
    .join('\n');
  return `firewalls:\n  -\n${body}\n`;
}

describe('parseInventory: a valid file', () => {
  it('reads every field, with defaults', () => {
    const inventory = parseInventory(VALID, SOURCE);
    expect(inventory.source).toBe(SOURCE);
    expect(inventory.firewalls).toEqual([
      {
        name: 'fw01',
        host: '192.0.2.10',
        port: 22,
        username: 'sipcheck',
        auth: { type: 'password', passwordEnv: 'FW01_PASSWORD' },
        hostKey: { fingerprints: [FP1] },
        allow: { users: ['U012AB3CD'], userGroups: [], channels: ['C0NETOPS1'] },
        algorithms: 'default',
      },
      {
        name: 'fw-branch.2',
        host: 'fw-branch-2.example.net',
        port: 2222,
        username: 'svc_sipcheck',
        auth: { type: 'privateKey', privateKeyPath: 'keys/sipcheck_ed25519', passphraseEnv: 'SIPCHECK_KEY_PASSPHRASE' },
        hostKey: { fingerprints: [FP1, FP2], knownHostsFile: 'known_hosts' },
        vdom: 'voice_vd',
        allow: { users: ['W0123ABCD'], userGroups: ['S0614TZR7'], channels: [] },
        algorithms: 'legacy',
      },
      {
        name: 'lab-fw',
        host: '2001:db8::10',
        port: 22,
        username: 'admin',
        auth: { type: 'password', passwordEnv: 'LAB_PASSWORD' },
        hostKey: { fingerprints: [], knownHostsFile: '/etc/ssh/ssh_known_hosts' },
        allow: { users: [], userGroups: [], channels: [] },
        algorithms: 'default',
      },
    ]);
  });

  it('warns about an entry no one may use, naming the file and the firewall', () => {
    expect(parseInventory(VALID, SOURCE).warnings).toEqual([`${SOURCE}: firewall "lab-fw": no allow rule (users, user_groups or channels): usable by nobody`]);
  });

  it('reads JSON too, and accepts a padded fingerprint without keeping the padding', () => {
    const json = JSON.stringify({
      firewalls: [{ name: 'fw01', host: 'fw01.example.com', username: 'sipcheck', password_env: 'P', host_key: `${FP1}=`, allow: { channels: ['G01PRIVATE'] } }],
    });
    const [entry] = parseInventory(json, 'inventory.json').firewalls;
    expect(entry.hostKey.fingerprints).toEqual([FP1]);
    expect(entry.allow.channels).toEqual(['G01PRIVATE']);
  });

  it('warns (but loads) when no firewall is listed', () => {
    expect(parseInventory('firewalls: []\n', SOURCE)).toEqual({ source: SOURCE, firewalls: [], warnings: [`${SOURCE}: no firewalls listed: nobody can run a check`] });
  });
});

describe('parseInventory: each bad field names the file, the firewall and the field', () => {
  it.each<[string, Record<string, string | undefined>, string, RegExp]>([
    ['unknown key (typo)', { alow: '{ users: [U012AB3CD] }' }, 'alow', /unknown field \(did you mean "allow"\?\)/],
    ['unknown key', { description: 'core' }, 'description', /unknown field \(known fields: name, host,/],
    ['camelCase key', { hostKey: FP1 }, 'hostKey', /did you mean "host_key"/],
    ['host missing', { host: undefined }, 'host', /missing/],
    ['host with a space', { host: '"fw 01.example.com"' }, 'host', /expected a hostname or an IP address/],
    ['host as a bad IPv4', { host: '192.0.2.300' }, 'host', /expected a hostname or an IP address, got "192.0.2.300"/],
    ['host as a URL', { host: 'ssh://192.0.2.10' }, 'host', /expected a hostname/],
    ['port 0', { port: '0' }, 'port', /expected an integer from 1 to 65535 \(default 22\), got 0/],
    ['port too big', { port: '70000' }, 'port', /got 70000/],
    ['port as text', { port: 'ssh' }, 'port', /got "ssh"/],
    ['port as a quoted number', { port: '"22"' }, 'port', /got "22"/],
    ['username missing', { username: undefined }, 'username', /missing/],
    ['username with a shell char', { username: '"admin;reboot"' }, 'username', /expected letters, digits/],
    ['no credential', { password_env: undefined }, 'password_env', /missing credential: expected password_env .* or private_key/],
    ['a secret in password_env', { password_env: '"hunter2!"' }, 'password_env', /expected the NAME of an environment variable .* got an invalid name/],
    ['both credentials', { private_key: 'keys/id' }, 'password_env', /either password_env or private_key, not both/],
    ['passphrase without a key', { passphrase_env: 'KEY_PASS' }, 'passphrase_env', /only used with private_key/],
    ['bad passphrase_env', { password_env: undefined, private_key: 'keys/id', passphrase_env: '"my pass"' }, 'passphrase_env', /NAME of an environment variable/],
    ['empty private_key', { password_env: undefined, private_key: '""' }, 'private_key', /expected a file path/],
    ['no host key pinned', { host_key: undefined }, 'host_key', /missing: pin the SSH host key .* never trusted/],
    ['host key as hex', { host_key: 'SHA256:3f131ed402fa33efdfdfa4d4c202eaf8b743fbd0510a037098' }, 'host_key', /43 base64 characters/],
    ['host key without prefix', { host_key: FP1.slice(7) }, 'host_key', /expected an SSH host key fingerprint/],
    ['MD5 host key', { host_key: 'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48' }, 'host_key', /SHA256/],
    ['host key too short', { host_key: FP1.slice(0, -1) }, 'host_key', /43 base64 characters/],
    ['empty host key list', { host_key: '[]' }, 'host_key', /empty list/],
    ['bad vdom', { vdom: 'voice.vd' }, 'vdom', /expected a VDOM name/],
    ['vdom too long', { vdom: 'v'.repeat(32) }, 'vdom', /at most 31 characters/],
    ['allow not a mapping', { allow: '[U012AB3CD]' }, 'allow', /expected a mapping with users, user_groups and\/or channels, got a list/],
    ['allow typo', { allow: '{ user: [U012AB3CD] }' }, 'allow.user', /unknown field \(did you mean/],
    ['user by name', { allow: '{ users: ["@alice"] }' }, 'allow.users', /use IDs, not names/],
    ['channel by name', { allow: '{ channels: ["#netops"] }' }, 'allow.channels', /expected Slack channel IDs .*\(use IDs, not names/],
    ['group ID in users', { allow: '{ users: [S0614TZR7] }' }, 'allow.users', /expected Slack user IDs/],
    ['users not a list', { allow: '{ users: U012AB3CD }' }, 'allow.users', /expected a list of Slack user IDs/],
    ['lowercase channel ID', { allow: '{ channels: [c0netops1] }' }, 'allow.channels', /got "c0netops1"/],
    ['algorithms', { algorithms: 'old' }, 'algorithms', /expected default or legacy, got "old"/],
    ['tags not a list', { tags: 'branch' }, 'tags', /expected a list of tags such as \[branch, emea\], got "branch"/],
    ['tag with a space', { tags: '["branch office"]' }, 'tags', /lower-case letters, digits, "_", "-" .* got "branch office"/],
    ['upper-case tag', { tags: '[EMEA]' }, 'tags', /got "EMEA"/],
    ['tag too long', { tags: `[${'t'.repeat(33)}]` }, 'tags', /at most 32 characters/],
  ])('%s', (_title, lines, field, message) => {
    const problems = problemsOf(withEntry(lines));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${SOURCE}: firewall "fw01": field "${field}": `)).toBe(true);
    expect(problems[0]).toMatch(message);
  });

  it.each<[string, string, RegExp]>([
    ['missing', 'name', /field "name": missing/],
    ['path-like', '../../etc/passwd', /field "name": expected letters, digits/],
    ['with a space', '"fw 01"', /field "name": expected letters/],
    ['too long', `f${'w'.repeat(63)}`, /field "name": expected/],
    ['a number', '0100', /field "name": expected .* got 100 \(quote names that look like numbers\)/],
    ['reserved help', 'help', /field "name": "help" is reserved/],
    ['reserved demo', 'fw-demo', /field "name": "fw-demo" is reserved/],
    ['reserved all (the fleet sweep)', 'all', /field "name": "all" is reserved/],
    ['reserved watch', 'watch', /field "name": "watch" is reserved/],
  ])('a firewall name that is %s is reported by position', (_title, name, message) => {
    const problems = problemsOf(withEntry({ name: _title === 'missing' ? undefined : name }));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${SOURCE}: firewall #1: `)).toBe(true);
    expect(problems[0]).toMatch(message);
  });

  it('refuses duplicate names, ignoring case', () => {
    const text = `${withEntry({})}  - name: FW01\n    host: 192.0.2.11\n    username: a\n    password_env: X\n    host_key: ${FP2}\n`;
    expect(problemsOf(text)).toEqual([`${SOURCE}: firewall "FW01": field "name": duplicate of firewall "fw01" (names must be unique, ignoring case)`]);
  });

  it('collects every problem of every firewall before failing', () => {
    const text = `firewalls:
  - name: fw01
    host: 192.0.2.10
    port: 0
    username: sipcheck
    password_env: FW01_PASSWORD
  - name: fw02
    host: fw02.example.com
    username: sipcheck
    password_env: FW02_PASSWORD
    host_key: ${FP2}
    vdom: "root vdom"
    alow: { users: [U012AB3CD] }
`;
    const error = (() => {
      try {
        parseInventory(text, SOURCE);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.problems).toEqual([
      expect.stringMatching(/firewall "fw01": field "port"/),
      expect.stringMatching(/firewall "fw01": field "host_key": missing/),
      expect.stringMatching(/firewall "fw02": field "alow": unknown field/),
      expect.stringMatching(/firewall "fw02": field "vdom"/),
    ]);
    expect(error.message).toMatch(/^4 configuration problems:/);
  });

  it.each<[string, string, RegExp]>([
    ['an empty file', '', /expected a mapping with a "firewalls" list, got nothing/],
    ['a list at the top', '- name: fw01\n', /expected a mapping with a "firewalls" list, got a list/],
    ['firewalls as a mapping', 'firewalls:\n  fw01: { host: 192.0.2.10 }\n', /field "firewalls": expected a list of firewalls, got a mapping/],
    ['an unknown top-level key', 'firewall:\n  - name: fw01\n', /top-level field "firewall": unknown field \(did you mean "firewalls"\?\)/],
    ['a scalar entry', 'firewalls:\n  - fw01\n', /firewall #1: expected a mapping \(name, host, \.\.\.\), got "fw01"/],
    ['a YAML syntax error', 'firewalls:\n  - name: fw01\n   host: 192.0.2.10\n', /line 3, column \d+: YAML syntax error: .*[^:]$/],
    ['a duplicate YAML key', `firewalls:\n  - name: fw01\n    name: fw02\n`, /YAML syntax error: Map keys must be unique/],
  ])('refuses %s, naming the file', (_title, text, message) => {
    const problems = problemsOf(text);
    expect(problems[0].startsWith(`${SOURCE}: `)).toBe(true);
    expect(problems[0]).toMatch(message);
  });

  it('an indentation error is one message: where, what, the line, and no dangling colon', () => {
    expect(problemsOf('firewalls:\n  - name: fw01\n    host: 192.0.2.10\n      port: 22\n')).toEqual([
      `${SOURCE}: line 3, column 11: YAML syntax error: Nested mappings are not allowed in compact mappings (check the indentation: spaces only, the keys of one firewall at the same column); the line is "    host: 192.0.2.10"`,
    ]);
    expect(problemsOf('firewalls:\n\t- name: x\n')).toEqual([
      `${SOURCE}: line 2, column 1: YAML syntax error: Tabs are not allowed as indentation (check the indentation: spaces only, the keys of one firewall at the same column); the line is "→- name: x"`,
    ]);
  });

  it('refuses an oversized file without parsing it', () => {
    expect(problemsOf(`# ${'x'.repeat(1024 * 1024)}\nfirewalls: []\n`)[0]).toMatch(/larger than 1048576 bytes/);
  });
});

describe('parseInventory: tags', () => {
  it('reads tags for fleet sweeps, without duplicates; absent means none', () => {
    const inventory = parseInventory(withEntry({ tags: '[branch, emea, branch, de_01]' }), SOURCE);
    expect(inventory.firewalls[0].tags).toEqual(['branch', 'emea', 'de_01']);
    expect(parseInventory(withEntry({}), SOURCE).firewalls[0].tags).toBeUndefined();
  });
});

describe('loadInventory', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-check-inventory-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('resolves relative paths against the file and checks referenced secrets exist, as warnings', () => {
    fs.mkdirSync(path.join(dir, 'keys'));
    fs.writeFileSync(path.join(dir, 'keys', 'sipcheck_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'known_hosts'), `fw-branch-2.example.net ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKn1yq9S2HpJT4ZyrwXQbpRxvR7Rh6lNQhcDX8vWcmf9\n`);
    const file = path.join(dir, 'inventory.yml');
    fs.writeFileSync(file, VALID);

    const inventory = loadInventory(file, { FW01_PASSWORD: 'x' });
    const branch = inventory.firewalls[1];
    expect(branch.auth).toEqual({ type: 'privateKey', privateKeyPath: path.join(dir, 'keys', 'sipcheck_ed25519'), passphraseEnv: 'SIPCHECK_KEY_PASSPHRASE' });
    expect(branch.hostKey.knownHostsFile).toBe(path.join(dir, 'known_hosts'));
    expect(inventory.firewalls[2].hostKey.knownHostsFile).toBe('/etc/ssh/ssh_known_hosts');
    expect(inventory.warnings).toEqual([
      `${file}: firewall "lab-fw": no allow rule (users, user_groups or channels): usable by nobody`,
      `${file}: firewall "fw-branch.2": field "passphrase_env": environment variable SIPCHECK_KEY_PASSPHRASE is not set; checks of this firewall will fail until it is`,
      `${file}: firewall "lab-fw": field "password_env": environment variable LAB_PASSWORD is not set; checks of this firewall will fail until it is`,
      ...(fs.existsSync('/etc/ssh/ssh_known_hosts') ? [] : [expect.stringMatching(/firewall "lab-fw": field "known_hosts": \/etc\/ssh\/ssh_known_hosts: cannot read \(ENOENT\)/)]),
    ]);
  });

  it('warns about a missing or group-readable key file', () => {
    const file = path.join(dir, 'inventory.yml');
    fs.writeFileSync(file, withEntry({ password_env: undefined, private_key: 'id_missing' }) + `  - name: fw02\n    host: 192.0.2.11\n    username: a\n    private_key: id_open\n    host_key: ${FP2}\n    allow: { users: [U012AB3CD] }\n`);
    fs.writeFileSync(path.join(dir, 'id_open'), 'key', { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'id_open'), 0o644);
    const warnings = loadInventory(file, {}).warnings ?? [];
    expect(warnings).toEqual([
      `${file}: firewall "fw01": field "private_key": ${path.join(dir, 'id_missing')}: cannot read (ENOENT); checks of this firewall will fail until it is readable`,
      `${file}: firewall "fw02": field "private_key": ${path.join(dir, 'id_open')} is readable by group or others; chmod 600 it`,
    ]);
  });

  it('names the file it cannot read', () => {
    const file = path.join(dir, 'nope.yml');
    expect(() => loadInventory(file, {})).toThrow(new ConfigError([`${file}: cannot read the inventory file (ENOENT)`]));
  });
});

describe('demo entry', () => {
  it('is the simulator on loopback, flagged demo, with no allow rule', () => {
    const entry = demoInventoryEntry(2222, FP1);
    expect(entry).toEqual({
      name: DEMO_FIREWALL,
      host: '127.0.0.1',
      port: 2222,
      username: 'admin',
      auth: { type: 'password', passwordEnv: DEMO_PASSWORD_ENV },
      hostKey: { fingerprints: [FP1] },
      allow: { users: [], userGroups: [], channels: [] },
      algorithms: 'default',
      demo: true,
    });
    const inventory = withDemoEntry(parseInventory(VALID, SOURCE), entry);
    expect(inventory.firewalls.map((f) => f.name)).toEqual(['fw01', 'fw-branch.2', 'lab-fw', 'fw-demo']);
    expect(withDemoEntry(inventory, entry).firewalls).toHaveLength(4);
  });

  it('cannot be created from an inventory file', () => {
    expect(problemsOf(withEntry({ demo: 'true' }))[0]).toMatch(/field "demo": unknown field/);
  });
});
