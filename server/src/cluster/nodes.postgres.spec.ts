/**
 * Two nodes (two servers in this process, each with its own memory) on one PostgreSQL database,
 * joined by the socket.io adapter as in production: what one node keeps in memory must follow what
 * the other changes. A kiosk on the first node calls; the agent's tablet is on the second: it rings
 * there, and not once the agent said she is on a break (said to the second node). A procedure
 * withdrawn on one node is no longer offered by the other.
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { hashSecret } from '../auth/secrets';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, login, nextEvent, type TestClient, type TestServer } from '../testing/test-server';
import { twoNodesOnOneDatabase } from '../testing/two-nodes';

const nodes = twoNodesOnOneDatabase();
let hall: Hall;
/** Marie's tablet, on the second node (her socket on the first is closed). */
let marie: TestClient;

beforeEach(async () => {
  hall = await openHall(nodes.first, { procedureId: 'essai-saisies' });
  hall.marie.disconnect();
  hall.karim.disconnect();
  marie = await connect(nodes.second, 'agent', hall.marieToken);
});

it('a call from a kiosk on one node rings the tablet on the other, and follows her availability set there', async () => {
  // The first node learns of Marie's tablet on the second (its own sockets for her are closed).
  const [siteId] = await nodes.first.store.sites.listIds();
  await expect.poll(() => nodes.first.app.services.agents.connectedCount(siteId!)).toBe(1);
  const ring = nextEvent(marie, 'call:ring');
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  expect(call.status).toBe('ringing');
  expect((await ring).callId).toBe(call.id);
  ok(await command(hall.kiosk, 'call:cancel', { callId: call.id }));

  // On a break, said to the second node: a call made on the first does not ring her.
  ok(await command(marie, 'agent:presence', { status: 'break' }));
  const rings = collect<{ callId: string }>(marie, 'call:ring');
  await expect
    .poll(async () => {
      const again = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
      ok(await command(hall.kiosk, 'call:cancel', { callId: again.id }));
      return again.estimate?.availableAgents ?? null;
    })
    .toBe(0);
  // The last call was made once the first node knew: nothing rang after it was cancelled.
  const rungBefore = rings.length;
  const last = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  ok(await command(marie, 'agent:state', {}));
  expect(rings.slice(rungBefore).map((r) => r.callId)).not.toContain(last.id);
});

it('a procedure withdrawn through one node is no longer offered by the other', async () => {
  const managerOnFirst = await connect(nodes.first, 'manager', hall.managerToken);
  const kioskOnSecond = await connect(nodes.second, 'kiosk', hall.kioskToken);
  // The second node reads (and keeps) the site's offer.
  expect(ok(await command(kioskOnSecond, 'kiosk:setup', {})).procedures.map((p) => p.id)).toContain('changement-adresse');
  ok(await command(managerOnFirst, 'procedure:unpublish', { id: 'changement-adresse' }));
  await expect
    .poll(async () => ok(await command(kioskOnSecond, 'kiosk:setup', {})).procedures.map((p) => p.id))
    .not.toContain('changement-adresse');
  // And the manager's own login works on either node (the store is one).
  expect(await login(nodes.second, 'manager', 'gestion', 'demoville-gestion')).toEqual(expect.any(String));
});

it('a kiosk connected to one node is online in the console served by the other, and offline once it leaves', async () => {
  const managerOnSecond = await connect(nodes.second, 'manager', hall.managerToken);
  const kioskOnline = async () =>
    ok(await command(managerOnSecond, 'terminal:list', {})).find((t) => t.kind === 'kiosk' && t.online) !== undefined;
  // The hall's kiosk is on the first node only.
  await expect.poll(kioskOnline).toBe(true);
  hall.kiosk.disconnect();
  await expect.poll(kioskOnline).toBe(false);
});

it('a site’s setup code issued by an operator on one node creates its manager on the other, once', async () => {
  await nodes.first.store.operators.insert({
    id: randomUUID(),
    login: 'camille',
    firstName: 'Camille',
    secretHash: await hashSecret('exploitation-solide'),
    active: true,
    createdAt: new Date().toISOString()
  });
  const post = (server: TestServer, path: string, body: unknown, cookie = '') =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body)
    });
  const loggedIn = await post(nodes.first, '/api/exploitation/login', { login: 'camille', password: 'exploitation-solide' });
  const cookie = (loggedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const created = await post(
    nodes.first,
    '/api/exploitation/sites',
    { name: 'Mairie de Saint-Essai', timezone: 'Europe/Paris' },
    cookie
  );
  const { setupCode } = (await created.json()) as { setupCode: string };
  const form = { code: setupCode, firstName: 'Claire', login: 'claire', password: 'un-mot-de-passe-solide' };
  // The manager's browser reaches the other node (the digest travels to it in a moment).
  await expect.poll(async () => (await post(nodes.second, '/api/setup/site', form)).status).toBe(200);
  // Spent, on both nodes.
  const refusal = async (server: TestServer) =>
    ((await (await post(server, '/api/setup/site', form)).json()) as { error?: { code: string } }).error?.code;
  await expect.poll(() => refusal(nodes.first)).toBe('setup_code_invalid');
  expect(await refusal(nodes.second)).toBe('setup_code_invalid');
});

it('a ticket taken on one node updates the queue of the staff connected only to the other', async () => {
  const managerOnSecond = await connect(nodes.second, 'manager', hall.managerToken);
  const updated = nextEvent(managerOnSecond, 'queue:updated');
  ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  expect((await updated).services.find((s) => s.id === 'titres')).toMatchObject({ waiting: 1 });
});
