import { FIREWALL_NAME, HOST_KEY_FINGERPRINT, IPV4, SLACK_CHANNEL_ID, SLACK_USER_ID, VDOM_NAME, isHostname } from '../../src/config/patterns';

describe('patterns', () => {
  it.each<[string, boolean]>([
    ['fw01.example.com', true],
    ['fw01', true],
    ['FW-01.Example.NET.', true],
    ['192.0.2.10', true],
    ['xn--bcher-kva.example', true],
    ['-fw01.example.com', false],
    ['fw01-.example.com', false],
    ['fw01..example.com', false],
    ['fw_01.example.com', false],
    ['192.0.2.300', false],
    ['999.1.1.1', false],
    ['', false],
    [`${'a'.repeat(64)}.example.com`, false],
    [`${'a.'.repeat(127)}a`, false],
  ])('isHostname(%j) = %s', (value, expected) => {
    expect(isHostname(value)).toBe(expected);
  });

  it.each<[RegExp, string, boolean]>([
    [IPV4, '0.0.0.0', true],
    [IPV4, '255.255.255.255', true],
    [IPV4, '10.0.0.01', false],
    [IPV4, '1.2.3', false],
    [HOST_KEY_FINGERPRINT, 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU', true],
    // 43rd character with low bits set cannot end the base64 of 32 bytes
    [HOST_KEY_FINGERPRINT, 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraV', false],
    [HOST_KEY_FINGERPRINT, 'SHA256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraUA', false],
    [HOST_KEY_FINGERPRINT, 'sha256:PxMe1AL6M+/f36TUwgLq+LdD+9BRCgNwmAy9iqjkraU', false],
    [FIREWALL_NAME, 'a', true],
    [FIREWALL_NAME, `a${'b'.repeat(62)}`, true],
    [FIREWALL_NAME, `a${'b'.repeat(63)}`, false],
    [FIREWALL_NAME, '_fw', false],
    [VDOM_NAME, 'root', true],
    [VDOM_NAME, 'v'.repeat(31), true],
    [VDOM_NAME, 'v'.repeat(32), false],
    [SLACK_USER_ID, 'U012AB3CD', true],
    [SLACK_USER_ID, 'W012AB3CD', true],
    [SLACK_USER_ID, 'u012ab3cd', false],
    [SLACK_CHANNEL_ID, 'D0123ABCD', true],
    [SLACK_CHANNEL_ID, 'S0123ABCD', false],
  ])('%s matches %j: %s', (pattern, value, expected) => {
    expect(pattern.test(value)).toBe(expected);
  });
});
