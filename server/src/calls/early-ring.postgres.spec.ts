/**
 * On PostgreSQL a call rings the tablets, on every node, before its row is written, from what its
 * node last read of the site and the terminal (calls.service `ringBeforeWritten`). These replay
 * what may come in between, against two real nodes on one real database: a transaction of the
 * test holds the call's INSERT back (it writes the same request of the same session, and has not
 * ended), and the agents act meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import type { CallCard } from '../../../shared/schemas/call';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, nextEvent, type TestClient } from '../testing/test-server';
import { twoNodesOnOneDatabase } from '../testing/two-nodes';

const nodes = twoNodesOnOneDatabase();
let hall: Hall;
/** Karim's tablet, on the second node; Marie's is on the first, with the kiosk. */
let karim: TestClient;

beforeEach(async () => {
  hall = await openHall(nodes.first, { procedureId: 'essai-saisies' });
  hall.karim.disconnect();
  karim = await connect(nodes.second, 'agent', hall.karimToken);
  const siteId = (await nodes.first.store.sessions.findById(hall.session.id))!.siteId;
  await expect.poll(() => nodes.first.app.services.agents.connectedCount(siteId)).toBe(2);
  // A first call: the first node has now read the site and the terminal.
  const rungThere = nextEvent(karim, 'call:ring');
  const first = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  await rungThere;
  const gone = nextEvent(hall.marie, 'call:removed');
  ok(await command(hall.kiosk, 'call:cancel', { callId: first.id }));
  await gone;
});

class RolledBack extends Error {}

/** Holds back the INSERT of the kiosk's call for `requestId` until the returned function is called. */
async function holdInsert(requestId: string): Promise<() => Promise<void>> {
  const session = (await nodes.second.store.sessions.findById(hall.session.id))!;
  const executor = nodes.second.store.executor;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const at = new Date().toISOString();
  const done = executor
    .transaction(async () => {
      // The unique index on (session_id, request_id) makes the kiosk's INSERT wait for this one.
      await executor
        .db()
        .insertInto('help_calls')
        .values({
          id: randomUUID(),
          site_id: session.siteId,
          session_id: session.id,
          terminal_id: session.terminalId,
          request_id: requestId,
          reason: 'help',
          service: null,
          status: 'done',
          unanswered_reason: null,
          created_at: at,
          ringing_since: at,
          answered_at: null,
          ended_at: at,
          agent_id: null,
          target_agent_id: null,
          handover_from: null
        })
        .execute();
      holding();
      await released;
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  await held;
  return async () => {
    release();
    await done;
  };
}

const settled = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

it('rings the tablets on both nodes before the row exists; accepts made then wait for it, and one wins', async () => {
  const requestId = rid();
  const release = await holdInsert(requestId);
  const ringHere = nextEvent(hall.marie, 'call:ring');
  const ringThere = nextEvent(karim, 'call:ring');
  const created = command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId });
  const [card, cardThere] = await Promise.all([ringHere, ringThere]);
  expect(cardThere.callId).toBe(card.callId);

  // Marie (this node) and Karim (the other one) accept a call that is not written yet. Neither
  // answer comes, and none says "taken" or "over", until it is: Marie's waits for the
  // transaction, Karim's for the lock the call's INSERT took before it had to wait.
  const acceptedHere = command(hall.marie, 'call:accept', { callId: card.callId });
  const acceptedThere = command(karim, 'call:accept', { callId: card.callId });
  expect(await settled(Promise.race([acceptedHere, acceptedThere]), 500)).toBe(false);

  await release();
  const call = ok(await created);
  expect(call.id).toBe(card.callId);
  const answers = await Promise.all([acceptedHere, acceptedThere]);
  const won = answers.filter((a) => a.ok);
  expect(won).toHaveLength(1);
  expect(answers.find((a) => !a.ok)).toMatchObject({ ok: false, error: { code: 'call_taken' } });
  const stored = (await nodes.first.store.helpCalls.listForSession(hall.session.id)).find((c) => c.id === call.id);
  expect(stored).toMatchObject({ status: 'accepted', agentId: expect.any(String) });
  // Ended, so both are available again for the next test (the database is shared by the file).
  ok(await command(hall.kiosk, 'call:cancel', { callId: call.id }));
});

it('a terminal renamed through the other node: this node’s next call rings with the new name, once', async () => {
  const managerThere = await connect(nodes.second, 'manager', hall.managerToken);
  const terminalId = (await nodes.first.store.sessions.findById(hall.session.id))!.terminalId!;
  // Told to the first node by the second (node:call-copies): its copy of the terminal is dropped.
  const told = new Promise<void>((resolve) => nodes.first.app.io.on('node:call-copies', () => resolve()));
  ok(await command(managerThere, 'terminal:rename', { terminalId, name: 'Borne de l’étage', location: 'Premier étage' }));
  await told;
  const rings = collect<CallCard>(hall.marie, 'call:ring');
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  await expect.poll(() => rings.length).toBe(1);
  expect(rings[0]).toMatchObject({ callId: call.id, terminalName: 'Borne de l’étage', terminalLocation: 'Premier étage' });
});
