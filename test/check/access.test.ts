import { allowedFirewalls, authorize, authorizeByName, closestName, isAllowed } from '../../src/check/access';
import { describeError } from '../../src/errors';
import type { Requester } from '../../src/check/types';
import { demoInventoryEntry, parseInventory, withDemoEntry } from '../../src/config/inventory';

const FP = 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU';
const inventory = withDemoEntry(
  parseInventory(
    `firewalls:
  - name: fw-core
    host: 192.0.2.1
    username: sipcheck
    password_env: CORE_PW
    host_key: ${FP}
    allow:
      users: [U0ALICE01]
  - name: fw-voice
    host: 192.0.2.2
    username: sipcheck
    password_env: VOICE_PW
    host_key: ${FP}
    allow:
      user_groups: [S0VOICEOPS]
  - name: fw-noc
    host: 192.0.2.3
    username: sipcheck
    password_env: NOC_PW
    host_key: ${FP}
    allow:
      channels: [C0NOCROOM1, G0PRIVNOC1]
  - name: fw-secret
    host: 192.0.2.4
    username: sipcheck
    password_env: SECRET_PW
    host_key: ${FP}
`,
    'inventory.yml',
  ),
  demoInventoryEntry(2222, FP),
);
const entry = (name: string) => inventory.firewalls.find((f) => f.name === name)!;

const alice: Requester = { userId: 'U0ALICE01', channelId: 'C0RANDOM01', adapter: 'slack' };
const bob: Requester = { userId: 'U0BOB0001', channelId: 'C0RANDOM01', userGroups: ['S0OTHER01', 'S0VOICEOPS'], adapter: 'slack' };
const carol: Requester = { userId: 'U0CAROL01', channelId: 'C0NOCROOM1', adapter: 'slack' };
const mallory: Requester = { userId: 'U0MALLORY', channelId: 'D0MALLORY1', userGroups: ['S0OTHER01'], adapter: 'slack' };
const consoleUser: Requester = { userId: 'console', channelId: 'console', adapter: 'console' };

describe('isAllowed: any one match grants, no rule means nobody', () => {
  it.each<[string, Requester, string, boolean]>([
    ['user listed', alice, 'fw-core', true],
    ['user not listed', bob, 'fw-core', false],
    ['one of the user groups listed', bob, 'fw-voice', true],
    ['no listed group', mallory, 'fw-voice', false],
    ['user without known groups', alice, 'fw-voice', false],
    ['channel listed: anyone in it', carol, 'fw-noc', true],
    ['channel listed, but the user is from another workspace (Slack Connect)', { ...carol, externalUser: true }, 'fw-noc', false],
    ['user listed, but seen as from another workspace', { ...alice, externalUser: true }, 'fw-core', false],
    ['private channel listed', { ...mallory, channelId: 'G0PRIVNOC1' }, 'fw-noc', true],
    ['same user in another channel', { ...carol, channelId: 'C0RANDOM01' }, 'fw-noc', false],
    ['no allow rule: nobody', alice, 'fw-secret', false],
    ['no allow rule: not even from a listed channel', carol, 'fw-secret', false],
    ['a user ID given as the channel does not match users', { ...mallory, channelId: 'U0ALICE01' }, 'fw-core', false],
    ['demo entry from Slack', alice, 'fw-demo', false],
    ['demo entry from the console', consoleUser, 'fw-demo', true],
    ['real firewall from the console, not listed', consoleUser, 'fw-core', false],
  ])('%s', (_title, requester, firewall, allowed) => {
    expect(isAllowed(entry(firewall), requester)).toBe(allowed);
    expect(authorize(entry(firewall), requester).ok).toBe(allowed);
  });

  it('matches IDs exactly (no case folding, no prefixes)', () => {
    expect(isAllowed(entry('fw-core'), { ...alice, userId: 'u0alice01' })).toBe(false);
    expect(isAllowed(entry('fw-core'), { ...alice, userId: 'U0ALICE0' })).toBe(false);
  });
});

