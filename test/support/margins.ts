import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Timeouts from measured margins instead of constants tuned on an idle machine. The worst event-loop stall is
 * measured while the test does its own setup (on a loaded 2-core machine that is where stalls show), and a timeout
 * that must survive stalls is set a fixed factor above it, within bounds.
 */
export class StallMeter {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  /** Worst stall seen so far, in ms (the histogram is in ns; the 10 ms sampling resolution is subtracted by Node). */
  stop(): number {
    this.histogram.disable();
    return this.histogram.max / 1e6;
  }
}

/** `factor` × the measured stall, at least `minMs`, at most `maxMs`. */
export function marginAbove(stallMs: number, opts: { factor: number; minMs: number; maxMs: number }): number {
  return Math.round(Math.min(opts.maxMs, Math.max(opts.minMs, stallMs * opts.factor)));
}
