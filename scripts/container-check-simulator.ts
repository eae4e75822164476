/**
 * The firewall for scripts/container-check.sh: the fw-demo scenario on loopback, outside the container. Prints one
 * JSON line with its port and host key fingerprint, then one `debug ...` line whenever its debug state changes, and
 * at the end (SIGTERM) one `final {...}` JSON line: the debug state, and whether a
 * `diagnose debug reset` followed the last `diagnose debug enable`.
 *   SIM_PASSWORD=... npx ts-node --transpile-only scripts/container-check-simulator.ts
 * (the password in the environment, not on the command line where any local user could read it).
 */
import { FortiGateSimulator, loadScenario } from '../src/simulator';
import { isDebugClean } from '../src/simulator/types';
import { DEMO_SCENARIO } from '../src/simulator/cli';

async function main(): Promise<void> {
  const password = process.env.SIM_PASSWORD;
  if (!password) throw new Error('usage: SIM_PASSWORD=... container-check-simulator.ts');
  const sim = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users: [{ username: 'sip-check', password }] });
  const port = await sim.start();
  process.stdout.write(`${JSON.stringify({ port, fingerprint: sim.hostKeyFingerprint })}\n`);
  let last = '';
  const poll = setInterval(() => {
    const d = sim.state.debug;
    const now = `debug enabled=${d.enabled} levels=${JSON.stringify(d.levels)} enables=${d.enables} resets=${d.resets}`;
    if (now !== last) process.stdout.write(`${now}\n`);
    last = now;
  }, 100);
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    clearInterval(poll);
    const log = sim.commandLog.map((e) => e.command);
    const lastEnable = log.lastIndexOf('diagnose debug enable');
    const final = {
      clean: isDebugClean(sim.state),
      enables: sim.state.debug.enables,
      resetAfterLastEnable: lastEnable >= 0 && log.slice(lastEnable).includes('diagnose debug reset'),
      configWrites: sim.state.configWrites.length,
      commands: log.length,
    };
    process.stdout.write(`final ${JSON.stringify(final)}\n`);
    await sim.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void finish());
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
