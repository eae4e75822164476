import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { loadInventory, parseInventory } from '../../src/config/inventory';
import { changeAccess } from '../../src/change/access';

/** Issue 24: `remediation:` in the inventory, the write account and the approvers, validated at start-up. */

const FP = 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU';
const SOURCE = '/etc/sip-check/inventory.yml';

function inventory(remediation: string): string {
  return `
firewalls:
  - name: fw01
    host: 192.0.2.10
    username: sipcheck
    password_env: FW01_PASSWORD
    host_key: ${FP}
    allow: { users: [U012AB3CD] }
${remediation}`;
}

function problems(text: string): string[] {
  try {
    parseInventory(text, SOURCE);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('inventory remediation:', () => {
  it('reads the write account and the approvers; an entry without it has none', () => {
    const inv = parseInventory(inventory(`    remediation:
      username: sipcheck-rw
      password_env: FW01_WRITE_PASSWORD
      approvers: { users: [U0APPROVE1], user_groups: [S0NETOPS1] }`), SOURCE);
    expect(inv.firewalls[0].remediation).toEqual({ username: 'sipcheck-rw', auth: { type: 'password', passwordEnv: 'FW01_WRITE_PASSWORD' }, approvers: { users: ['U0APPROVE1'], userGroups: ['S0NETOPS1'] } });
    expect(parseInventory(inventory(''), SOURCE).firewalls[0].remediation).toBeUndefined();
  });

  it.each([
    [`    remediation:\n      password_env: W\n      approvers: { users: [U0APPROVE1] }`, 'remediation.username": missing'],
    [`    remediation:\n      username: sipcheck\n      password_env: W\n      approvers: { users: [U0APPROVE1] }`, 'must differ from the read-only account'],
    [`    remediation:\n      username: rw\n      approvers: { users: [U0APPROVE1] }`, 'remediation.password_env": missing credential'],
    [`    remediation:\n      username: rw\n      password_env: W\n      approvers: {}`, 'a second person to approve'],
    [`    remediation:\n      username: rw\n      password_env: W\n      approvers: { users: ["@alice"] }`, 'expected Slack user IDs'],
    [`    remediation:\n      username: rw\n      password_env: W\n      aprovers: { users: [U0APPROVE1] }`, 'did you mean "approvers"'],
    [`    remediation: yes`, 'expected a mapping with username'],
  ])('refuses a half-configured change path %#', (block, message) => {
    expect(problems(inventory(block)).join('\n')).toContain(message);
  });

  it('warns at start-up when the write credential is missing, and changes are refused until it is set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inv-rem-'));
    const file = path.join(dir, 'inventory.yml');
    fs.writeFileSync(file, inventory(`    remediation:\n      username: rw\n      password_env: FW01_WRITE_PASSWORD\n      approvers: { users: [U0APPROVE1] }`));
    const inv = loadInventory(file, { FW01_PASSWORD: 'x' });
    expect(inv.warnings?.join('\n')).toContain('FW01_WRITE_PASSWORD is not set; changes of this firewall are refused until it is (checks are not affected)');
    expect(changeAccess(inv.firewalls[0], { FW01_PASSWORD: 'x' })).toEqual({ ok: false, reason: expect.stringContaining('FW01_WRITE_PASSWORD is not set') });
    expect(changeAccess(inv.firewalls[0], { FW01_PASSWORD: 'x', FW01_WRITE_PASSWORD: 'y' })).toEqual({ ok: true });
    expect(changeAccess(loadInventory(file, {}).firewalls[0] && { ...inv.firewalls[0], remediation: undefined }, {})).toEqual({ ok: false, reason: expect.stringContaining('does not allow changes') });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
