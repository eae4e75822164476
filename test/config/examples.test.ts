import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { loadAppConfig } from '../../src/config/env';
import { parseInventory } from '../../src/config/inventory';

const root = path.join(__dirname, '..', '..');

describe('shipped examples', () => {
  it('inventory.example.yml is a valid inventory with every field used', () => {
    const text = fs.readFileSync(path.join(root, 'inventory.example.yml'), 'utf8');
    const inventory = parseInventory(text, 'inventory.example.yml');
    expect(inventory.firewalls.map((f) => f.name)).toEqual(['fw01', 'fw-branch-2']);
    expect(inventory.firewalls[1].via?.map((h) => h.name)).toEqual(['bastion-dc1']);
    expect(text).toMatch(/^jump_hosts:/m);
    expect(inventory.warnings).toEqual([]);
    for (const field of ['name', 'host', 'port', 'username', 'password_env', 'private_key', 'passphrase_env', 'host_key', 'known_hosts', 'vdom', 'allow', 'users', 'user_groups', 'channels', 'algorithms', 'tags', 'jump']) {
      expect(text).toMatch(new RegExp(`^\\s+-? ?${field}:`, 'm'));
    }
  });

  it('.env.example loads (console demo when the Slack secrets are left empty) and documents every variable', () => {
    const text = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const env = parseDotenv(text);
    const config = loadAppConfig(env);
    expect(config.mode).toBe('console');
    // A fresh copy starts the terminal demo: no inventory until the admin names one.
    expect(config.inventoryPath).toBeUndefined();
    const source = fs.readFileSync(path.join(root, 'src', 'config', 'env.ts'), 'utf8');
    const used = new Set([...source.matchAll(/'((?:SLACK|SIP_CHECK)_[A-Z_]+|PORT|LOG_LEVEL)'/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThanOrEqual(23);
    for (const name of used) expect(text).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
