/**
 * Help calls against the real server with real clients: who rings, first accept wins, the kiosk is
 * told, escalation with the site's delays, presence, hand-over, lost tablets, and the audit log.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, ok, openHall, patchWith, rid, type Hall } from '../testing/hall';
import { addSite, fixturePin, snapshot, refuseWrites, rows } from '../testing/fixtures';
import { command, connect, login, nextEvent, startTestServer, type TestServer } from '../testing/test-server';
import type { SessionPatch } from '../../../shared/schemas/session';

let server: TestServer;
let hall: Hall;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server, { procedureId: 'changement-adresse' });
});
afterEach(async () => {
  await server.close();
});

async function call(reason: 'help' | 'review' = 'help') {
  return ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid(), reason }));
}

function lastCallPatch(patches: SessionPatch[]) {
  for (const p of [...patches].reverse()) {
    const change = p.changes.find((c) => c.op === 'call');
    if (change && change.op === 'call') return change.call;
  }
  return undefined;
}

describe('a call rings the available agents once', () => {
  it('rings every available tablet with a card that carries where and what, not the answers', async () => {
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'goto', stepId: 'logement' }]
      })
    );
    const rings = [nextEvent(hall.marie, 'call:ring'), nextEvent(hall.karim, 'call:ring')];
    const created = await call();
    expect(created.status).toBe('ringing');
    expect(created.estimate.availableAgents).toBe(2);
    expect(created.estimate.usualSeconds).toBeNull();
    const [card] = await Promise.all(rings);
    expect(card).toMatchObject({
      callId: created.id,
      sessionId: hall.session.id,
      terminalName: 'Borne du hall',
      locale: 'fr',
      procedureId: 'changement-adresse',
      stepId: 'logement',
      procedureTitle: expect.objectContaining({ fr: 'Nouvelle adresse et justificatif de domicile' }),
      stepHeading: expect.objectContaining({ fr: expect.any(String) }),
      reason: 'help',
      stage: 0,
      handoverFrom: null
    });
    expect(JSON.stringify(card)).not.toContain('answers');
  });

  it('does not ring an agent who is busy or on a break', async () => {
    ok(await command(hall.karim, 'agent:presence', { status: 'break' }));
    const karimRings = collect(hall.karim, 'call:ring');
    const ring = nextEvent(hall.marie, 'call:ring');
    await call();
    await ring;
    // Karim's own answer comes after any ring the server sent him: socket.io keeps order per connection.
    ok(await command(hall.karim, 'agent:state', {}));
    expect(karimRings).toEqual([]);
  });

  it('a replayed call:create (same request id) makes no second call and no second ring', async () => {
    const requestId = rid();
    const rings = collect(hall.marie, 'call:ring');
    const first = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId }));
    const again = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId }));
    expect(again.id).toBe(first.id);
    const other = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    expect(other.id).toBe(first.id);
    // Marie's own answer comes after any ring the server sent her.
    ok(await command(hall.marie, 'agent:state', {}));
    expect(rings).toHaveLength(1);
  });

  it('two presses at once (two request ids) make one call: both are answered with it, it rings once', async () => {
    const rings = collect(hall.marie, 'call:ring');
    const [a, b] = await Promise.all([call(), call()]);
    expect(b.id).toBe(a.id);
    ok(await command(hall.marie, 'agent:state', {}));
    expect(rings).toHaveLength(1);
    const calls = await server.store.helpCalls.listForSession(hall.session.id);
    expect(calls.map((c) => c.status)).toEqual(['ringing']);
  });

  it('a call:create replayed after its call was cancelled says so, and rings nobody', async () => {
    const requestId = rid();
    const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId }));
    ok(await command(hall.kiosk, 'call:cancel', { callId: created.id }));
    const rings = collect(hall.marie, 'call:ring');
    const replay = await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId });
    expect(replay).toMatchObject({ ok: false, error: { code: 'call_closed' } });
    // Marie's own answer comes after any ring the server sent her.
    ok(await command(hall.marie, 'agent:state', {}));
    expect(rings).toEqual([]);
  });

  it('says at once when no agent is connected, and when the site is closed', async () => {
    const siteId = (await server.store.sessions.findById(hall.session.id))!.siteId;
    hall.marie.disconnect();
    hall.karim.disconnect();
    await expect.poll(() => server.app.services.agents.connectedCount(siteId)).toBe(0);
    server.clock.advance(server.config.agentGraceSeconds * 1000);
    await server.app.services.calls.tick();
    const none = await call();
    expect(none).toMatchObject({ status: 'unanswered', unansweredReason: 'no_agent' });
    await connect(server, 'agent', hall.marieToken);
    // Closed every day: whatever the hour of the test, the site is closed now.
    await server.store.sites.setOpeningHours(siteId, { '1': [], '2': [], '3': [], '4': [], '5': [], '6': [], '7': [] });
    const closed = await call();
    expect(closed).toMatchObject({ status: 'unanswered', unansweredReason: 'closed' });
  });

  it('another kiosk cannot call for this kiosk’s session: refused, nothing rings, the store is untouched', async () => {
    // The session is this server's own (its kiosk started it here): on PostgreSQL a call goes
    // ahead from the copy here; whose kiosk it is must still be checked before anything is written.
    const other = await openHall(server, { procedureId: 'acte-etat-civil' });
    const rings = collect(hall.marie, 'call:ring');
    const before = await snapshot(server.store);
    const refused = await command(other.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });
    ok(await command(hall.marie, 'agent:state', {}));
    expect(rings).toEqual([]);
    expect(await snapshot(server.store)).toEqual(before);
  });

  /** A call made and cancelled, its card gone from Marie's tablet: the server has read the site and the terminal. */
  async function calledOnce() {
    const made = await call();
    const gone = nextEvent(hall.marie, 'call:removed');
    ok(await command(hall.kiosk, 'call:cancel', { callId: made.id }));
    await gone;
    return made;
  }

  const closedAllWeek = { '1': [], '2': [], '3': [], '4': [], '5': [], '6': [], '7': [] };

  it('a site closed through this server since the last call rings nobody', async () => {
    const siteId = (await server.store.sessions.findById(hall.session.id))!.siteId;
    const open = await call();
    ok(await command(hall.kiosk, 'call:cancel', { callId: open.id }));
    await server.store.sites.setOpeningHours(siteId, closedAllWeek);
    const rings = collect(hall.marie, 'call:ring');
    const closed = await call();
    expect(closed).toMatchObject({ status: 'unanswered', unansweredReason: 'closed' });
    ok(await command(hall.marie, 'agent:state', {}));
    expect(rings).toEqual([]);
    const stored = await server.store.helpCalls.listForSession(hall.session.id);
    expect(Object.fromEntries(stored.map((c) => [c.id, c.status]))).toEqual({
      [open.id]: 'cancelled',
      [closed.id]: 'unanswered'
    });
  });

  it('a site closed by another node since the last call: a ring from the older copy is taken back at once', async () => {
    const siteId = (await server.store.sessions.findById(hall.session.id))!.siteId;
    const open = await calledOnce();
    // Written straight into the table, as another node does: this server is not told.
    await server.store.executor
      .db()
      .updateTable('sites')
      .set({ opening_hours: JSON.stringify(closedAllWeek) })
      .where('id', '=', siteId)
      .execute();
    const rings = collect<{ callId: string }>(hall.marie, 'call:ring');
    const removed = collect<{ callId: string }>(hall.marie, 'call:removed');
    const closed = await call();
    expect(closed).toMatchObject({ status: 'unanswered', unansweredReason: 'closed' });
    // On PostgreSQL the call rings this server's tablets from the site as it last read it, while
    // the site is read again (see calls.service `ringBeforeWritten`); on SQLite it reads first.
    await expect.poll(() => removed.length).toBe(server.store.engine === 'postgres' ? 1 : 0);
    expect(rings.map((r) => r.callId)).toEqual(removed.map((r) => r.callId));
    expect(rings.map((r) => r.callId)).not.toContain(closed.id);
    const state = ok(await command(hall.marie, 'agent:state', {}));
    expect(state.ringing).toEqual([]);
    // The first write, from the site as known here, was rolled back.
    const stored = await server.store.helpCalls.listForSession(hall.session.id);
    expect(Object.fromEntries(stored.map((c) => [c.id, c.status]))).toEqual({
      [open.id]: 'cancelled',
      [closed.id]: 'unanswered'
    });
  });

  it('a terminal renamed by another node since the last call: the tablets are left with the new name', async () => {
    const terminalId = (await server.store.sessions.findById(hall.session.id))!.terminalId!;
    const first = await calledOnce();
    await server.store.executor
      .db()
      .updateTable('terminals')
      .set({ name: 'Borne de l’étage', location: 'Premier étage' })
      .where('id', '=', terminalId)
      .execute();
    const rings = collect<{ callId: string; terminalName: string; terminalLocation: string }>(hall.marie, 'call:ring');
    const removed = collect<{ callId: string }>(hall.marie, 'call:removed');
    const made = await call();
    await expect.poll(() => rings.some((r) => r.callId === made.id)).toBe(true);
    expect(rings.find((r) => r.callId === made.id)).toMatchObject({
      terminalName: 'Borne de l’étage',
      terminalLocation: 'Premier étage'
    });
    // A ring from the older copy (PostgreSQL) was another call, taken back.
    const others = rings.filter((r) => r.callId !== made.id);
    expect(others).toHaveLength(server.store.engine === 'postgres' ? 1 : 0);
    await expect.poll(() => removed.map((r) => r.callId)).toEqual(others.map((r) => r.callId));
    const state = ok(await command(hall.marie, 'agent:state', {}));
    expect(state.ringing.map((c: { callId: string }) => c.callId)).toEqual([made.id]);
    expect((await server.store.helpCalls.listForSession(hall.session.id)).map((c) => c.id).sort()).toEqual(
      [first.id, made.id].sort()
    );
  });
});

