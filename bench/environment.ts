/**
 * Child process of the benchmarks: N simulated FortiGates (each its own ssh2 server on a loopback port) and,
 * on request, the local fake Slack Web API. Driven over IPC by `Environment` in lib.ts. Keeping the "device"
 * and "Slack" out of the bot's process means the bot's event loop and RSS are its own.
 */
import { readOnlyViolations } from '../src/fortios/readOnly';
import { isDebugClean, FortiGateSimulator, loadScenario } from '../src/simulator';
import { FakeSlack } from '../test/support/fakeSlack';
import { BENCH_PASSWORD, type EnvironmentReply, type EnvironmentRequest } from './lib';

const simulators: Array<{ name: string; sim: FortiGateSimulator }> = [];
let slack: FakeSlack | undefined;

function reply(message: EnvironmentReply): void {
  process.send?.(message);
}

async function handle(request: EnvironmentRequest): Promise<EnvironmentReply> {
  switch (request.type) {
    case 'start': {
      const scenario = loadScenario(request.scenario);
      for (let i = 1; i <= request.count; i++) {
        const name = `fw${String(i).padStart(2, '0')}`;
        const sim = new FortiGateSimulator({ scenario, users: [{ username: 'admin', password: BENCH_PASSWORD }], latency: { perCommandMs: request.perCommandMs }, seed: i });
        await sim.start();
        simulators.push({ name, sim });
      }
      // Slack's posting pace is not the bot's cost: the bench measures the bot (its queue still runs, unpaced).
      if (request.slack) slack = await FakeSlack.start({ pacing: null });
      return { type: 'ready', firewalls: simulators.map(({ name, sim }) => ({ name, port: sim.port, fingerprint: sim.hostKeyFingerprint })), slackBaseUrl: slack?.baseUrl };
    }
    case 'latency':
      for (const { sim } of simulators) sim.setLatency({ perCommandMs: request.perCommandMs });
      return { type: 'latency-set' };
    case 'state': {
      const slackCalls: Record<string, number> = {};
      for (const call of slack?.calls() ?? []) slackCalls[call.method] = (slackCalls[call.method] ?? 0) + 1;
      return {
        type: 'state',
        firewalls: simulators.map(({ name, sim }) => ({
          name,
          configWrites: sim.state.configWrites.length,
          logins: sim.state.logins,
          debugClean: isDebugClean(sim.state),
          debugCommands: sim.commandLog.filter((c) => /^diag(?:nose)? debug\b/.test(c.command)).length,
          violations: readOnlyViolations(sim.commandLog.map((e) => e.command), { vdoms: sim.vdoms }).map((v) => `${v.line}: ${v.why}`),
        })),
        slackCalls,
        // CPU time of this process (the simulated firewalls), so a benchmark can tell the device's share from the bot's.
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      };
    }
    case 'stop':
      await Promise.all(simulators.map(({ sim }) => sim.close()));
      await slack?.close();
      return { type: 'stopped' };
  }
}

process.on('message', (request: EnvironmentRequest) => {
  handle(request).then(
    (r) => {
      reply(r);
      if (r.type === 'stopped') process.disconnect?.();
    },
    (e: unknown) => reply({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
