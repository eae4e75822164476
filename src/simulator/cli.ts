/**
 * Runs a FortiGate simulator by hand:
 *   npx ts-node --transpile-only src/simulator/cli.ts --scenario src/simulator/scenarios/fw-demo.txt \
 *     --port 2222 --user admin --password admin
 * then `ssh -p 2222 admin@127.0.0.1`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from './scenario';
import { FortiGateSimulator } from './simulator';
import type { SimulatorUser } from './types';

export const DEMO_SCENARIO = join(__dirname, 'scenarios', 'fw-demo.txt');

const USAGE = `usage: simulator [--scenario FILE] [--host 127.0.0.1] [--port 0] [--user admin] [--password admin]
                 [--authorized-keys FILE] [--latency-ms N] [--max-admins N]`;

interface CliArgs {
  scenario: string;
  host: string;
  port: number;
  user: string;
  password?: string;
  authorizedKeys?: string;
  latencyMs: number;
  maxAdmins?: number;
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { scenario: DEMO_SCENARIO, host: '127.0.0.1', port: 0, user: 'admin', latencyMs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      i++;
      return value;
    };
    const int = (): number => {
      const v = need();
      if (!/^\d+$/.test(v)) throw new Error(`${flag} must be a non-negative integer`);
      return Number(v);
    };
    switch (flag) {
      case '--scenario': args.scenario = need(); break;
      case '--host': args.host = need(); break;
      case '--port': args.port = int(); break;
      case '--user': args.user = need(); break;
      case '--password': args.password = need(); break;
      case '--authorized-keys': args.authorizedKeys = need(); break;
      case '--latency-ms': args.latencyMs = int(); break;
      case '--max-admins': args.maxAdmins = int(); break;
      case '--help': case '-h': throw new Error(USAGE);
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (args.password === undefined && args.authorizedKeys === undefined) args.password = 'admin';
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const user: SimulatorUser = { username: args.user };
  if (args.password !== undefined) user.password = args.password;
  if (args.authorizedKeys) {
    user.publicKeys = readFileSync(args.authorizedKeys, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  }
  const sim = new FortiGateSimulator({
    scenario: loadScenario(args.scenario),
    users: [user],
    host: args.host,
    port: args.port,
    latency: { perCommandMs: args.latencyMs },
    ...(args.maxAdmins !== undefined ? { maxAdmins: args.maxAdmins } : {}),
  });
  const port = await sim.start();
  process.stdout.write(
    `FortiGate simulator ${sim.hostname} listening on ${args.host}:${port}\n` +
      `host key fingerprint: ${sim.hostKeyFingerprint}\n` +
      `login: ssh -p ${port} ${args.user}@${args.host}\n`,
  );
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