describe('first accept wins', () => {
  it('two agents accepting at once: exactly one joins, the other is told politely, every card goes', async () => {
    const created = await call();
    const removedAtMarie = nextEvent(hall.marie, 'call:removed');
    const removedAtKarim = nextEvent(hall.karim, 'call:removed');
    const [a, b] = await Promise.all([
      command(hall.marie, 'call:accept', { callId: created.id }),
      command(hall.karim, 'call:accept', { callId: created.id })
    ]);
    const winners = [a, b].filter((r) => r.ok);
    const losers = [a, b].filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]).toMatchObject({
      ok: false,
      error: { code: 'call_taken', message: 'A colleague has already taken this call' }
    });
    expect(await removedAtMarie).toEqual({ callId: created.id, reason: 'taken' });
    expect(await removedAtKarim).toEqual({ callId: created.id, reason: 'taken' });
    const row = (await server.store.helpCalls.findById(created.id))!;
    expect(row.status).toBe('accepted');
  });

  it('an agent who accepts the instant the ring arrives gets the call, even before it is committed', async () => {
    // The tablets ring as soon as the call is written; the kiosk's ack comes after the commit.
    const accepted = new Promise<Awaited<ReturnType<typeof command>>>((resolve) =>
      hall.marie.once('call:ring', (card: { callId: string }) =>
        resolve(command(hall.marie, 'call:accept', { callId: card.callId }))
      )
    );
    const created = await call();
    expect(ok(await accepted)).toMatchObject({ card: { callId: created.id }, session: { id: hall.session.id } });
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({ status: 'accepted' });
  });

  it('the kiosk learns who is coming; the agent gets the live session and becomes busy', async () => {
    const created = await call();
    const kioskPatch = nextEvent(hall.kiosk, 'session:patched');
    const joined = ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    expect(joined.session.id).toBe(hall.session.id);
    expect(joined.session.procedureId).toBe('changement-adresse');
    const patch = await kioskPatch;
    expect(patch.changes).toContainEqual({ op: 'agent', agent: { firstName: 'Marie', connected: true } });
    expect(lastCallPatch([patch])).toMatchObject({ status: 'accepted', agentName: 'Marie' });
    const state = ok(await command(hall.marie, 'agent:state', {}));
    expect(state.status).toBe('busy');
    expect(state.joined?.session.id).toBe(hall.session.id);
  });

  it('an agent cannot take a second call before finishing the first', async () => {
    const first = await call();
    ok(await command(hall.marie, 'call:accept', { callId: first.id }));
    const other = await openHall(server, { procedureId: 'acte-etat-civil' });
    const second = ok(await command(other.kiosk, 'call:create', { sessionId: other.session.id, requestId: rid() }));
    const refused = await command(hall.marie, 'call:accept', { callId: second.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'already_joined' } });
  });
});

