/**
 * Kiosk sessions against the real server: held and versioned by the server, resumed after a
 * reload, changed from both sides with the last write winning, sensitive answers kept on the kiosk,
 * and bad operations refused without touching the store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, ok, openHall, patchWith, rid, type Hall } from '../testing/hall';
import { snapshot, refuseWrites } from '../testing/fixtures';
import { command, connect, nextEvent, startTestServer, testCatalogDir, type TestServer } from '../testing/test-server';
import { shippedCatalogDir } from '../procedures/catalog';
import { applyChanges } from '../../../shared/session/apply';
import type { SessionPatch, SessionState } from '../../../shared/schemas/session';

let server: TestServer;
let hall: Hall;

beforeEach(async () => {
  server = await startTestServer({}, { catalogDirs: [shippedCatalogDir, testCatalogDir] });
  hall = await openHall(server, { procedureId: 'essai-saisies' });
});
afterEach(async () => {
  await server.close();
});

const patch = (client: Hall['kiosk'], ops: unknown[], patchId = rid()) =>
  command(client, 'session:patch', { sessionId: hall.session.id, patchId, ops });

async function joinMarie() {
  const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  return ok(await command(hall.marie, 'call:accept', { callId: created.id }));
}

describe('the session is held by the server', () => {
  it('a reloaded kiosk gets the same session back, and a second start makes no second session', async () => {
    ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'Dupont' }]));
    hall.kiosk.disconnect();
    const again = await connect(server, 'kiosk', hall.kioskToken);
    const setup = ok(await command(again, 'kiosk:setup', {}));
    expect(setup.session).toMatchObject({ id: hall.session.id, procedureId: 'essai-saisies', answers: { nom: 'Dupont' } });
    const restarted = ok(await command(again, 'session:start', { requestId: rid(), locale: 'en' }));
    expect(restarted.id).toBe(hall.session.id);
  });

  it('every change is a numbered patch; a client that missed some gets exactly those', async () => {
    const base = hall.session.version;
    const v1 = ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'D' }])).version;
    const v2 = ok(
      await patch(hall.kiosk, [
        { op: 'answer', stepId: 'nom', value: 'Du' },
        { op: 'goto', stepId: 'enfants' }
      ])
    ).version;
    expect([v1, v2]).toEqual([base + 1, base + 2]);
    const sync = ok(await command(hall.kiosk, 'session:sync', { sessionId: hall.session.id, version: base }));
    expect(sync.kind).toBe('patches');
    if (sync.kind !== 'patches') return;
    expect(sync.patches.map((p) => p.version)).toEqual([base + 1, base + 2]);
    const rebuilt = sync.patches.reduce((s, p) => applyChanges(s, p.changes, p.version), hall.session);
    expect(rebuilt).toEqual((await server.store.sessions.findById(hall.session.id))!.state);
  });

  it('a replayed patch (same id) is answered with its version and not applied twice', async () => {
    const patchId = rid();
    const first = ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'A' }], patchId));
    ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'B' }]));
    const replay = ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'A' }], patchId));
    expect(replay.version).toBe(first.version);
    expect((await server.store.sessions.findById(hall.session.id))!.state.answers.nom).toBe('B');
  });

  it('a patch replayed to a restarted server, and one replayed after many others, is still not applied twice', async () => {
    const patchId = rid();
    const first = ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'A' }], patchId));
    const { dataDir } = server;
    await server.close({ keepData: true });
    server = await startTestServer({}, { dataDir, catalogDirs: [shippedCatalogDir, testCatalogDir] });
    const kiosk = await connect(server, 'kiosk', hall.kioskToken);
    const answer = async (value: string, id = rid()) =>
      ok(
        await command(kiosk, 'session:patch', {
          sessionId: hall.session.id,
          patchId: id,
          ops: [{ op: 'answer', stepId: 'nom', value }]
        })
      );
    expect((await answer('A', patchId)).version).toBe(first.version);
    // The restarted server now holds the session: its later changes, then a second replay.
    for (let i = 0; i < 30; i++) await answer(`n${i}`);
    expect((await answer('A', patchId)).version).toBe(first.version);
    const stored = (await server.store.sessions.findById(hall.session.id))!.state;
    expect(stored).toMatchObject({ version: first.version + 30, answers: { nom: 'n29' } });
  });

  it('a client far behind, or ahead of the server, gets the whole state', async () => {
    const sync = ok(await command(hall.kiosk, 'session:sync', { sessionId: hall.session.id, version: 999 }));
    expect(sync).toMatchObject({ kind: 'snapshot', state: { id: hall.session.id } });
  });

  it('ending from the kiosk ("Tout effacer" or the inactivity wipe) closes the session and erases its contents', async () => {
    ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'Dupont-Secret' }]));
    ok(await command(hall.kiosk, 'session:end', { sessionId: hall.session.id, reason: 'inactivity' }));
    expect(ok(await command(hall.kiosk, 'kiosk:setup', {})).session).toBeNull();
    const row = await server.store.executor
      .db()
      .selectFrom('kiosk_sessions')
      .select(['status', 'end_reason'])
      .where('id', '=', hall.session.id)
      .executeTakeFirst();
    expect(row).toEqual({ status: 'ended', end_reason: 'inactivity' });
    expect(JSON.stringify(await snapshot(server.store))).not.toContain('Dupont-Secret');
  });
});

describe('bad operations are refused, naming what is wrong, and change nothing', () => {
  const cases: [string, unknown[], string, string][] = [
    ['unknown step', [{ op: 'goto', stepId: 'nope' }], 'ops.0.stepId', 'no step "nope"'],
    ['text for a number', [{ op: 'answer', stepId: 'enfants', value: 'three' }], 'ops.0.value', 'a number answer is a number'],
    ['too long', [{ op: 'answer', stepId: 'nom', value: 'x'.repeat(500) }], 'ops.0.value', 'at most'],
    ['unknown procedure', [{ op: 'open', procedureId: 'nope' }], 'ops.0.procedureId', 'no procedure "nope"'],
    [
      'second op after a valid one',
      [
        { op: 'goto', stepId: 'nom' },
        { op: 'answer', stepId: 'enfants', value: true }
      ],
      'ops.1.value',
      'a number'
    ]
  ];
  for (const [name, ops, path, message] of cases) {
    it(name, async () => {
      const before = await snapshot(server.store);
      const refused = await patch(hall.kiosk, ops);
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.error.code).toBe('invalid_payload');
      expect(refused.error.issues?.[0]?.path).toBe(path);
      expect(refused.error.message).toContain(message);
      expect(await snapshot(server.store)).toEqual(before);
    });
  }

  it('a kiosk cannot add agent notes, nor reach another kiosk’s session', async () => {
    expect(await patch(hall.kiosk, [{ op: 'note', text: 'hello' }])).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const other = await openHall(server);
    const before = await snapshot(server.store);
    const refused = await command(other.kiosk, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'catalog' }]
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('an agent who has not accepted the call sees nothing of the session', async () => {
    expect(await command(hall.marie, 'session:sync', { sessionId: hall.session.id, version: 0 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'An agent sees a session only while joined to its call' }
    });
  });
});

describe('working together on one session', () => {
  it('the agent’s edit reaches the kiosk and the citizen’s edit reaches the agent', async () => {
    await joinMarie();
    const atKiosk = patchWith(hall.kiosk, { op: 'answer', stepId: 'enfants', value: 2 });
    ok(await patch(hall.marie, [{ op: 'answer', stepId: 'enfants', value: 2 }]));
    expect((await atKiosk).by).toEqual({ kind: 'agent', name: 'Marie' });
    const atAgent = patchWith(hall.marie, { op: 'answer', stepId: 'nom', value: 'Martin' });
    ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'Martin' }]));
    expect((await atAgent).by).toEqual({ kind: 'citizen' });
  });

  it('both edit the same field: the last write wins, on both sides and in the store', async () => {
    await joinMarie();
    const kioskSeen = collect<SessionPatch>(hall.kiosk, 'session:patched');
    const agentSeen = collect<SessionPatch>(hall.marie, 'session:patched');
    await Promise.all([
      patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'from kiosk' }]),
      patch(hall.marie, [{ op: 'answer', stepId: 'nom', value: 'from agent' }])
    ]);
    // Each side's own answer comes after every patch the server sent it (one order per connection).
    ok(await command(hall.kiosk, 'site:get', {}));
    ok(await command(hall.marie, 'site:get', {}));
    const stored = (await server.store.sessions.findById(hall.session.id))!.state;
    const lastPatch = (await server.store.sessionPatches.since(hall.session.id, stored.version - 1, 1))[0]!;
    const winner = lastPatch.by.kind === 'agent' ? 'from agent' : 'from kiosk';
    expect(stored.answers.nom).toBe(winner);
    // Each side received the other's write (never its own echo).
    const nameWrites = (seen: SessionPatch[]) =>
      seen.flatMap((p) =>
        p.changes.filter((c) => c.op === 'answer' && c.stepId === 'nom').map((c) => (c.op === 'answer' ? c.value : null))
      );
    expect(nameWrites(kioskSeen)).toEqual(['from agent']);
    expect(nameWrites(agentSeen)).toEqual(['from kiosk']);
  });

  it('a change the store fails to keep is taken back on the other side, and the sender is told', async () => {
    await joinMarie();
    const before = (await server.store.sessions.findById(hall.session.id))!.state;
    const resets = collect<SessionState>(hall.marie, 'session:reset');
    const seen = collect<SessionPatch>(hall.marie, 'session:patched');
    // The disk refuses the next patch (as a full disk would).
    const allowPatches = await refuseWrites(server.store, 'session_patches', 'INSERT');
    const refused = await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'Perdu' }]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'internal' } });
    await expect.poll(() => resets.length).toBe(1);
    // The tablet first got the change (sent before the write), then the server's state back.
    expect(seen.map((p) => p.version)).toEqual([before.version + 1]);
    expect(resets[0]).toMatchObject({ id: hall.session.id, version: before.version });
    expect(resets[0]!.answers.nom).toBe(before.answers.nom);
    expect((await server.store.sessions.findById(hall.session.id))!.state).toEqual(before);

    await allowPatches();
    const next = patchWith(hall.marie, { op: 'answer', stepId: 'nom', value: 'Gardé' });
    expect(ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'nom', value: 'Gardé' }])).version).toBe(before.version + 1);
    expect((await next).version).toBe(before.version + 1);
  });

  it('a sensitive answer is never sent to the tablet: the agent sees that it is filled, not its value', async () => {
    ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'code-prive', value: 'SECRET-42' }]));
    const joined = await joinMarie();
    expect(joined.session.withheld).toEqual(['code-prive']);
    expect(JSON.stringify(joined.session)).not.toContain('SECRET-42');
    const atAgent = patchWith(hall.marie, { op: 'answer', stepId: 'code-prive', value: null, withheld: true });
    ok(await patch(hall.kiosk, [{ op: 'answer', stepId: 'code-prive', value: 'SECRET-43' }]));
    expect(JSON.stringify(await atAgent)).not.toContain('SECRET-43');
    const sync = ok(await command(hall.marie, 'session:sync', { sessionId: hall.session.id, version: 0 }));
    expect(JSON.stringify(sync)).not.toContain('SECRET');
  });

  it('“who is typing where” reaches the other side, and only there', async () => {
    await joinMarie();
    const seen = nextEvent(hall.marie, 'session:focus');
    const echo = collect(hall.kiosk, 'session:focus');
    hall.kiosk.emit('session:focus', { sessionId: hall.session.id, stepId: 'nom' });
    expect(await seen).toEqual({ sessionId: hall.session.id, by: 'citizen', name: '', stepId: 'nom' });
    const atKiosk = nextEvent(hall.kiosk, 'session:focus');
    hall.marie.emit('session:focus', { sessionId: hall.session.id, stepId: 'enfants' });
    expect(await atKiosk).toEqual({ sessionId: hall.session.id, by: 'agent', name: 'Marie', stepId: 'enfants' });
    expect(echo).toHaveLength(1);
  });

  it('“who is typing where” sent with each keystroke reaches the kiosk every time, not only when its line is idle', async () => {
    // A relayed change and the focus that goes with it leave for the kiosk within a moment of each
    // other; a volatile send is dropped while the previous frame is still being written.
    await joinMarie();
    const seen = collect(hall.kiosk, 'session:focus');
    const keystrokes = Array.from({ length: 40 }, (_, i) => {
      const acked = patch(hall.marie, [{ op: 'answer', stepId: 'nom', value: 'x'.repeat(i + 1) }]);
      hall.marie.emit('session:focus', { sessionId: hall.session.id, stepId: 'nom' });
      return acked;
    });
    for (const acked of await Promise.all(keystrokes)) ok(acked);
    await expect.poll(() => seen.length).toBe(40);
  });

  it('the agent adds a note that the kiosk receives with the agent’s first name', async () => {
    await joinMarie();
    const seen = collect<SessionPatch>(hall.kiosk, 'session:patched');
    ok(await patch(hall.marie, [{ op: 'note', text: 'Apporter le livret de famille' }]));
    await expect
      .poll(() => seen.flatMap((p) => p.changes).find((c) => c.op === 'note'))
      .toMatchObject({
        op: 'note',
        note: { text: 'Apporter le livret de famille', by: 'Marie' }
      });
  });
});
