import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port a test draws from: above the well-known and registered services a machine may run. */
const FLOOR = 20_000;

/**
 * The first port of the kernel's ephemeral range (Linux: `net.ipv4.ip_local_port_range`, 32768 by default).
 * Neither `listen(0)` nor an outgoing `connect()` is ever given a port below it.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FLOOR + 1000) return low;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152
    return 49_152;
  }
  return 32_768;
}

const LOW = ephemeralLow();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nothing listens on now and nothing will take by chance: drawn at random below the ephemeral
 * range, so no `listen(0)` of this or another test process, and no outgoing connection, is handed it later.
 *
 * For a port a test keeps closed (an unreachable firewall, Slack down), hands to a child process to bind, or
 * binds again after a restart. A port from `listen(0)` that is released and used later is a race: the kernel hands
 * the same few thousand ports to every `listen(0)` on the machine, and CI runs two test workers and their children.
 */
export async function unusedPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FLOOR + Math.floor(Math.random() * (LOW - FLOOR));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port between ${FLOOR} and ${LOW} in 100 draws`);
}
