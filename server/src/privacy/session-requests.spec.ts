/**
 * A citizen's requests about their session, answered by the site manager with the reference on
 * their paper: the session exported as JSON (without any agent's account id) or erased like the
 * retention purge erases it; each written to the audit log. Sessions going on at a kiosk are
 * refused, unknown references are a clear 404, another site's reference is unknown. Also the audit
 * log's CSV export. Real server, real clients, real SQLite file.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionExport } from '../../../shared/schemas/privacy';
import { addSite, fixturePassword, tablesMentioning, value } from '../testing/fixtures';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { setClock } from '../testing/team-day';
import {
  command,
  connect,
  login,
  startTestServer,
  testCatalogDir,
  type TestClient,
  type TestServer
} from '../testing/test-server';
import { shippedCatalogDir } from '../procedures/catalog';
import { auditCsvHeader } from '../audit/audit-csv';

let server: TestServer;
let hall: Hall;
let manager: TestClient;

beforeEach(async () => {
  server = await startTestServer({}, { catalogDirs: [shippedCatalogDir, testCatalogDir] });
  setClock(server, '2026-11-24T09:00:00.000Z');
  hall = await openHall(server, { procedureId: 'essai-saisies' });
  manager = await connect(server, 'manager', hall.managerToken);
});
afterEach(async () => {
  await server.close();
});

/** The citizen types a name, Marie joins and ends the session: its contents are kept until the purge. */
async function sessionEndedByAgent(): Promise<string> {
  ok(
    await command(hall.kiosk, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'answer', stepId: 'nom', value: 'Dupont-Demande' }]
    })
  );
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  server.clock.advance(15_000);
  ok(await command(hall.marie, 'call:accept', { callId: call.id }));
  ok(await command(hall.marie, 'session:end', { sessionId: hall.session.id, reason: 'agent' }));
  return call.id;
}

const get = (path: string, token: string | null = hall.managerToken) =>
  fetch(`${server.url}${path}`, { headers: token ? { cookie: `guichet_manager=${token}` } : {} });
/** As the citizen might read it out: lower case, no space. */
const typed = () => hall.session.reference.replace(' ', '').toLowerCase();
const rowsMentioning = (text: string) => tablesMentioning(server.store, text);
const marieId = async () => (await value(server.store, sql`SELECT id FROM accounts WHERE login = 'marie'`)) as string;

