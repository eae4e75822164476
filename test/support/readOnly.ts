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

/**
 * The `diagnose debug ...` lines the device received that change debug state (reads such as `diagnose debug info`
 * left out): a row that never enables debug must send none.
 */
export function debugCommandsReceived(sim: FortiGateSimulator): string[] {
  return sim.commandLog.map((e) => e.command).filter((c) => /^diagnose debug\b/.test(c) && !DEBUG_READS.test(c));
}
const DEBUG_READS = /^diagnose debug (?:info|duration|application \S+)$/;

/** Lines that switch debug output or a debug level on. */
export function debugSwitchedOn(lines: readonly string[]): string[] {
  return lines.filter((c) => c === 'diagnose debug enable' || /^diagnose debug application \S+ -?[1-9]\d*$/.test(c));
}

/**
 * After the last line that switched debug on, the device received `diagnose debug disable` and then `diagnose debug
 * reset` (restoring settings such as the console timestamp may follow). Returns why not, or null.
 */
export function resetAfterLastSwitchOn(lines: readonly string[]): string | null {
  const on = lines.reduce((at, c, i) => (debugSwitchedOn([c]).length ? i : at), -1);
  if (on < 0) return 'debug was never switched on';
  const disable = lines.indexOf('diagnose debug disable', on + 1);
  if (disable < 0) return `no \`diagnose debug disable\` after \`${lines[on]}\``;
  if (lines.indexOf('diagnose debug reset', disable + 1) < 0) return 'no `diagnose debug reset` after the last `diagnose debug disable`';
  return null;
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