describe('allowedFirewalls', () => {
  it('lists only what each requester may use, in inventory order', () => {
    expect(allowedFirewalls(inventory, alice)).toEqual(['fw-core']);
    expect(allowedFirewalls(inventory, bob)).toEqual(['fw-voice']);
    expect(allowedFirewalls(inventory, { ...alice, channelId: 'C0NOCROOM1', userGroups: ['S0VOICEOPS'] })).toEqual(['fw-core', 'fw-voice', 'fw-noc']);
    expect(allowedFirewalls(inventory, mallory)).toEqual([]);
    expect(allowedFirewalls(inventory, consoleUser)).toEqual(['fw-demo']);
  });
});

describe('authorizeByName: unknown and forbidden look the same', () => {
  it('grants with the entry', () => {
    expect(authorizeByName(inventory, 'fw-core', alice)).toEqual({ ok: true, entry: entry('fw-core') });
  });

  it('gives the same reply for a firewall that does not exist and one the user may not use', () => {
    const forbidden = authorizeByName(inventory, 'fw-secret', alice);
    const missing = authorizeByName(inventory, 'fw-nothere', alice);
    if (forbidden.ok || missing.ok) throw new Error('expected refusals');
    expect(forbidden.error.kind).toBe('unknown-firewall');
    expect(missing.error.kind).toBe('unknown-firewall');
    expect(forbidden.error.message).toBe('Unknown firewall `fw-secret`. Firewalls you may check here: fw-core.');
    expect(missing.error.message).toBe('Unknown firewall `fw-nothere`. Firewalls you may check here: fw-core.');
    expect(forbidden.error.message.replace('fw-secret', 'X')).toBe(missing.error.message.replace('fw-nothere', 'X'));
    expect(describeError(forbidden.error)).not.toMatch(/not authorized|allow/i);
  });

  it('never lists firewalls the requester may not use', () => {
    const result = authorizeByName(inventory, 'fw-core', mallory);
    if (result.ok) throw new Error('expected a refusal');
    expect(result.error.message).toBe('Unknown firewall `fw-core`. You may not check any firewall from here.');
    for (const name of ['fw-voice', 'fw-noc', 'fw-secret', 'fw-demo']) expect(result.error.message).not.toContain(name);
  });

  it('does not expose the demo entry to Slack users', () => {
    const result = authorizeByName(inventory, 'fw-demo', carol);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe('Unknown firewall `fw-demo`. Firewalls you may check here: fw-noc.');
  });

  it('matches names exactly, and suggests the name in its case', () => {
    const result = authorizeByName(inventory, 'FW-CORE', alice);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe('Unknown firewall `FW-CORE`. Did you mean `fw-core`? (names are case-sensitive) Firewalls you may check here: fw-core.');
  });

  it('suggests a near name only among the firewalls the requester may check', () => {
    const typo = authorizeByName(inventory, 'fw-cors', alice);
    expect(!typo.ok && typo.error.message).toBe('Unknown firewall `fw-cors`. Did you mean `fw-core`? Firewalls you may check here: fw-core.');
    // fw-secret exists, but not for alice: a near miss of it suggests nothing, so the name stays hidden.
    const hidden = authorizeByName(inventory, 'FW-SECRET', alice);
    expect(!hidden.ok && hidden.error.message).toBe('Unknown firewall `FW-SECRET`. Firewalls you may check here: fw-core.');
    const mal = authorizeByName(inventory, 'FW-CORE', mallory);
    expect(!mal.ok && mal.error.message).toBe('Unknown firewall `FW-CORE`. You may not check any firewall from here.');
  });
});

describe('closestName', () => {
  it.each([
    ['FW-DEMO', ['fw-demo', 'fw01'], 'fw-demo'],
    ['fw-bracnh-2', ['fw-branch-1', 'fw-branch-2', 'fw-core'], 'fw-branch-2'],
    ['fw-branch-3', ['fw-branch-1', 'fw-branch-2'], undefined], // two at the same distance: no guess
    ['fw3', ['fw1', 'fw2'], undefined], // short names differ by design
    ['firewall-zz', ['fw-core'], undefined],
  ])('%s among %j → %s', (name, visible, expected) => {
    expect(closestName(name, visible)).toBe(expected);
  });
});

describe('authorize with an explicit visible list', () => {
  it('names the requested firewall when there is no entry', () => {
    const result = authorize(undefined, alice, ['fw-core'], 'fw09');
    expect(!result.ok && result.error.message).toBe('Unknown firewall `fw09`. Firewalls you may check here: fw-core.');
  });
});
