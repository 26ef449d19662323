/**
 * The queue against the real server: a kiosk takes tickets, agents call them at counters, the
 * hall display receives each call once. Real socket.io clients, a real SQLite file.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallView, CounterView, QueueCounts } from '../../../shared/schemas/queue';
import { localWeekdayAndTime } from '../../../shared/opening-hours';
import { snapshot, value } from '../testing/fixtures';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, pairTerminal, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

let server: TestServer;
let hall: Hall;
let display: TestClient;
let counters: Record<string, CounterView>;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server);
  display = await connect(server, 'display', await pairTerminal(server, hall.managerToken, 'display', 'Écran du hall'));
  const state = ok(await command(hall.marie, 'queue:state', {}));
  counters = Object.fromEntries(state.counters.map((c) => [c.name, c]));
});
afterEach(async () => {
  await server.close();
});

const take = (service = 'titres', priority = false) =>
  command(hall.kiosk, 'ticket:take', { requestId: rid(), service, locale: 'fr', priority });
const next = (agent: TestClient, counter: string) =>
  command(agent, 'counter:next', { counterId: counters[counter]!.id, requestId: rid() });
const label = (view: CounterView) => view.current?.label ?? null;

describe('calling tickets at the counters', () => {
  it('a « next » sent again with its request id, even after a restart, calls no second ticket', async () => {
    ok(await take());
    ok(await take());
    const counterId = counters['Guichet 2']!.id;
    const requestId = rid();
    const first = ok(await command(hall.marie, 'counter:next', { counterId, requestId }));
    expect(label(first)).toBe('T-001');
    expect(label(ok(await command(hall.marie, 'counter:next', { counterId, requestId })))).toBe('T-001');
    // Known from the store, not from the process that answered first.
    const { dataDir } = server;
    await server.close({ keepData: true });
    server = await startTestServer({}, { dataDir });
    const marie = await connect(server, 'agent', hall.marieToken);
    expect(label(ok(await command(marie, 'counter:next', { counterId, requestId })))).toBe('T-001');
    expect(label(ok(await command(marie, 'counter:next', { counterId, requestId: rid() })))).toBe('T-002');
  });

  it('the kiosk takes a ticket, a counter calls it, the display receives the call once with its counter', async () => {
    const calls = collect<CallView>(display, 'queue:called');
    const ticket = ok(await take());
    expect(ticket.label).toBe('T-001');
    const at = ok(await next(hall.marie, 'Guichet 2'));
    expect(at.current).toMatchObject({ label: 'T-001', service: 'titres', priority: false });
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]).toMatchObject({
      label: 'T-001',
      counterName: 'Guichet 2',
      recall: false,
      serviceName: "Carte d'identité ou passeport"
    });
    // A display that (re)connects catches up from the store, in order.
    const state = ok(await command(display, 'display:state', {}));
    expect(state.recent.map((c) => [c.label, c.seq])).toEqual([['T-001', calls[0]!.seq]]);
    expect(state.announceLocales).toEqual(['fr']);
  });

  it('numbers restart each day, per service, and yesterday’s waiting tickets are closed', async () => {
    expect(ok(await take('titres')).label).toBe('T-001');
    expect(ok(await take('etat-civil')).label).toBe('E-001');
    expect(ok(await take('titres')).label).toBe('T-002');
    server.clock.advance(24 * 3600_000);
    await server.app.services.queue.expireOldTickets();
    expect(ok(await take('titres')).label).toBe('T-001');
    // The kiosk's list: yesterday's two are no longer waiting, only today's one.
    const waiting = ok(await command(hall.kiosk, 'queue:services', {})).find((s) => s.id === 'titres');
    expect(waiting?.waiting).toBe(1);
    expect(await value(server.store, sql`SELECT COUNT(*) FROM tickets WHERE status = 'cancelled'`)).toBe(3);
  });

  it('two counters pressing "call next" at once never get the same ticket', async () => {
    ok(await take());
    ok(await take());
    ok(await take());
    const [a, b] = await Promise.all([next(hall.marie, 'Guichet 1'), next(hall.karim, 'Guichet 2')]);
    const labels = [label(ok(a)), label(ok(b))];
    expect(new Set(labels).size).toBe(2);
    expect(labels.sort()).toEqual(['T-001', 'T-002']);
    // With one left and two counters pressing, one gets it and the other hears nobody waits.
    const [c, d] = await Promise.all([next(hall.marie, 'Guichet 1'), next(hall.karim, 'Guichet 2')]);
    expect([label(ok(c)), label(ok(d))].filter(Boolean)).toEqual(['T-003']);
  });

  it('one priority ticket after every two regular ones', async () => {
    for (let i = 0; i < 3; i++) ok(await take());
    ok(await take('titres', true));
    const order: (string | null)[] = [];
    for (let i = 0; i < 4; i++) order.push(label(ok(await next(hall.marie, 'Guichet 2'))));
    expect(order).toEqual(['T-001', 'T-002', 'T-004', 'T-003']);
  });

  it('recall announces the same ticket again; absent and done free the counter', async () => {
    const calls = collect<CallView>(display, 'queue:called');
    ok(await take());
    ok(await take());
    ok(await next(hall.marie, 'Guichet 2'));
    const counterId = counters['Guichet 2']!.id;
    expect(label(ok(await command(hall.marie, 'counter:recall', { counterId })))).toBe('T-001');
    await expect.poll(() => calls.length).toBe(2);
    expect(calls[1]).toMatchObject({ label: 'T-001', recall: true });
    expect(calls[1]!.seq).toBeGreaterThan(calls[0]!.seq);
    expect(ok(await command(hall.marie, 'counter:absent', { counterId })).current).toBeNull();
    expect(label(ok(await next(hall.marie, 'Guichet 2')))).toBe('T-002');
    expect(ok(await command(hall.marie, 'counter:finish', { counterId })).current).toBeNull();
    const rows = await server.store.executor.db().selectFrom('tickets').select(['label', 'status']).orderBy('number').execute();
    expect(rows).toEqual([
      { label: 'T-001', status: 'absent' },
      { label: 'T-002', status: 'done' }
    ]);
  });

  it('a transfer to another service keeps the number and its place', async () => {
    ok(await take('titres'));
    ok(await next(hall.marie, 'Guichet 2'));
    // A millisecond later: two tickets of one millisecond have no arrival order on PostgreSQL
    // (SQLite breaks the tie by insertion).
    server.clock.advance(1);
    ok(await take('ccas'));
    const moved = ok(await command(hall.marie, 'counter:transfer', { counterId: counters['Guichet 2']!.id, toService: 'ccas' }));
    expect(moved.current).toBeNull();
    // Guichet 3 calls from the social service: the transferred T-001 arrived first, so it goes first.
    expect(label(ok(await next(hall.karim, 'Guichet 3')))).toBe('T-001');
    expect(label(ok(await next(hall.karim, 'Guichet 3')))).toBe('C-001');
    // The next titres ticket is still T-002: a transfer never frees or renumbers a number.
    expect(ok(await take('titres')).label).toBe('T-002');
  });

  it('a transfer to a counter: that counter calls it next, whatever else waits', async () => {
    ok(await take('titres'));
    ok(await take('titres'));
    ok(await next(hall.marie, 'Guichet 2'));
    ok(await take('titres'));
    ok(
      await command(hall.marie, 'counter:transfer', {
        counterId: counters['Guichet 2']!.id,
        toCounterId: counters['Guichet 1']!.id
      })
    );
    // Guichet 2 does not get it back; Guichet 1 does, before T-002.
    expect(label(ok(await next(hall.marie, 'Guichet 2')))).toBe('T-002');
    expect(label(ok(await next(hall.karim, 'Guichet 1')))).toBe('T-001');
  });

  it('a ticket called out of order, by its number', async () => {
    for (let i = 0; i < 3; i++) ok(await take());
    expect(label(ok(await command(hall.marie, 'counter:call', { counterId: counters['Guichet 2']!.id, label: 't3' })))).toBe(
      'T-003'
    );
    expect(label(ok(await next(hall.marie, 'Guichet 2')))).toBe('T-001');
  });

  it('an agent gives a ticket to someone at the desk; every client hears the waiting counts', async () => {
    const updates = collect<QueueCounts>(hall.kiosk, 'queue:counts');
    const given = ok(await command(hall.marie, 'ticket:issue', { requestId: rid(), service: 'accueil', priority: true }));
    expect(given).toMatchObject({ label: 'A-001', priority: true });
    await expect.poll(() => updates.at(-1)?.services.find((s) => s.id === 'accueil')?.priorityWaiting).toBe(1);
    expect(JSON.stringify(updates.at(-1))).not.toContain('Marie');
  });

  it('the kiosk hears the usual wait once five tickets of the service were served at this hour', async () => {
    // Start at the top of an hour so the served tickets and the new one fall in the same hour.
    server.clock.advance(3_600_000 - (server.clock.now().getTime() % 3_600_000) + 60_000);
    const counterId = counters['Guichet 2']!.id;
    for (let i = 0; i < 5; i++) {
      const ticket = ok(await take());
      expect(ticket.waitMinutes).toBeNull();
      ok(await next(hall.marie, 'Guichet 2'));
      server.clock.advance(240_000);
      ok(await command(hall.marie, 'counter:finish', { counterId }));
    }
    ok(await take());
    const third = ok(await take());
    // Two people before and including this ticket, 4 minutes each, two counters call from titres.
    expect(third.peopleAhead).toBe(1);
    expect(third.waitMinutes).toEqual({ low: 4, high: 4 });
  });

  it('wrong counters, services and labels are refused, naming what is wrong, and nothing changes', async () => {
    ok(await take());
    // The ticket's printing goes on after the ack: done first, so only the refused commands are compared.
    await server.app.services.printing.idle();
    const before = await snapshot(server.store);
    expect(await command(hall.marie, 'counter:next', { counterId: 'nope', requestId: rid() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(
      await command(hall.marie, 'counter:services', { counterId: counters['Guichet 2']!.id, services: ['nowhere'] })
    ).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'services' }] } });
    expect(
      await command(hall.marie, 'counter:transfer', {
        counterId: counters['Guichet 2']!.id,
        toService: 'titres',
        toCounterId: 'x'
      })
    ).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await command(hall.marie, 'counter:call', { counterId: counters['Guichet 2']!.id, label: 'hello' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'label' }] }
    });
    expect(await command(hall.marie, 'counter:recall', { counterId: counters['Guichet 2']!.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await command(hall.kiosk, 'counter:next', { counterId: counters['Guichet 2']!.id, requestId: rid() })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' }
    });
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('a restart in the middle of the day', () => {
  it('keeps every ticket, every counter’s current call and the numbering', async () => {
    ok(await take());
    ok(await take());
    ok(await next(hall.marie, 'Guichet 2'));
    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    server = await startTestServer({}, { dataDir });
    const again = await openHall(server);
    const state = ok(await command(again.marie, 'queue:state', {}));
    expect(state.counters.find((c) => c.name === 'Guichet 2')?.current?.label).toBe('T-001');
    expect(state.services.find((s) => s.id === 'titres')?.waiting).toBe(1);
    expect(ok(await command(again.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' })).label).toBe(
      'T-003'
    );
    const display2 = ok(await command(again.marie, 'queue:state', {}));
    expect(display2.counters.length).toBe(3);
  });
});

describe('the manager sets up services and counters', () => {
  it('renames a service and changes its letter; new numbers take the new letter', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const saved = ok(
      await command(manager, 'service:save', { id: 'titres', prefix: 'p', name: "Passeports et cartes d'identité" })
    );
    expect(saved).toMatchObject({ id: 'titres', prefix: 'P', name: "Passeports et cartes d'identité", open: true });
    expect(ok(await take('titres')).label).toBe('P-001');
    const added = ok(await command(manager, 'counter:save', { name: 'Bureau 4' }));
    expect(added).toMatchObject({ name: 'Bureau 4', services: [], current: null });
    ok(await command(manager, 'counter:save', { id: added.id, name: 'Bureau 5' }));
    expect(ok(await command(hall.marie, 'queue:state', {})).counters.map((c) => c.name)).toContain('Bureau 5');
  });

  it('a letter or a counter name already used is refused, naming the field; nothing changes', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const before = await snapshot(server.store);
    expect(await command(manager, 'service:save', { id: 'titres', prefix: 'A', name: 'Titres' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'prefix' }] }
    });
    expect(await command(manager, 'counter:save', { name: 'guichet 1' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'name' }] }
    });
    expect(await command(manager, 'service:save', { id: 'titres', prefix: '7', name: 'Titres' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'prefix' }] }
    });
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('a service closed by its hours takes no ticket at the kiosk, and says so; an agent may still give one', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    // Open only on a day that is not today, in the site's time zone.
    const today = Number(localWeekdayAndTime(server.clock.now(), 'Europe/Paris').weekday);
    const other = String((today % 7) + 1) as '1';
    ok(
      await command(manager, 'service:save', {
        id: 'ccas',
        prefix: 'C',
        name: 'Action sociale',
        openingHours: { [other]: [['00:00', '24:00']] }
      })
    );
    const list = ok(await command(hall.kiosk, 'queue:services', {}));
    expect(list.find((s) => s.id === 'ccas')).toMatchObject({ open: false });
    expect(await take('ccas')).toMatchObject({ ok: false, error: { code: 'service_closed' } });
    expect(ok(await command(hall.marie, 'ticket:issue', { requestId: rid(), service: 'ccas' })).label).toBe('C-001');
  });
});
