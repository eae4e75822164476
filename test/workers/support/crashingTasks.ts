import { TASKS as REAL } from '../../../src/workers/tasks';

/**
 * The real tasks, plus two ways to fail that a test can ask for through the input: a worker that dies
 * (`firewall` `crash-*`, as a native addon or an out-of-memory would end it) and one that never answers
 * (`hang-*`), one that eats memory without end (`hog-*`), one that throws (`throw-*`). Loaded inside the pool's workers (TypeScript through the pool's ts-node bootstrap).
 */
export const TASKS = {
  ...REAL,
  report(input: Parameters<typeof REAL.report>[0]) {
    if (input.firewall.startsWith('crash')) process.exit(3);
    if (input.firewall.startsWith('hang')) for (;;);
    if (input.firewall.startsWith('throw')) throw new Error('a bug in the analysis');
    if (input.firewall.startsWith('hog')) {
      // Many separate small objects, as an analysis that grows without end would make. Node ends a worker at its
      // heap limit on a best-effort basis: one array grown by push(), or one huge allocation, can abort the whole
      // process instead (nodejs/node#47224), which is not what this test is about.
      let kept: { next: unknown; text: string } | null = null;
      for (let n = 0; ; n++) kept = { next: kept, text: 'x'.repeat(10_000) + n };
    }
    return REAL.report(input);
  },
};
