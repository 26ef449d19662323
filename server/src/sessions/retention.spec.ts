/**
 * The retention purge with a controlled clock: an ended session's contents stay until the end of
 * the day by default (or the manager's number of days), then are gone; calls, tickets and the
 * audit log keep no personal data and stay.
 */
import { tablesMentioning } from '../testing/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, startTestServer, testCatalogDir, type TestServer } from '../testing/test-server';
import { shippedCatalogDir } from '../procedures/catalog';

let server: TestServer;
let hall: Hall;

beforeEach(async () => {
  server = await startTestServer({}, { catalogDirs: [shippedCatalogDir, testCatalogDir] });
  // 10:00 in Paris, so "the end of the day" is hours away.
  server.clock.advance(Date.parse('2026-11-24T09:00:00Z') - server.clock.now().getTime());
  hall = await openHall(server, { procedureId: 'essai-saisies' });
});
afterEach(async () => {
  await server.close();
});

/** The citizen types a name, Marie joins, prints, and ends the session: its contents are kept for now. */
async function sessionEndedByAgent(): Promise<string> {
  ok(
    await command(hall.kiosk, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'answer', stepId: 'nom', value: 'Dupont-Purge' }]
    })
  );
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  ok(await command(hall.marie, 'call:accept', { callId: call.id }));
  ok(await command(hall.marie, 'session:end', { sessionId: hall.session.id, reason: 'agent' }));
  return call.id;
}

const rowsMentioning = (text: string) => tablesMentioning(server.store, text);

describe('retention', () => {
  it('by default, an ended session is kept until the end of its day, then its contents are gone', async () => {
    const callId = await sessionEndedByAgent();
    server.clock.advance(12 * 3600_000); // 22:00 the same day
    expect(await server.app.services.purgeSessions()).toBe(0);
    expect(await rowsMentioning('Dupont-Purge')).toEqual(['kiosk_sessions', 'session_patches']);

    server.clock.advance(3 * 3600_000); // 01:00 the next day
    expect(await server.app.services.purgeSessions()).toBe(1);
    expect(await rowsMentioning('Dupont-Purge')).toEqual([]);
    expect(await server.store.sessions.findById(hall.session.id)).toBeNull();
    // The call still counts, without its session; the audit log keeps the reference only.
    expect(await server.store.helpCalls.findById(callId)).toMatchObject({ status: 'done', sessionId: null });
    expect(await rowsMentioning(hall.session.reference)).toEqual(['audit_log']);
  });

  it('the manager keeps sessions for some days; then they go', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    expect(ok(await command(manager, 'site:retention', { days: 2 }))).toEqual({ days: 2 });
    expect(await command(manager, 'site:retention', { days: 400 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'days' }] }
    });
    await sessionEndedByAgent();
    server.clock.advance(2 * 24 * 3600_000); // two days later: still kept
    expect(await server.app.services.purgeSessions()).toBe(0);
    server.clock.advance(24 * 3600_000);
    expect(await server.app.services.purgeSessions()).toBe(1);
    expect(await rowsMentioning('Dupont-Purge')).toEqual([]);
  });

  it('a session going on is never purged', async () => {
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'answer', stepId: 'nom', value: 'Encore-La' }]
      })
    );
    server.clock.advance(3 * 24 * 3600_000);
    expect(await server.app.services.purgeSessions()).toBe(0);
    expect((await rowsMentioning('Encore-La')).length).toBeGreaterThan(0);
  });
});