describe('escalation with the delays the manager set', () => {
  it('after the first delay also rings busy agents, after the second tells the kiosk nobody could come', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    ok(await command(manager, 'site:call-settings', { widenSeconds: 10, giveUpSeconds: 30 }));
    ok(await command(hall.karim, 'agent:presence', { status: 'busy' }));
    const karimRings = collect(hall.karim, 'call:ring');
    const created = await call();
    // Karim's own answer comes after any ring the server sent him before it.
    ok(await command(hall.karim, 'agent:state', {}));
    expect(karimRings).toHaveLength(0);

    server.clock.advance(9_000);
    await server.app.services.calls.tick();
    ok(await command(hall.karim, 'agent:state', {}));
    expect(karimRings).toHaveLength(0);

    const widened = nextEvent(hall.karim, 'call:ring');
    server.clock.advance(1_000);
    await server.app.services.calls.tick();
    expect(await widened).toMatchObject({ callId: created.id, stage: 1 });

    const kioskPatches = collect<SessionPatch>(hall.kiosk, 'session:patched');
    const removed = nextEvent(hall.marie, 'call:removed');
    server.clock.advance(20_000);
    await server.app.services.calls.tick();
    expect(await removed).toEqual({ callId: created.id, reason: 'unanswered' });
    // The kiosk's own answer comes after the patch the tick sent it.
    ok(await command(hall.kiosk, 'site:get', {}));
    expect(lastCallPatch(kioskPatches)).toMatchObject({ status: 'unanswered', unansweredReason: 'timeout' });
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({
      status: 'unanswered',
      unansweredReason: 'timeout',
      agentId: null
    });
  });

  it('refuses delays that make no sense, naming the field, and changes nothing', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const before = await snapshot(server.store);
    const refused = await command(manager, 'site:call-settings', { widenSeconds: 60, giveUpSeconds: 30 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'giveUpSeconds' }] } });
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('the usual time to answer comes from the site’s own history at this hour', () => {
  it('gives a range once there is enough history, and none before', async () => {
    // The calls below span about six minutes of the test clock, which starts at the real time:
    // start after an hour boundary so they all fall in the same hour as the last call.
    const toNextHour = 3_600_000 - (server.clock.now().getTime() % 3_600_000);
    if (toNextHour < 10 * 60_000) server.clock.advance(toNextHour + 60_000);
    for (let i = 0; i < 6; i++) {
      const h = await openHall(server, { procedureId: 'acte-etat-civil' });
      const c = ok(await command(h.kiosk, 'call:create', { sessionId: h.session.id, requestId: rid() }));
      server.clock.advance((30 + i * 10) * 1000);
      ok(await command(h.marie, 'call:accept', { callId: c.id }));
      ok(await command(h.marie, 'call:release', { callId: c.id }));
      for (const client of [h.kiosk, h.marie, h.karim]) client.disconnect();
    }
    const created = await call();
    expect(created.estimate.usualSeconds).not.toBeNull();
    expect(created.estimate.usualSeconds!.low).toBeGreaterThanOrEqual(30);
    expect(created.estimate.usualSeconds!.high).toBeLessThanOrEqual(90);
    expect(created.estimate.usualSeconds!.low).toBeLessThan(created.estimate.usualSeconds!.high);
  });
});