describe('exporting a session at the citizen’s request', () => {
  it('finds it by its reference, exports it as JSON without account ids, and writes who did it to the audit log', async () => {
    await sessionEndedByAgent();
    const found = ok(await command(manager, 'session:lookup', { reference: typed() }));
    expect(found).toEqual({
      reference: hall.session.reference,
      status: 'ended',
      startedAt: hall.session.startedAt,
      endedAt: '2026-11-24T09:00:15.000Z',
      procedureId: 'essai-saisies'
    });

    const res = await get(`/api/sessions/${typed()}.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="session-${hall.session.reference.replace(' ', '-')}.json"`
    );
    const text = await res.text();
    const body = JSON.parse(text) as SessionExport;
    expect(body).toMatchObject({
      format: 'guichet-session/1',
      site: { name: 'Mairie de Démoville', timezone: 'Europe/Paris' },
      session: {
        reference: hall.session.reference,
        status: 'ended',
        endReason: 'agent',
        state: { answers: { nom: 'Dupont-Demande' } }
      }
    });
    expect(body.changes.some((c) => c.changes.some((ch) => ch.op === 'answer' && ch.value === 'Dupont-Demande'))).toBe(true);
    expect(body.helpCalls).toEqual([
      {
        reason: 'help',
        service: expect.any(String),
        status: 'done',
        unansweredReason: null,
        createdAt: '2026-11-24T09:00:00.000Z',
        answeredAt: '2026-11-24T09:00:15.000Z',
        endedAt: '2026-11-24T09:00:15.000Z'
      }
    ]);
    // Agents appear as the kiosk showed them (a first name), never by their account.
    expect(text).not.toContain(await marieId());
    expect(text).not.toContain('agentId');

    const audit = ok(await command(manager, 'audit:list', { limit: 5 }));
    expect(audit[0]).toMatchObject({ action: 'export', actorName: 'Camille', sessionReference: hall.session.reference });
  });

  it('refuses a session still going on at a kiosk, an unknown reference (404) and a malformed one (400)', async () => {
    expect(ok(await command(manager, 'session:lookup', { reference: typed() }))).toMatchObject({ status: 'active' });
    const active = await get(`/api/sessions/${typed()}.json`);
    expect(active.status).toBe(409);
    expect(await active.json()).toMatchObject({ error: { code: 'session_active' } });
    expect(await command(manager, 'session:erase', { reference: typed() })).toMatchObject({
      ok: false,
      error: { code: 'session_active' }
    });

    const unknown = await get('/api/sessions/AAAAAA.json');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'not_found', message: expect.stringContaining('No session with reference AAA AAA') }
    });
    expect(await command(manager, 'session:lookup', { reference: 'AAA AAA' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    const malformed = await get('/api/sessions/B0B.json');
    expect(malformed.status).toBe(400);
    const refused = await command(manager, 'session:erase', { reference: 'B0B' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(!refused.ok && refused.error.issues?.every((i) => i.path === 'reference')).toBe(true);
    // Nothing was written for refused requests.
    expect(ok(await command(manager, 'audit:list', { limit: 50 })).filter((e) => ['export', 'erase'].includes(e.action))).toEqual(
      []
    );
  });

  it('is for the site manager only: 401 without a login, forbidden for an agent', async () => {
    await sessionEndedByAgent();
    const res = await get(`/api/sessions/${typed()}.json`, null);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect(await command(hall.karim, 'session:erase', { reference: typed() })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' }
    });
  });
});

describe('erasing a session at the citizen’s request', () => {
  it('erases its contents like the retention purge, keeps the call without it, and logs the request', async () => {
    const callId = await sessionEndedByAgent();
    expect((await rowsMentioning('Dupont-Demande')).length).toBeGreaterThan(0);
    expect(ok(await command(manager, 'session:erase', { reference: typed() }))).toEqual({ reference: hall.session.reference });
    expect(await rowsMentioning('Dupont-Demande')).toEqual([]);
    expect(await server.store.sessions.findById(hall.session.id)).toBeNull();
    expect(await server.store.helpCalls.findById(callId)).toMatchObject({ status: 'done', sessionId: null });
    // Only the audit log keeps the reference, with who erased it.
    expect(await rowsMentioning(hall.session.reference)).toEqual(['audit_log']);
    const audit = ok(await command(manager, 'audit:list', { limit: 5 }));
    expect(audit[0]).toMatchObject({ action: 'erase', actorName: 'Camille', sessionReference: hall.session.reference });

    // Gone: a second request says so clearly.
    expect(await command(manager, 'session:erase', { reference: typed() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect((await get(`/api/sessions/${typed()}.json`)).status).toBe(404);
  });
});

describe('one site never reaches another’s sessions or log', () => {
  it('a manager of site B finds nothing of site A, and A’s audit CSV holds none of B’s rows', async () => {
    await sessionEndedByAgent();
    const b = await addSite(server.store, server.clock, 'Autreville');
    const tokenB = await login(server, 'manager', b.managerLogin, fixturePassword);
    const managerB = await connect(server, 'manager', tokenB);
    expect(await command(managerB, 'session:lookup', { reference: typed() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await command(managerB, 'session:erase', { reference: typed() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect((await get(`/api/sessions/${typed()}.json`, tokenB)).status).toBe(404);
    expect(await server.store.sessions.findById(hall.session.id)).not.toBeNull();
    // B's own session, exported by B.
    const kioskB = await connect(server, 'kiosk', await server.app.services.terminals.mintToken(b.kioskId));
    const sessionB = ok(await command(kioskB, 'session:start', { requestId: rid(), locale: 'fr' }));
    ok(await command(kioskB, 'session:end', { sessionId: sessionB.id, reason: 'finished' }));
    const refB = sessionB.reference.replace(' ', '');
    expect((await get(`/api/sessions/${refB}.json`)).status).toBe(404);
    expect((await get(`/api/sessions/${refB}.json`, tokenB)).status).toBe(200);

    const csvA = await (await get('/api/audit.csv')).text();
    const csvB = await (await get('/api/audit.csv', tokenB)).text();
    expect(csvA).toContain(hall.session.reference);
    expect(csvA).not.toContain(sessionB.reference);
    expect(csvB).toContain(sessionB.reference);
    expect(csvB).not.toContain(hall.session.reference);
  });
});

describe('the audit log as CSV', () => {
  it('has every row of the site, oldest first, in UTC and local time; 401 without a login', async () => {
    await sessionEndedByAgent();
    expect((await get(`/api/sessions/${typed()}.json`)).status).toBe(200);
    const res = await get('/api/audit.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="journal-des-acces.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(auditCsvHeader.join(';'));
    const ref = hall.session.reference;
    expect(lines.slice(1)).toEqual([
      `2026-11-24T09:00:15.000Z;2026-11-24;10:00;Marie;accept;;${ref}`,
      `2026-11-24T09:00:15.000Z;2026-11-24;10:00;Marie;view;;${ref}`,
      `2026-11-24T09:00:15.000Z;2026-11-24;10:00;Marie;end;;${ref}`,
      `2026-11-24T09:00:15.000Z;2026-11-24;10:00;Camille;export;;${ref}`
    ]);
    expect((await get('/api/audit.csv', null)).status).toBe(401);
  });
});
