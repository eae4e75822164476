/**
 * The picture of the code in docs/architecture.md, kept true: no import cycles between modules of src/, and the pure
 * core (FortiOS text, SIP, verdict, capture file) imports nothing from the edges that do I/O.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? tsFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports and re-exports of one file (type-only ones too: they tie the modules' pictures together). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"](\.[^'"]+)['"]/gm)) {
    const target = path.resolve(path.dirname(file), m[1]);
    const resolved = [`${target}.ts`, path.join(target, 'index.ts')].find((c) => existsSync(c));
    if (resolved) out.push(resolved);
  }
  return out;
}

const rel = (f: string) => path.relative(SRC, f);
const graph = new Map(tsFiles(SRC).map((f) => [f, importsOf(f)]));

/** Strongly connected components with more than one file (Tarjan). */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layout of src/', () => {
  it('reads the imports it checks (a sanity check of the scanner)', () => {
    expect(graph.get(path.join(SRC, 'adapters', 'slack', 'reporter.ts'))?.map(rel)).toContain(path.join('adapters', 'slack', 'coalescedEdits.ts'));
    expect(graph.size).toBeGreaterThan(50);
  });

  it('has no import cycles', () => {
    expect(cycles()).toEqual([]);
  });

  it('keeps the pure core free of the I/O edges (fortigate/, adapters/, check/, fleet/, redis/, simulator/, ops/, workers/)', () => {
    const pure = ['fortios', 'sip', 'verdict', 'pcap'];
    const edges = ['fortigate', 'adapters', 'check', 'fleet', 'redis', 'simulator', 'ops', 'workers'];
    const crossings: string[] = [];
    for (const [file, deps] of graph) {
      if (!pure.includes(rel(file).split(path.sep)[0])) continue;
      for (const dep of deps) if (edges.includes(rel(dep).split(path.sep)[0])) crossings.push(`${rel(file)} -> ${rel(dep)}`);
    }
    expect(crossings).toEqual([]);
  });

  it('keeps the pure core free of the renderings (report/ and the adapters draw from the core, not the reverse)', () => {
    const pure = ['fortios', 'sip', 'verdict', 'pcap'];
    const crossings: string[] = [];
    for (const [file, deps] of graph) {
      if (!pure.includes(rel(file).split(path.sep)[0])) continue;
      for (const dep of deps) if (rel(dep).split(path.sep)[0] === 'report') crossings.push(`${rel(file)} -> ${rel(dep)}`);
    }
    expect(crossings).toEqual([]);
  });
});
