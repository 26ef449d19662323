/**
 * Two Guichet nodes (two servers, each with its own copy of the sessions it serves) on one
 * PostgreSQL database, the same kiosk connected to both: the changes of its session sent to one
 * node, then the other, then to both at once, must each take the next version, from the state the
 * other node left, and a change replayed to the other node must still be recognised. On a real
 * throwaway cluster of the spec's own (both servers are handed its URL: neither drops it).
 */
import { beforeEach, expect, it } from 'vitest';
import { applyChanges } from '../../../shared/session/apply';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, type TestClient } from '../testing/test-server';
import { twoNodesOnOneDatabase } from '../testing/two-nodes';

const nodes = twoNodesOnOneDatabase();
let hall: Hall;
/** The same kiosk, on each node. */
let kioskOnFirst: TestClient;
let kioskOnSecond: TestClient;

beforeEach(async () => {
  hall = await openHall(nodes.first, { procedureId: 'essai-saisies' });
  kioskOnFirst = hall.kiosk;
  kioskOnSecond = await connect(nodes.second, 'kiosk', hall.kioskToken);
});

const answer = (kiosk: TestClient, value: string, patchId = rid()) =>
  command(kiosk, 'session:patch', { sessionId: hall.session.id, patchId, ops: [{ op: 'answer', stepId: 'nom', value }] });

it('changes sent to either node, one after the other or both at once, each take the next version', async () => {
  const base = hall.session.version;
  const versions: number[] = [];
  for (let i = 0; i < 6; i++) versions.push(ok(await answer(i % 2 === 0 ? kioskOnFirst : kioskOnSecond, `n${i}`)).version);
  expect(versions).toEqual([1, 2, 3, 4, 5, 6].map((n) => base + n));

  // Sent to both at once, a few times over: whichever is written first, the other takes the next version.
  const acks: number[] = [];
  for (let round = 0; round < 5; round++) {
    const both = await Promise.all([answer(kioskOnFirst, `premier ${round}`), answer(kioskOnSecond, `second ${round}`)]);
    acks.push(...both.map((ack) => ok(ack).version));
  }
  expect([...acks].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => base + 7 + i));

  // A change of each node after that, each from the state the other left.
  expect(ok(await answer(kioskOnSecond, 'n7')).version).toBe(base + 17);
  expect(ok(await answer(kioskOnFirst, 'Dupont')).version).toBe(base + 18);

  const stored = (await nodes.first.store.sessions.findById(hall.session.id))!.state;
  expect(stored).toMatchObject({ version: base + 18, answers: { nom: 'Dupont' } });
  const patches = (await nodes.first.store.sessionPatches.listAll(hall.session.id)).map((p) => p.patch);
  expect(patches.map((p) => p.version)).toEqual(Array.from({ length: base + 18 }, (_, i) => i + 1));
  // Each patch followed the one before it: replayed from the hall's opening, they make the stored state.
  const rebuilt = patches.filter((p) => p.version > base).reduce((s, p) => applyChanges(s, p.changes, p.version), hall.session);
  expect(rebuilt).toEqual(stored);
});

it('a change replayed to the other node is answered with its first version and not applied twice', async () => {
  // Each node has read the session's patch ids already.
  ok(await answer(kioskOnFirst, 'a'));
  ok(await answer(kioskOnSecond, 'b'));
  const patchId = rid();
  const applied = ok(await answer(kioskOnFirst, 'Dupont', patchId));
  // The kiosk never got its ack: it sends the change again, and now reaches the other node.
  const replayed = ok(await answer(kioskOnSecond, 'Dupont', patchId));
  expect(replayed).toEqual(applied);
  const later = ok(await answer(kioskOnFirst, 'Durand'));
  expect(later.version).toBe(applied.version + 1);
  // Replayed once more, after a later change made on the first node.
  expect(ok(await answer(kioskOnSecond, 'Dupont', patchId)).version).toBe(applied.version);

  const stored = (await nodes.second.store.sessions.findById(hall.session.id))!.state;
  expect(stored).toMatchObject({ version: applied.version + 1, answers: { nom: 'Durand' } });
  const patches = await nodes.second.store.sessionPatches.listAll(hall.session.id);
  expect(patches.map((p) => p.patch.version)).toEqual(Array.from({ length: applied.version + 1 }, (_, i) => i + 1));
});
