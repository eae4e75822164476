import { utils } from 'ssh2';
import { parseableKeyPair } from '../support/sshKeys';

// A public key as ssh2 1.17 generates it about once in 256 ed25519 draws: the key's leading zero byte was stripped,
// so the blob holds 31 bytes and ssh2's own parser refuses it (mscdex/ssh2#1513). Captured from the generator here.
const STRIPPED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAH9rzElclFMpLbc52+7UXmlKZhWfpGdOY1tGJJ1mmwrg=';

describe('test key pairs ssh2 can parse back', () => {
  it('the stripped public key is one ssh2 refuses (the reason for the helper)', () => {
    expect(utils.parseKey(STRIPPED)).toBeInstanceOf(Error);
  });

  it('draws again past a pair whose public or private half does not parse', () => {
    const good = utils.generateKeyPairSync('ecdsa', { bits: 256 });
    const draws = [
      { private: good.private, public: STRIPPED },
      { private: 'not a key', public: good.public },
      good,
    ];
    let calls = 0;
    expect(parseableKeyPair(() => draws[calls++]!)).toBe(good);
    expect(calls).toBe(3);
  });

  it('checks the private half with its passphrase, and gives up after 64 bad draws', () => {
    const locked = utils.generateKeyPairSync('ecdsa', { bits: 256, passphrase: 'pp', cipher: 'aes256-cbc', rounds: 1 });
    expect(parseableKeyPair(() => locked, 'pp')).toBe(locked);
    let calls = 0;
    expect(() => parseableKeyPair(() => (calls++, locked), 'wrong')).toThrow('no parseable key pair in 64 attempts');
    expect(calls).toBe(64);
  });
});