describe('presence is what the agent chose', () => {
  it('joining makes the agent busy, ending the call gives back what they had chosen', async () => {
    ok(await command(hall.marie, 'agent:presence', { status: 'available' }));
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    expect(ok(await command(hall.marie, 'agent:state', {})).status).toBe('busy');
    ok(await command(hall.marie, 'call:release', { callId: created.id }));
    expect(ok(await command(hall.marie, 'agent:state', {})).status).toBe('available');
  });

  it('an agent who becomes available while a call waits gets its card and its ring', async () => {
    ok(await command(hall.marie, 'agent:presence', { status: 'break' }));
    ok(await command(hall.karim, 'agent:presence', { status: 'break' }));
    const created = await call();
    const ring = nextEvent(hall.marie, 'call:ring');
    ok(await command(hall.marie, 'agent:presence', { status: 'available' }));
    expect((await ring).callId).toBe(created.id);
  });

  it('colleagues are listed for a hand-over with their status', async () => {
    const list = ok(await command(hall.marie, 'agent:colleagues', {}));
    expect(list).toEqual([expect.objectContaining({ firstName: 'Karim', status: 'available', online: true })]);
  });
});

describe('hand-over, stop sharing, end', () => {
  it('hands the call to a colleague, who gets a ring with the context; the first agent’s view closes', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const colleagues = ok(await command(hall.marie, 'agent:colleagues', {}));
    const karimId = colleagues[0]!.accountId;
    const ring = nextEvent(hall.karim, 'call:ring');
    const closed = nextEvent(hall.marie, 'session:closed');
    ok(await command(hall.marie, 'call:handover', { callId: created.id, toAccountId: karimId }));
    expect(await ring).toMatchObject({ callId: created.id, handoverFrom: 'Marie', procedureId: 'changement-adresse' });
    expect(await closed).toEqual({ sessionId: hall.session.id, reason: 'handed_over' });
    const refused = await command(hall.marie, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'note', text: 'x' }]
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const joined = ok(await command(hall.karim, 'call:accept', { callId: created.id }));
    expect(joined.session.id).toBe(hall.session.id);
  });

  it('refuses a hand-over to oneself with its own code, on the field, and changes nothing', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const state = ok(await command(hall.marie, 'agent:state', {}));
    // The tablet learns its own account from its state, to leave it out of the list.
    expect(ok(await command(hall.marie, 'agent:colleagues', {})).map((c) => c.accountId)).not.toContain(state.accountId);
    const before = await snapshot(server.store);
    const closed = collect(hall.marie, 'session:closed');
    const refused = await command(hall.marie, 'call:handover', { callId: created.id, toAccountId: state.accountId });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'handover_to_self', issues: [{ path: 'toAccountId' }] }
    });
    expect(await snapshot(server.store)).toEqual(before);
    // Still joined: the next command from the same socket is answered after any event the refusal sent.
    expect(ok(await command(hall.marie, 'agent:state', {})).joined?.card.callId).toBe(created.id);
    expect(closed).toEqual([]);
  });

  it('“Ne plus montrer mon écran” closes the agent’s view at once and the agent can no longer read or write', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const closed = nextEvent(hall.marie, 'session:closed');
    ok(await command(hall.kiosk, 'session:stop-sharing', { sessionId: hall.session.id }));
    expect(await closed).toEqual({ sessionId: hall.session.id, reason: 'stopped' });
    expect(await command(hall.marie, 'session:sync', { sessionId: hall.session.id, version: 0 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' }
    });
    expect(ok(await command(hall.marie, 'agent:state', {}))).toMatchObject({ status: 'available', joined: null });
  });

  it('the agent can end the session; the kiosk is told and the session is closed for everyone', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const ended = patchWith(hall.kiosk, { op: 'ended' });
    ok(await command(hall.marie, 'session:end', { sessionId: hall.session.id, reason: 'agent' }));
    expect((await ended).by).toEqual({ kind: 'agent', name: 'Marie' });
    expect((await server.store.sessions.findById(hall.session.id))!.state.status).toBe('ended');
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({ status: 'done', agentId: null });
    const refused = await command(hall.kiosk, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'catalog' }]
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'session_closed' } });
  });

  it('the kiosk cancels a ringing call: the cards disappear', async () => {
    const created = await call();
    const removed = nextEvent(hall.karim, 'call:removed');
    ok(await command(hall.kiosk, 'call:cancel', { callId: created.id }));
    expect(await removed).toEqual({ callId: created.id, reason: 'cancelled' });
    const late = await command(hall.marie, 'call:accept', { callId: created.id });
    expect(late).toMatchObject({ ok: false, error: { code: 'call_closed' } });
  });
});

