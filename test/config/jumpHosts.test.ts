import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { loadInventory, parseInventory } from '../../src/config/inventory';
import { secretValues } from '../../src/config/secrets';
import { deviceKey } from '../../src/check/locks';

const FP1 = 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU';
const FP2 = 'SHA256:+7M+e8DercPQrEYSP+B31teOXda4yri4RIsHjAiA/Ck';
const SOURCE = '/etc/sip-check/inventory.yml';

/** Two bastions (edge reaches core), three firewalls: one direct, one behind core, one behind another firewall. */
const CHAINED = `
jump_hosts:
  - name: bastion-edge
    host: bastion.example.net
    username: jumper
    private_key: keys/jumper_ed25519
    host_key: ${FP2}
  - name: bastion-core
    host: 10.0.0.5
    port: 2222
    username: jumper
    password_env: CORE_BASTION_PASSWORD
    known_hosts: bastion_known_hosts
    jump: bastion-edge
firewalls:
  - name: fw01
    host: 192.0.2.10
    username: sipcheck
    password_env: FW01_PASSWORD
    host_key: ${FP1}
  - name: fw-branch
    host: 10.20.0.1
    username: sipcheck
    password_env: FW_BRANCH_PASSWORD
    host_key: ${FP1}
    jump: bastion-core
  - name: fw-behind-fw
    host: 10.30.0.1
    username: sipcheck
    password_env: FW_BRANCH_PASSWORD
    host_key: ${FP1}
    jump: FW-BRANCH
`;

