import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port a test draws from: above the well-known and registered services a machine may run. */
const FLOOR = 20_000;
/** Fewer free ports than this outside the kernel's ephemeral range: draw anywhere (and say why in the error). */
const ROOM = 2_000;

/**
 * The kernel's ephemeral range (Linux: `net.ipv4.ip_local_port_range`, 32768-60999 by default). Neither `listen(0)`
 * nor an outgoing `connect()` is given a port outside it.
 */
function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return { low, high };
  } catch {
    // not Linux, or no /proc: Linux's default
  }
  return { low: 32_768, high: 60_999 };
}

/** Where tests draw from: below the ephemeral range when there is room, else above it, else anywhere from FLOOR. */
function drawRange(): { from: number; to: number } {
  const { low, high } = ephemeralRange();
  if (low - FLOOR >= ROOM) return { from: FLOOR, to: low };
  if (65_536 - (high + 1) >= ROOM) return { from: high + 1, to: 65_536 };
  return { from: FLOOR, to: 65_536 };
}

const RANGE = drawRange();
/**
 * Each jest worker draws from its own slice (JEST_WORKER_ID counts from 1), so two workers never draw one port; this
 * process never hands out one port twice.
 */
const SLICES = 8;
const slice = (() => {
  const size = Math.floor((RANGE.to - RANGE.from) / SLICES);
  const worker = (Math.max(1, Number(process.env.JEST_WORKER_ID) || 1) - 1) % SLICES;
  return { from: RANGE.from + worker * size, size };
})();
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nothing listens on now and nothing will take by chance: drawn outside the kernel's ephemeral range,
 * so no `listen(0)` of this or another test process, and no outgoing connection, is handed it later.
 *
 * For a port a test keeps closed (an unreachable firewall, Slack down), hands to a child process to bind, or
 * binds again after a restart. A port from `listen(0)` that is released and used later is a race: the kernel hands
 * the same few thousand ports to every `listen(0)` on the machine, and CI runs two test workers and their children.
 */
export async function unusedPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = slice.from + Math.floor(Math.random() * slice.size);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port in ${slice.from}-${slice.from + slice.size - 1} in 100 draws`);
}