describe('a command is written whole or not at all', () => {
  it('a call that fails after it rang is taken off the tablets, and nothing of it is kept', async () => {
    // The call's row is written and rings; the session's change that follows fails.
    const allowPatches = await refuseWrites(server.store, 'session_patches', 'INSERT');
    const before = await snapshot(server.store);
    const ring = nextEvent(hall.marie, 'call:ring');
    const removed = nextEvent(hall.marie, 'call:removed');
    const refused = await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid(), reason: 'help' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'internal' } });
    const card = await ring;
    expect(await removed).toEqual({ callId: card.callId, reason: 'cancelled' });
    expect(await snapshot(server.store)).toEqual(before);
    await allowPatches();
    // The same press, sent again, makes the call.
    expect((await call()).status).toBe('ringing');
  });

  it('a kiosk’s end that fails on its last write changes nothing: the call, the agent and the session go on', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    // « Tout effacer » closes the call, ends the session, then erases its patches: that last write
    // fails, as on a full disk.
    const allowErase = await refuseWrites(server.store, 'session_patches', 'DELETE');
    const before = await snapshot(server.store);
    const version = (await server.store.sessions.findById(hall.session.id))!.state.version;
    const closed = collect(hall.marie, 'session:closed');
    const refused = await command(hall.kiosk, 'session:end', { sessionId: hall.session.id, reason: 'finished' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await snapshot(server.store)).toEqual(before);
    await allowErase();

    // The server's copy of the session is the store's: the next change follows the last written one.
    const next = ok(
      await command(hall.kiosk, 'session:patch', { sessionId: hall.session.id, patchId: rid(), ops: [{ op: 'catalog' }] })
    );
    expect(next.version).toBe(version + 1);
    ok(
      await command(hall.marie, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'note', text: 'suite' }]
      })
    );
    expect(ok(await command(hall.marie, 'agent:state', {}))).toMatchObject({
      status: 'busy',
      joined: { card: { callId: created.id } }
    });
    expect(closed).toEqual([]);
    ok(await command(hall.kiosk, 'session:end', { sessionId: hall.session.id, reason: 'finished' }));
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({ status: 'done' });
  });
});

