/**
 * The baseline for `bench:calls`: a bare socket.io server that only relays, with the same
 * transport settings as Guichet's hub and no validation or store. A "ring" from a kiosk goes to
 * every agent (to its site's agents only when the kiosk names a site); an "edit" goes to the one
 * peer in its pair; a "ticket" sends the queue's state (as large as Guichet's, given once by
 * `set-state`) to every socket, then acks.
 *
 * With RELAY_DATABASE_URL (`bench:calls --nodes N`) it is one of N nodes, joined by Guichet's own
 * adapter (server/src/cluster/adapter.ts: socket.io's PostgreSQL adapter, this node's sockets
 * served first), and answers `whoami` with RELAY_NODE_NAME.
 */
import http from 'node:http';
import pino from 'pino';
import { Server } from 'socket.io';
import { attachPostgresAdapter } from '../../server/src/cluster/adapter';
import type { GuichetServer } from '../../server/src/socket/types';

const port = Number(process.argv[2] ?? 0);
const databaseUrl = process.env.RELAY_DATABASE_URL;
const nodeName = process.env.RELAY_NODE_NAME ?? 'relay';
// HAProxy's health check (`--nodes`): a node that answers is up.
const httpServer = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404);
  res.end();
});
const io = new Server(httpServer, { pingInterval: 10_000, pingTimeout: 10_000, serveClient: false });
if (databaseUrl) await attachPostgresAdapter(io as unknown as GuichetServer, databaseUrl, pino({ level: 'warn' }));
let state: unknown = {};

const agentsOf = (site: string | undefined) => (site === undefined ? 'agents' : `agents:${site}`);

io.on('connection', (socket) => {
  const { role, site } = socket.handshake.auth as { role: 'kiosk' | 'agent'; site?: string };
  if (role === 'agent') void socket.join(agentsOf(site));
  socket.on('whoami', (ack: (name: string) => void) => ack(nodeName));
  socket.on('join-pair', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
  socket.on('ring', (payload: { site?: string }, ack: (r: { ok: true }) => void) => {
    ack({ ok: true });
    io.to(agentsOf(payload.site)).emit('ring', payload);
  });
  socket.on('edit', (room: string, payload: unknown, ack: (r: { ok: true }) => void) => {
    ack({ ok: true });
    socket.to(room).emit('edit', payload);
  });
  socket.on('set-state', (payload: unknown, ack: (r: { ok: true }) => void) => {
    state = payload;
    ack({ ok: true });
  });
  socket.on('ticket', (requestId: string, ack: (r: { ok: true; data: { requestId: string } }) => void) => {
    io.emit('queue', state);
    ack({ ok: true, data: { requestId } });
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  const address = httpServer.address();
  console.log(`relay listening ${typeof address === 'object' && address ? address.port : port}`);
});
