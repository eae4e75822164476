import { fingerprintOf, makeHostVerifier, normaliseFingerprint, parseKnownHosts } from '../../src/fortigate/hostKey';

// Keys and fingerprints produced by OpenSSH (`ssh-keygen -t ed25519|ecdsa`, `ssh-keygen -lf`, `ssh-keygen -H`).
const ED25519_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIE5g7Vc3UoR4AGzjW/jgilD0fzfXbVjvvMSoL9DT2tk/';
const ED25519_FP = 'SHA256:MzLm51qqI/j/c8Kt/5y7Mmdwkv7FlQp+pWb04FKUM7g';
const ECDSA_B64 =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBN+kA5Oae5t4ffwhfyCvWYYavMSqwRpLvacs3iS19OTF2wn6ZNyjYpUgWadxdawWBa6ByjlkGusVwmCdf/aSe3g=';
const ECDSA_FP = 'SHA256:8va05FyCHbAXMBRNg67N5ZG9vRzUc/6P7CRqRICqitQ';

describe('fingerprintOf', () => {
  it('equals ssh-keygen -lf for the raw key blob (unpadded base64 of sha256)', () => {
    expect(fingerprintOf(Buffer.from(ED25519_B64, 'base64'))).toBe(ED25519_FP);
    expect(fingerprintOf(Buffer.from(ECDSA_B64, 'base64'))).toBe(ECDSA_FP);
  });
});

describe('normaliseFingerprint', () => {
  it('accepts padded, prefixed and bare forms', () => {
    expect(normaliseFingerprint(ED25519_FP + '=')).toBe(ED25519_FP);
    expect(normaliseFingerprint(ED25519_FP.slice('SHA256:'.length))).toBe(ED25519_FP);
    expect(normaliseFingerprint(`  ${ED25519_FP} `)).toBe(ED25519_FP);
  });
});

describe('parseKnownHosts', () => {
  const plain = [
    '# firewalls',
    `fw1.example.net,10.0.0.1 ssh-ed25519 ${ED25519_B64} fw1`,
    `[fw2.example.net]:2222 ecdsa-sha2-nistp256 ${ECDSA_B64}`,
    `@revoked fw3.example.net ssh-ed25519 ${ED25519_B64}`,
    `@cert-authority *.example.net ssh-ed25519 ${ED25519_B64}`,
    '',
  ].join('\n');

  it('finds plain entries on port 22 by any listed name', () => {
    expect(parseKnownHosts(plain, 'fw1.example.net', 22)).toEqual([ED25519_FP]);
    expect(parseKnownHosts(plain, '10.0.0.1', 22)).toEqual([ED25519_FP]);
  });

  it('needs the [host]:port form for other ports', () => {
    expect(parseKnownHosts(plain, 'fw2.example.net', 2222)).toEqual([ECDSA_FP]);
    expect(parseKnownHosts(plain, 'fw2.example.net', 22)).toEqual([]);
    expect(parseKnownHosts(plain, 'fw1.example.net', 2222)).toEqual([]);
  });

  it('ignores @revoked and @cert-authority lines and comments', () => {
    expect(parseKnownHosts(plain, 'fw3.example.net', 22)).toEqual([]);
    expect(parseKnownHosts(plain, 'x.example.net', 22)).toEqual([]);
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const hashed = [
      `|1|WVU+glnYnyVP1+UvyQfvPiX88LA=|doHN84wF39melfdFPQImEm2njV0= ssh-ed25519 ${ED25519_B64}`,
      `|1|sVJSER7Z+SfmAoR5tdMDtPEA2JA=|IkaiU2iylmKxZDVoG2NWGiVv80M= ssh-ed25519 ${ED25519_B64}`,
      `|1|ugVmC0J8abwgF1P005K7yopFU0o=|V5vUj20MmCFo3l3rzfGrrM9BcE4= ecdsa-sha2-nistp256 ${ECDSA_B64}`,
    ].join('\n');
    expect(parseKnownHosts(hashed, 'fw1.example.net', 22)).toEqual([ED25519_FP]);
    expect(parseKnownHosts(hashed, '10.0.0.1', 22)).toEqual([ED25519_FP]);
    expect(parseKnownHosts(hashed, 'fw2.example.net', 2222)).toEqual([ECDSA_FP]);
    expect(parseKnownHosts(hashed, 'fw2.example.net', 22)).toEqual([]);
    expect(parseKnownHosts(hashed, 'other', 22)).toEqual([]);
  });

  it('supports wildcards and negation', () => {
    const text = `*.dc1.example.net,!fw9.dc1.example.net ssh-ed25519 ${ED25519_B64}\n`;
    expect(parseKnownHosts(text, 'fw1.dc1.example.net', 22)).toEqual([ED25519_FP]);
    expect(parseKnownHosts(text, 'fw9.dc1.example.net', 22)).toEqual([]);
    expect(parseKnownHosts(text, 'fw1.dc2.example.net', 22)).toEqual([]);
    expect(parseKnownHosts(`fw?.example.net ssh-ed25519 ${ED25519_B64}`, 'fw7.example.net', 22)).toEqual([ED25519_FP]);
  });

  it('collects several keys for one host once each, and skips malformed keys', () => {
    const text = [
      `fw1 ssh-ed25519 ${ED25519_B64}`,
      `fw1 ecdsa-sha2-nistp256 ${ECDSA_B64}`,
      `fw1 ssh-ed25519 ${ED25519_B64}`,
      'fw1 ssh-ed25519 not*base64',
      'fw1 ssh-ed25519',
    ].join('\r\n');
    expect(parseKnownHosts(text, 'fw1', 22)).toEqual([ED25519_FP, ECDSA_FP]);
  });

  it('answers a pathological wildcard pattern without regex backtracking', () => {
    const pattern = '*a'.repeat(200) + 'b';
    const text = `${pattern} ssh-ed25519 ${ED25519_B64}`;
    expect(parseKnownHosts(text, 'a'.repeat(250), 22)).toEqual([]);
  });
});

describe('makeHostVerifier', () => {
  it('accepts only pinned keys and reports what was presented', () => {
    const results: Array<{ ok: boolean; presented: string }> = [];
    const verify = makeHostVerifier([ECDSA_FP + '='], (r) => results.push(r));
    expect(verify(Buffer.from(ECDSA_B64, 'base64'))).toBe(true);
    expect(verify(Buffer.from(ED25519_B64, 'base64'))).toBe(false);
    expect(results).toEqual([
      { ok: true, presented: ECDSA_FP },
      { ok: false, presented: ED25519_FP },
    ]);
  });

  it('refuses every key when nothing is pinned', () => {
    const verify = makeHostVerifier([], () => undefined);
    expect(verify(Buffer.from(ED25519_B64, 'base64'))).toBe(false);
  });
});
