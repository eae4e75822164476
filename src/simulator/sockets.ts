import type { Socket } from 'node:net';
import type { Server } from 'ssh2';

/**
 * A TCP connection accepted by a simulated SSH server (the FortiGate, the bastion): kept by its remote port so faults
 * can drop it, forgotten when it closes, and handed to ssh2. Without setNoDelay every keystroke echo meets Nagle +
 * delayed ACK (docs/ssh.md): ~350 ms instead of ~13 ms per session.
 */
export function adoptSocket(socket: Socket, sockets: Map<number, Socket>, server: Server): void {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const port = socket.remotePort ?? -1;
  sockets.set(port, socket);
  socket.once('close', () => {
    if (sockets.get(port) === socket) sockets.delete(port);
  });
  server.injectSocket(socket);
}
