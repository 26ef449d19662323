/**
 * The baseline for `bench:calls`: a bare socket.io server that only relays, with the same
 * transport settings as Guichet's hub and no validation, store or rooms per site. A "ring" from a
 * kiosk goes to every agent; an "edit" goes to the one peer in its pair; a "ticket" sends the
 * queue's state (as large as Guichet's, given once by `set-state`) to every socket, then acks.
 */
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 10_000, pingTimeout: 10_000, serveClient: false });
let state: unknown = {};

io.on('connection', (socket) => {
  const { role } = socket.handshake.auth as { role: 'kiosk' | 'agent' };
  if (role === 'agent') void socket.join('agents');
  socket.on('join-pair', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
  socket.on('ring', (payload: unknown, ack: (r: { ok: true }) => void) => {
    ack({ ok: true });
    io.to('agents').emit('ring', payload);
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
