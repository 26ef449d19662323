/**
 * On PostgreSQL a keystroke (and a call's ring) goes out from the node's copy of the session before
 * the row is locked, and is checked before it is written. These replay the cases where the
 * check says no, against two real nodes on one real database: the copy was behind (another node
 * changed the session), and the agent had left the call though their socket was still in the
 * session's room. Each time the others get the server's state back, the store keeps nothing wrong,
 * and nothing a client was told is kept is lost.
 */
import { beforeEach, expect, it } from 'vitest';
import type { CallCard } from '../../../shared/schemas/call';
import type { SessionPatch, SessionState } from '../../../shared/schemas/session';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, nextEvent, type TestClient } from '../testing/test-server';
import { twoNodesOnOneDatabase } from '../testing/two-nodes';

const nodes = twoNodesOnOneDatabase();
let hall: Hall;

beforeEach(async () => {
  hall = await openHall(nodes.first, { procedureId: 'essai-saisies' });
});

const answer = (client: TestClient, stepId: string, value: string) =>
  command(client, 'session:patch', { sessionId: hall.session.id, patchId: rid(), ops: [{ op: 'answer', stepId, value }] });

it('a change sent ahead from a copy another node has overtaken is taken back, then made on the stored state', async () => {
  // The first node holds a copy of the session (it started it); the same kiosk also reaches the second.
  const kioskOnSecond = await connect(nodes.second, 'kiosk', hall.kioskToken);
  const base = ok(await answer(hall.kiosk, 'nom', 'Dupont')).version;
  // Written by the second node: the first one's copy is now one version behind.
  expect(ok(await answer(kioskOnSecond, 'code-prive', '1234')).version).toBe(base + 1);

  const resets = collect<SessionState>(kioskOnSecond, 'session:reset');
  const patches = collect<SessionPatch>(kioskOnSecond, 'session:patched');
  const made = ok(await answer(hall.kiosk, 'nom', 'Durand'));
  expect(made.version).toBe(base + 2);

  // What went out ahead, from the old copy, was taken back with the state the first node had.
  await expect.poll(() => resets.length).toBe(1);
  expect(resets[0]).toMatchObject({ version: base, answers: { nom: 'Dupont' } });
  await expect.poll(() => patches.some((p) => p.version === base + 2)).toBe(true);

  const stored = (await nodes.first.store.sessions.findById(hall.session.id))!.state;
  expect(stored).toMatchObject({ version: base + 2, answers: { nom: 'Durand', 'code-prive': '1234' } });
  const versions = (await nodes.first.store.sessionPatches.listAll(hall.session.id)).map((p) => p.patch.version);
  expect(versions).toEqual(Array.from({ length: base + 2 }, (_, i) => i + 1));

  // Found overtaken once, the session's next changes on that node lock first: nothing is taken back.
  ok(await answer(kioskOnSecond, 'code-prive', '5678'));
  ok(await answer(hall.kiosk, 'nom', 'Martin'));
  expect(resets).toHaveLength(1);
});

it('a call made from a copy another node has overtaken rings, is taken back, and is made again on the stored state', async () => {
  const kioskOnSecond = await connect(nodes.second, 'kiosk', hall.kioskToken);
  const base = ok(await answer(hall.kiosk, 'nom', 'Dupont')).version;
  expect(ok(await answer(kioskOnSecond, 'code-prive', '1234')).version).toBe(base + 1);

  const rings = collect<CallCard>(hall.marie, 'call:ring');
  const removed = collect<{ callId: string; reason: string }>(hall.marie, 'call:removed');
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));

  // Rung from the old copy, taken back, rung again: the tablet is left with the call made.
  await expect.poll(() => rings.length).toBe(2);
  await expect.poll(() => removed.length).toBe(1);
  expect(removed[0]).toEqual({ callId: rings[0]!.callId, reason: 'cancelled' });
  expect(rings[1]!.callId).toBe(call.id);
  expect(rings[0]!.callId).not.toBe(call.id);

  // The store has the one call, on the state the second node wrote.
  const calls = await nodes.first.store.helpCalls.listForSession(hall.session.id);
  expect(calls.map((c) => [c.id, c.status])).toEqual([[call.id, 'ringing']]);
  const stored = (await nodes.first.store.sessions.findById(hall.session.id))!.state;
  expect(stored).toMatchObject({ version: base + 2, answers: { nom: 'Dupont', 'code-prive': '1234' }, call: { id: call.id } });
  // The kiosk's cancel ends it, as any other.
  ok(await command(hall.kiosk, 'call:cancel', { callId: call.id }));
  await expect.poll(() => removed.map((r) => r.callId)).toEqual([rings[0]!.callId, call.id]);
});

it('an agent whose call ended elsewhere, still in the room for a moment, is refused and the kiosk gets its state back', async () => {
  const ring = nextEvent(hall.marie, 'call:ring');
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  await ring;
  ok(await command(hall.marie, 'call:accept', { callId: call.id }));
  const version = ok(await answer(hall.marie, 'nom', 'Dupont')).version;

  // The call ends in the store as on another node that has not yet taken her socket out of the
  // session's room: her next keystroke finds the room but not the joined call.
  await nodes.second.store.helpCalls.close(call.id, 'done', new Date().toISOString());
  const resets = collect<SessionState>(hall.kiosk, 'session:reset');
  const refused = await answer(hall.marie, 'nom', 'Texte glissé après la fin');
  expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  await expect.poll(() => resets.length).toBe(1);
  expect(resets[0]).toMatchObject({ version, answers: { nom: 'Dupont' } });

  const stored = (await nodes.first.store.sessions.findById(hall.session.id))!.state;
  expect(stored).toMatchObject({ version, answers: { nom: 'Dupont' } });
  // The kiosk goes on from there.
  expect(ok(await answer(hall.kiosk, 'nom', 'Durand')).version).toBe(version + 1);
});
