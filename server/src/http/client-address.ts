/**
 * The address a request comes from, as the login limits count it. For now the socket's peer; a
 * server behind a reverse proxy would see only the proxy here.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';

export function clientAddress(req: IncomingMessage, config: Config): string {
  void config;
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d: the same client either way.
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}
