import { utils } from 'ssh2';

interface KeyPair {
  private: string;
  public: string;
}

/**
 * A key pair from ssh2's generator that ssh2 itself can parse back, both halves: `generate` is called again until
 * it gives one.
 *
 * ssh2 1.17's `generateKeyPairSync('ed25519')` strips every leading zero byte of the public key's BIT STRING, the
 * key's own first byte included, so about 1 in 256 ed25519 pairs carry a 31-byte public key that `parseKey` calls
 * "Malformed OpenSSH public key" (mscdex/ssh2#1513; CI failed on it once). Tests that generate keys go through here
 * so a one-in-256 draw cannot fail them.
 */
export function parseableKeyPair(generate: () => KeyPair, passphrase?: string): KeyPair {
  for (let attempt = 0; attempt < 64; attempt++) {
    const pair = generate();
    if (utils.parseKey(pair.public) instanceof Error) continue;
    if (utils.parseKey(pair.private, passphrase) instanceof Error) continue;
    return pair;
  }
  throw new Error('ssh2 gave no parseable key pair in 64 attempts');
}
