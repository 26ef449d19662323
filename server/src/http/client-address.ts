/** The address a request comes from, as limits per client count it. */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';

// `config` is where a trusted reverse proxy would be named; the socket's own peer is used here.
export function clientAddress(req: IncomingMessage, config: Config): string {
  void config;
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}
