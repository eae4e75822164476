/**
 * Parsers of firewall output face a compromised or buggy device: random bytes, mutated real output, absurd
 * nesting and very long lines must never throw, and adversarial shapes must finish (a quadratic regex on a
 * 2 MiB line would not, within the test's time). Seeded, so a failure reproduces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyseTranscript } from '../../src/check/analyse';
import { parseConfig } from '../../src/fortios/configParser';
import {
  parseDebugFlow, parseSessionList, parseSipHelperStatus, parseSipProxyCalls, parseSipProxyStats, parseSystemStatus, parseVdList,
} from '../../src/fortios/parsers';
import { parseTranscript } from '../../src/fortios/transcript';
import { seededRandom } from '../../src/simulator/debugStream';

const PARSERS: Array<[string, (text: string) => unknown]> = [
  ['parseConfig', parseConfig],
  ['parseSystemStatus', parseSystemStatus],
  ['parseVdList', parseVdList],
  ['parseSipProxyStats', parseSipProxyStats],
  ['parseSipProxyCalls', parseSipProxyCalls],
  ['parseSipHelperStatus', parseSipHelperStatus],
  ['parseSessionList', parseSessionList],
  ['parseDebugFlow', parseDebugFlow],
  ['parseTranscript', parseTranscript],
  ['analyseTranscript(parseTranscript)', (t) => analyseTranscript(parseTranscript(t))],
];

const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'verdict');
const REAL = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(path.join(FIXTURE_DIR, f), 'latin1'));
const ALPHABET = ' \t\r\n#$()"\'\\=:;,./-_0123456789abcdefxyzSETNEXTEND{}[]<>--More--\x00\x1b\u00e9';

function mutate(text: string, random: () => number): string {
  const lines = text.split('\n');
  for (let i = 0; i < 30; i++) {
    const at = Math.floor(random() * lines.length);
    const op = Math.floor(random() * 5);
    if (op === 0) lines.splice(at, 1);
    else if (op === 1) lines.splice(at, 0, lines[Math.floor(random() * lines.length)] ?? '');
    else if (op === 2) lines[at] = (lines[at] ?? '').slice(0, Math.floor(random() * 40));
    else if (op === 3) lines[at] = (lines[at] ?? '') + ALPHABET[Math.floor(random() * ALPHABET.length)].repeat(1 + Math.floor(random() * 200));
    else lines[at] = Array.from({ length: 60 }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
  }
  return lines.join(random() < 0.5 ? '\n' : '\r\n');
}

describe('parsers of firewall output under hostile input', () => {
  test.each(PARSERS)('%s never throws on random bytes or mutated real output', (_name, parse) => {
    const random = seededRandom(0x5eed);
    for (let i = 0; i < 60; i++) {
      const noise = Array.from({ length: Math.floor(random() * 3000) }, () => String.fromCharCode(Math.floor(random() * 256))).join('');
      expect(() => parse(noise)).not.toThrow();
      expect(() => parse(mutate(REAL[i % REAL.length], random))).not.toThrow();
    }
  });

  const ADVERSARIAL: Array<[string, string]> = [
    ['a 2 MiB line of spaces', ' '.repeat(2 * 1024 * 1024)],
    ['a 2 MiB unterminated quote', `set comments "${'a\\"'.repeat(700_000)}`],
    ['100k nested config blocks', 'config a\n'.repeat(100_000)],
    ['200k `edit` lines', 'config firewall policy\n' + '    edit 1\n'.repeat(200_000)],
    ['a 1 MiB prompt-looking line', `FGT # ${'x # '.repeat(260_000)}`],
    ['1 MiB of `session info:` headers', 'session info: proto=17 '.repeat(45_000)],
    ['1 MiB of `=` pairs without separators', 'a='.repeat(500_000)],
  ];
  test.each(ADVERSARIAL)('every parser finishes on %s', (_name, input) => {
    for (const [, parse] of PARSERS) expect(() => parse(input)).not.toThrow();
  });
});
