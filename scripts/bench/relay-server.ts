/**
 * The baseline for `bench:calls`: a bare socket.io server that only relays, with the same
 * transport settings as Guichet's hub and no validation, store or rooms per site. A "ring" from a
 * kiosk goes to every agent; an "edit" goes to the one peer in its pair.
 */
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 10_000, pingTimeout: 10_000, serveClient: false });

io.on('connection', (socket) => {
  const { role, pair } = socket.handshake.auth as { role: 'kiosk' | 'agent'; pair?: string };
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
  void pair;
});

httpServer.listen(port, '127.0.0.1', () => {
  const address = httpServer.address();
  console.log(`relay listening ${typeof address === 'object' && address ? address.port : port}`);
});