describe('a tablet that drops', () => {
  it('the kiosk is told; back within the grace period the agent finds the session again', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const told = patchWith(hall.kiosk, { op: 'agent', agent: { firstName: 'Marie', connected: false } });
    hall.marie.disconnect();
    await told;
    server.clock.advance(server.config.agentGraceSeconds * 1000 - 1000);
    await server.app.services.calls.tick();
    const back = patchWith(hall.kiosk, { op: 'agent', agent: { firstName: 'Marie', connected: true } });
    const marie = await connect(server, 'agent', hall.marieToken);
    await back;
    const state = ok(await command(marie, 'agent:state', {}));
    expect(state.joined?.card.callId).toBe(created.id);
    // Joined again: edits reach the kiosk.
    const edit = patchWith(hall.kiosk, { op: 'answer', stepId: 'logement', value: 'locataire' });
    ok(
      await command(marie, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'answer', stepId: 'logement', value: 'locataire' }]
      })
    );
    expect((await edit).by).toEqual({ kind: 'agent', name: 'Marie' });
  });

  it('after the grace period the call rings again', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    // The server has seen her go once it tells the kiosk.
    const gone = patchWith(hall.kiosk, { op: 'agent', agent: { firstName: 'Marie', connected: false } });
    hall.marie.disconnect();
    await gone;
    const ring = nextEvent(hall.karim, 'call:ring');
    server.clock.advance(server.config.agentGraceSeconds * 1000);
    await server.app.services.calls.tick();
    expect((await ring).callId).toBe(created.id);
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({ status: 'ringing', agentId: null });
    expect((await server.store.sessions.findById(hall.session.id))!.state.agent).toBeNull();
  });
});

