/**
 * A hall for call tests on the demo site: a paired kiosk with its session started, and the two
 * demo agents' tablets connected. Everything goes through the real server and real clients.
 */
import { randomUUID } from 'node:crypto';
import type { SessionPatch, SessionState } from '../../../shared/schemas/session';
import { applyChanges } from '../../../shared/session/apply';
import { command, connect, login, nextEvent, pairTerminal, type TestClient, type TestServer } from './test-server';

export interface Hall {
  kiosk: TestClient;
  kioskToken: string;
  session: SessionState;
  marie: TestClient;
  karim: TestClient;
  marieToken: string;
  karimToken: string;
  managerToken: string;
}

export function ok<T>(ack: { ok: true; data: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!ack.ok) throw new Error(`command refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

export async function openHall(server: TestServer, options: { procedureId?: string } = {}): Promise<Hall> {
  const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
  const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne du hall');
  const [marieToken, karimToken] = await Promise.all([
    login(server, 'agent', 'marie', '1234'),
    login(server, 'agent', 'karim', '5678')
  ]);
  const kiosk = await connect(server, 'kiosk', kioskToken);
  const marie = await connect(server, 'agent', marieToken);
  const karim = await connect(server, 'agent', karimToken);
  let session = ok(await command(kiosk, 'session:start', { requestId: randomUUID(), locale: 'fr' }));
  if (options.procedureId) {
    ok(
      await command(kiosk, 'session:patch', {
        sessionId: session.id,
        patchId: randomUUID(),
        ops: [{ op: 'open', procedureId: options.procedureId }]
      })
    );
    const sync = ok(await command(kiosk, 'session:sync', { sessionId: session.id, version: 0 }));
    if (sync.kind === 'snapshot') session = sync.state;
    else for (const patch of sync.patches) session = applyChanges(session, patch.changes, patch.version);
  }
  return { kiosk, kioskToken, session, marie, karim, marieToken, karimToken, managerToken };
}

/** Collects every event of a name a client receives, for "nothing else arrived" checks. */
export function collect<T>(client: TestClient, event: string): T[] {
  const seen: T[] = [];
  (client.on as (ev: string, fn: (p: T) => void) => void)(event, (p) => seen.push(p));
  return seen;
}

export const rid = () => randomUUID();

/** Resolves with the first session patch that contains a change like `expected` (bounded wait). */
export function patchWith(client: TestClient, expected: Record<string, unknown>, ms = 5000): Promise<SessionPatch> {
  const wanted = JSON.stringify(expected);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('session:patched', listener);
      reject(new Error(`no session patch with ${wanted} within ${ms} ms`));
    }, ms);
    const listener = (patch: SessionPatch) => {
      if (!patch.changes.some((c) => JSON.stringify(c) === wanted)) return;
      clearTimeout(timer);
      client.off('session:patched', listener);
      resolve(patch);
    };
    client.on('session:patched', listener);
  });
}

/**
 * A new session on `kiosk` with `procedureId` open, and a help call from it that rings `agent`:
 * the session, the call and the ring the agent got.
 */
export async function callFromNewSession(kiosk: TestClient, agent: TestClient, locale: 'fr' | 'ar', procedureId: string) {
  const session = ok(await command(kiosk, 'session:start', { requestId: rid(), locale }));
  ok(await command(kiosk, 'session:patch', { sessionId: session.id, patchId: rid(), ops: [{ op: 'open', procedureId }] }));
  const ring = nextEvent(agent, 'call:ring');
  const call = ok(await command(kiosk, 'call:create', { sessionId: session.id, requestId: rid() }));
  return { session, call, ring: await ring };
}
