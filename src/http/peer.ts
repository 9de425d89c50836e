import type { FastifyRequest } from 'fastify';

/**
 * Whether the request's connection comes from this machine: its peer address is the loopback
 * (127.0.0.0/8, ::1, or 127/8 mapped into IPv6). The socket's own address, never a forwarded
 * header: what only this machine may use (the dev mailbox, the demo emulator's admin API) stays
 * out of reach of a neighbour who reaches the port — HOST is 0.0.0.0 by default.
 */
export function fromThisMachine(request: FastifyRequest): boolean {
  const address = request.raw.socket.remoteAddress;
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}