describe('the audit log', () => {
  it('records accept, view, edit, hand-over and end, without any answer value', async () => {
    const created = await call();
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    for (const value of ['l', 'lo', 'loc']) {
      ok(
        await command(hall.marie, 'session:patch', {
          sessionId: hall.session.id,
          patchId: rid(),
          ops: [{ op: 'note', text: `Secret ${value}` }]
        })
      );
    }
    ok(
      await command(hall.marie, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'answer', stepId: 'logement', value: 'heberge' }]
      })
    );
    ok(
      await command(hall.marie, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'answer', stepId: 'logement', value: 'locataire' }]
      })
    );
    const karimId = ok(await command(hall.marie, 'agent:colleagues', {}))[0]!.accountId;
    ok(await command(hall.marie, 'call:handover', { callId: created.id, toAccountId: karimId }));
    ok(await command(hall.karim, 'call:accept', { callId: created.id }));
    ok(await command(hall.karim, 'session:end', { sessionId: hall.session.id, reason: 'agent' }));

    const manager = await connect(server, 'manager', hall.managerToken);
    const entries = ok(await command(manager, 'audit:list', {}));
    const lines = entries.map((e) => `${e.actorName} ${e.action} ${e.detail}`.trim()).reverse();
    expect(lines).toEqual([
      'Marie accept',
      'Marie view',
      'Marie note',
      'Marie note',
      'Marie note',
      'Marie edit logement',
      'Marie handover Karim',
      'Karim accept',
      'Karim view',
      'Karim end'
    ]);
    expect(new Set(entries.map((e) => e.sessionReference))).toEqual(new Set([hall.session.reference]));
    const raw = JSON.stringify(await rows(server.store, sql`SELECT * FROM audit_log`));
    expect(raw).not.toMatch(/Secret|heberge|locataire/);
    // The calls table keeps no link to any agent once the call is over.
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({
      agentId: null,
      targetAgentId: null,
      handoverFrom: null
    });
  });

  it('an agent cannot read the audit log', async () => {
    expect(await command(hall.marie, 'audit:list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('nothing crosses sites', () => {
  it("another site's agent cannot see, accept or touch this site's calls and sessions", async () => {
    const other = await addSite(server.store, server.clock, 'Autreville');
    const otherAgent = await connect(server, 'agent', await login(server, 'agent', other.agentLogin, fixturePin));
    const rings = collect(otherAgent, 'call:ring');
    const created = await call();
    // Its own answer comes after any ring the server sent it.
    const state = ok(await command(otherAgent, 'agent:state', {}));
    expect(rings).toEqual([]);
    expect(state.ringing).toEqual([]);
    const before = await snapshot(server.store);
    expect(await command(otherAgent, 'call:accept', { callId: created.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(
      await command(otherAgent, 'session:patch', { sessionId: hall.session.id, patchId: rid(), ops: [{ op: 'catalog' }] })
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await snapshot(server.store)).toEqual(before);
  });
});
