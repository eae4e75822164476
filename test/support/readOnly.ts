import { readOnlyViolations } from '../../src/fortios/readOnly';
import type { FortiGateSimulator } from '../../src/simulator';

/**
 * Every line the simulated device received (run, or typed while it hung) must be on the read-only allow-list
 * (src/fortios/readOnly.ts), and no config may have been written. Throws with the offending lines.
 */
export function expectReadOnly(sim: FortiGateSimulator, what = 'the device'): void {
  const violations = readOnlyViolations(sim.commandLog.map((e) => e.command), { vdoms: sim.vdoms });
  if (violations.length) {
    throw new Error(`${what} received commands outside the read-only allow-list:\n${violations.map((v) => `  ${JSON.stringify(v.line)}: ${v.why}`).join('\n')}`);
  }
  if (sim.state.configWrites.length) throw new Error(`${what} had config written: ${JSON.stringify(sim.state.configWrites)}`);
}

/** The `diagnose debug ...` lines the device received (a row that never enables debug must send none). */
export function debugCommandsReceived(sim: FortiGateSimulator): string[] {
  return sim.commandLog.map((e) => e.command).filter((c) => /^diagnose debug\b/.test(c));
}

/** afterEach of every test that runs checks: asserts the allow-list, then closes the simulator whatever happened. */
export async function closeReadOnly(sim: FortiGateSimulator | undefined): Promise<void> {
  if (!sim) return;
  try {
    expectReadOnly(sim);
  } finally {
    await sim.close();
  }
}
