/**
 * The repository explains itself: nothing points outside it for the project's knowledge (notes that a clone does not
 * have), every docs/ page the code names exists, and every link between README.md and docs/ lands on a file and,
 * when it names one, on a heading.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

function files(dir: string, exts: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'fixtures' ? [] : files(full, exts);
    return exts.some((e) => name.endsWith(e)) ? [full] : [];
  });
}

const sources = [
  ...['src', 'test', 'bench', 'scripts', 'docs', 'bin'].flatMap((d) => files(path.join(ROOT, d), ['.ts', '.js', '.md', '.sh', '.py'])),
  ...['README.md', 'Dockerfile', 'compose.yaml', 'manifest.yml', '.env.example', 'inventory.example.yml', '.ci/run'].map((f) => path.join(ROOT, f)),
].filter((f) => f !== __filename);
const rel = (f: string) => path.relative(ROOT, f);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(m[1].trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return anchors;
}

describe('the repository carries its own knowledge', () => {
  it('points nowhere outside itself for it (no ../shared/ notes, no /work paths)', () => {
    const outside = sources.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${rel(f)}:${i + 1}` }))
        .filter(({ line }) => /\.\.\/shared\/|\/work\/shared|\/work\/wt\b|\b(?:DOMAIN|SSH|SLACK|SIP|STYLE)\.md\b/.test(line))
        .map(({ at }) => at),
    );
    expect(outside).toEqual([]);
  });

  it('has every docs/ page the code and the docs name', () => {
    const named = new Set<string>();
    for (const f of sources) for (const m of readFileSync(f, 'utf8').matchAll(/\bdocs\/([a-z0-9-]+\.md)/g)) named.add(m[1]);
    expect(named.size).toBeGreaterThan(3);
    expect([...named].filter((page) => !existsSync(path.join(ROOT, 'docs', page)))).toEqual([]);
  });

  it('links README.md and docs/ to files and headings that exist', () => {
    const pages = [path.join(ROOT, 'README.md'), ...files(path.join(ROOT, 'docs'), ['.md'])];
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const full = file ? path.resolve(path.dirname(page), file) : page;
        if (!existsSync(full)) {
          broken.push(`${rel(page)}: ${target} (no file)`);
          continue;
        }
        if (anchor && full.endsWith('.md') && !anchorsOf(readFileSync(full, 'utf8')).has(anchor)) broken.push(`${rel(page)}: ${target} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
