/**
 * The real server process killed with SIGKILL during a ringing call and during a joined session:
 * after a restart on the same data, the kiosk's and the tablets' own socket.io clients reconnect by
 * themselves and find the same call and the same session, with nothing lost.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../clock';
import { openDatabase } from '../db/database';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { createSqliteStore } from '../store';
import { callFromNewSession, ok, patchWith, rid } from '../testing/hall';
import { connectReconnecting, reconnected } from '../testing/reconnecting-client';
import { freePort, startServerIn } from '../testing/processes';
import { command, login, pairTerminal, type TestClient, type TestServer } from '../testing/test-server';

let dir: string;
let child: ChildProcess | null = null;
const clients: TestClient[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-restart-'));
  // The demo site without opening hours, so the test does not depend on the time it runs.
  const db = openDatabase(path.join(dir, 'data/guichet.sqlite'));
  const store = createSqliteStore(db);
  await seedDemoIfEmpty(store, systemClock);
  await store.sites.setOpeningHours(db.prepare('SELECT id FROM sites').pluck().get() as string, {});
  db.close();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
  child?.kill('SIGKILL');
  child = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startServer(port: number): Promise<void> {
  child = (await startServerIn(dir, port)).proc;
}

function kill(): Promise<void> {
  const proc = child!;
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

/** A reconnecting client, closed after the test. */
async function reconnectingClient(url: string, face: 'kiosk' | 'agent' | 'manager', token: string): Promise<TestClient> {
  const client = await connectReconnecting(url, face, token);
  clients.push(client);
  return client;
}

it('a ringing call and a joined session survive SIGKILL', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = { url } as TestServer;
  await startServer(port);
  const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
  const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne du hall');
  const marieToken = await login(server, 'agent', 'marie', '1234');
  const kiosk = await reconnectingClient(url, 'kiosk', kioskToken);
  const marie = await reconnectingClient(url, 'agent', marieToken);

  const { session, call } = await callFromNewSession(kiosk, marie, 'ar', 'changement-adresse');

  // 1. Killed while the call rings.
  await kill();
  const back = Promise.all([reconnected(kiosk), reconnected(marie)]);
  await startServer(port);
  await back;
  const kioskSetup = ok(await command(kiosk, 'kiosk:setup', {}));
  expect(kioskSetup.session).toMatchObject({
    id: session.id,
    locale: 'ar',
    procedureId: 'changement-adresse',
    call: { id: call.id, status: 'ringing' }
  });
  const marieState = ok(await command(marie, 'agent:state', {}));
  expect(marieState.ringing.map((c) => c.callId)).toEqual([call.id]);

  // 2. Joined, with an answer from each side, then killed again.
  ok(await command(marie, 'call:accept', { callId: call.id }));
  ok(
    await command(kiosk, 'session:patch', {
      sessionId: session.id,
      patchId: rid(),
      ops: [{ op: 'answer', stepId: 'demarche', value: 'arrivee' }]
    })
  );
  ok(
    await command(marie, 'session:patch', {
      sessionId: session.id,
      patchId: rid(),
      ops: [{ op: 'answer', stepId: 'logement', value: 'locataire' }]
    })
  );
  await kill();
  const backAgain = Promise.all([reconnected(kiosk), reconnected(marie)]);
  await startServer(port);
  await backAgain;

  const resumed = ok(await command(kiosk, 'kiosk:setup', {})).session!;
  expect(resumed).toMatchObject({
    id: session.id,
    answers: { demarche: 'arrivee', logement: 'locataire' },
    call: { id: call.id, status: 'accepted', agentName: 'Marie' },
    agent: { firstName: 'Marie' }
  });
  const joined = ok(await command(marie, 'agent:state', {})).joined!;
  expect(joined.session.answers).toEqual({ demarche: 'arrivee', logement: 'locataire' });
  // Still working together after the restart.
  const atKiosk = patchWith(kiosk, { op: 'answer', stepId: 'logement', value: 'proprietaire' });
  ok(
    await command(marie, 'session:patch', {
      sessionId: session.id,
      patchId: rid(),
      ops: [{ op: 'answer', stepId: 'logement', value: 'proprietaire' }]
    })
  );
  await atKiosk;
}, 60_000);