function problemsOf(text: string): string[] {
  try {
    parseInventory(text, SOURCE);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const firewall = (name: string, jump?: string) =>
  `  - name: ${name}\n    host: 192.0.2.${name.length}\n    username: a\n    password_env: X\n    host_key: ${FP1}\n${jump ? `    jump: ${jump}\n` : ''}`;
const bastion = (name: string, jump?: string) => `  - name: ${name}\n    host: 198.51.100.${name.length}\n    username: j\n    password_env: J\n    host_key: ${FP2}\n${jump ? `    jump: ${jump}\n` : ''}`;

describe('jump hosts in the inventory', () => {
  it('resolves each jump: into the hops to go through, outermost first (a firewall may be a hop)', () => {
    const inventory = parseInventory(CHAINED, SOURCE);
    const byName = Object.fromEntries(inventory.firewalls.map((f) => [f.name, f]));
    expect(byName.fw01.via).toBeUndefined();
    expect(byName['fw-branch'].via?.map((h) => `${h.name}=${h.host}:${h.port}`)).toEqual(['bastion-edge=bastion.example.net:22', 'bastion-core=10.0.0.5:2222']);
    expect(byName['fw-behind-fw'].via?.map((h) => h.name)).toEqual(['bastion-edge', 'bastion-core', 'fw-branch']);
    // A firewall used as a hop brings its SSH settings only.
    expect(byName['fw-behind-fw'].via?.[2]).toEqual({ name: 'fw-branch', host: '10.20.0.1', port: 22, username: 'sipcheck', auth: { type: 'password', passwordEnv: 'FW_BRANCH_PASSWORD' }, hostKey: { fingerprints: [FP1] }, algorithms: 'default' });
    expect(inventory.jumpHosts?.map((j) => j.name)).toEqual(['bastion-edge', 'bastion-core']);
    // Jump hosts are never firewalls: nobody can check them.
    expect(inventory.firewalls.map((f) => f.name)).toEqual(['fw01', 'fw-branch', 'fw-behind-fw']);
  });

  it('refuses a loop once, naming its members in order', () => {
    const text = `jump_hosts:\n${bastion('ja', 'jb')}${bastion('jb', 'jc')}${bastion('jc', 'ja')}firewalls:\n${firewall('fw01', 'ja')}${firewall('fw02', 'jb')}`;
    expect(problemsOf(text)).toEqual([`${SOURCE}: jump host "ja": field "jump": the jump chain goes round in a circle (ja → jb → jc → ja); one of them must be reached directly`]);
  });

  it('refuses a firewall that names itself, and a name that is neither a jump host nor a firewall', () => {
    expect(problemsOf(`firewalls:\n${firewall('fw01', 'FW01')}`)).toEqual([`${SOURCE}: firewall "fw01": field "jump": names this firewall itself; name the jump host it is reached through`]);
    expect(problemsOf(`jump_hosts:\n${bastion('jb', 'nowhere')}firewalls:\n${firewall('fw01', 'bastoin')}${firewall('fw02', 'jb')}`)).toEqual([
      `${SOURCE}: firewall "fw01": field "jump": no jump host or firewall is named "bastoin"; list the bastion under jump_hosts`,
      `${SOURCE}: jump host "jb": field "jump": no jump host or firewall is named "nowhere"; list the bastion under jump_hosts`,
    ]);
  });

  it('refuses chains longer than four hops', () => {
    const text = `jump_hosts:\n${bastion('j1')}${bastion('j2', 'j1')}${bastion('j3', 'j2')}${bastion('j4', 'j3')}${bastion('j5', 'j4')}firewalls:\n${firewall('fw01', 'j5')}`;
    expect(problemsOf(text)).toEqual([
      `${SOURCE}: firewall "fw01": field "jump": more than 4 hops (fw01 → j5 → j4 → j3 → j2 → j1)`,
    ]);
  });

  it('validates jump hosts like firewalls: pinned key, one credential, known fields only, unique names across both lists', () => {
    const text = `jump_hosts:\n  - name: jb\n    host: 198.51.100.1\n    username: j\n    password_env: J\n    allow:\n      users: [U012AB3CD]\n  - name: FW01\n    host: 198.51.100.2\n    username: j\n    password_env: J\n    host_key: ${FP2}\nfirewalls:\n${firewall('fw01')}`;
    expect(problemsOf(text)).toEqual([
      `${SOURCE}: jump host "jb": field "allow": unknown field (known fields: name, host, port, username, password_env, private_key, passphrase_env, host_key, known_hosts, algorithms, jump)`,
      `${SOURCE}: jump host "jb": field "host_key": missing: pin the SSH host key with host_key (SHA256:... fingerprint) and/or known_hosts (file); unknown keys are never trusted`,
      `${SOURCE}: firewall "fw01": field "name": duplicate of jump host "FW01" (names must be unique, ignoring case)`,
    ]);
    expect(problemsOf(`jump_host:\n${bastion('jb')}firewalls:\n${firewall('fw01')}`)).toEqual([`${SOURCE}: top-level field "jump_host": unknown field (did you mean "jump_hosts"?)`]);
  });

  it('loadInventory resolves the hops\' key paths, warns about their unset variables, and scrubs their secrets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-check-jump-'));
    const file = path.join(dir, 'inventory.yml');
    fs.writeFileSync(file, CHAINED);
    const inventory = loadInventory(file, { FW01_PASSWORD: 'a', FW_BRANCH_PASSWORD: 'b' });
    const branch = inventory.firewalls.find((f) => f.name === 'fw-branch')!;
    expect(branch.via?.[0].auth).toEqual({ type: 'privateKey', privateKeyPath: path.join(dir, 'keys/jumper_ed25519') });
    expect(branch.via?.[1].hostKey.knownHostsFile).toBe(path.join(dir, 'bastion_known_hosts'));
    expect(inventory.warnings).toEqual(
      expect.arrayContaining([
        `${file}: jump host "bastion-core": field "password_env": environment variable CORE_BASTION_PASSWORD is not set; checks through this jump host will fail until it is`,
        expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')}: jump host "bastion-edge": field "private_key": .*cannot read \\(ENOENT\\); checks through this jump host will fail until it is readable$`)),
      ]),
    );
    expect(secretValues({ CORE_BASTION_PASSWORD: 'bastion-secret' }, inventory)).toContain('bastion-secret');
  });

  it('the device lock key includes the hops: one address behind two bastions is two devices', () => {
    const inventory = parseInventory(CHAINED, SOURCE);
    const [direct, behind] = inventory.firewalls;
    expect(deviceKey(direct)).toBe('192.0.2.10:22');
    expect(deviceKey(behind)).toBe('bastion.example.net:22>10.0.0.5:2222>10.20.0.1:22');
  });
});
