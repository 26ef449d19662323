/**
 * The server's own log under a flood, from the real entry point as a child process: a flood is one
 * warning when it starts (and one when it ends), not one line per refused command or handshake; and
 * the server still stops cleanly (its worker threads with it) once a long job has run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterEach, expect, it } from 'vitest';
import type { Ack } from '../../../shared/errors';
import { freePort, startServerIn, type ServerProcess } from '../testing/processes';

let dir: string;
let server: ServerProcess | undefined;
afterEach(async () => {
  server?.proc.kill('SIGKILL');
  await server?.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

const lines = (output: string, msg: string) => output.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;

function open(url: string, token: string): Promise<Socket> {
  const socket = connectClient(url, {
    auth: { face: 'manager', token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

it('a flood of commands and of sockets is logged once each, and the server stops cleanly after', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-volume-logs-'));
  const port = await freePort();
  server = await startServerIn(dir, port);
  const url = `http://127.0.0.1:${port}`;
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ face: 'manager', login: 'gestion', secret: 'demoville-gestion' })
  });
  const token = decodeURIComponent(/=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!);

  const manager = await open(url, token);
  const acks = await Promise.all(
    Array.from({ length: 2000 }, () => new Promise<Ack<unknown>>((resolve) => manager.emit('procedure:list', {}, resolve)))
  );
  expect(acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length).toBeGreaterThan(1000);
  // A file is read in its worker thread, so that one is running when the server is stopped.
  const checked = await new Promise<Ack<unknown>>((resolve) => {
    const retry = () =>
      manager.emit('procedure:validate', { source: 'id: x\n' }, (ack: Ack<unknown>) =>
        !ack.ok && ack.error.code === 'rate_limited' ? setTimeout(retry, ack.error.retryAfterMs) : resolve(ack)
      );
    retry();
  });
  expect(checked).toMatchObject({ ok: true, data: { ok: false } });

  const sockets = await Promise.all(Array.from({ length: 100 }, () => open(url, token).catch((error: Error) => error)));
  expect(sockets.filter((s) => s instanceof Error).length).toBe(100 - 7);

  const output = server.output();
  expect(lines(output, 'socket over its command rate: refusing')).toBe(1);
  expect(lines(output, 'connections refused: too many sockets for one credential')).toBe(1);

  server.proc.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}, 60_000);
