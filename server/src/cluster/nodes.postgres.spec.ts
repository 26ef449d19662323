/**
 * Two nodes (two servers in this process, each with its own memory) on one PostgreSQL database,
 * joined by the socket.io adapter as in production: what one node keeps in memory must follow what
 * the other changes. A kiosk on the first node calls; the agent's tablet is on the second: it rings
 * there, and not once the agent said she is on a break (said to the second node). A procedure
 * withdrawn on one node is no longer offered by the other.
 */
import { beforeEach, expect, it } from 'vitest';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, login, nextEvent, type TestClient } from '../testing/test-server';
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
