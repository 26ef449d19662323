/**
 * A day in the demo hall with known times, for the statistics tests: tickets taken at the kiosk and
 * called at two counters by two agents, help calls answered by two agents after known delays, one
 * that nobody answers, one made outside any procedure, a printer running out of paper, and a ticket
 * taken just after local midnight. Everything goes through the real server and real clients.
 *
 * Times (Europe/Paris is UTC+1 in November):
 * - 08:00Z (09 h local): tickets T-001..T-003 at +0, +60, +120 s; called at +300, +400, +500 s
 *   → waits 300, 340, 380 s;
 * - 09:00Z (10 h local): help calls in « titres » answered after 10, 30, 50 s, one unanswered
 *   (given up after the site's delay), and one from the catalog (no service) answered after 20 s;
 * - 10:00Z (11 h local): the receipt printer runs out of paper, then is refilled;
 * - 23:30Z (00 h 30 local, the next day): one more ticket.
 */
import type { CounterView } from '../../../shared/schemas/queue';
import { ok, rid, type Hall } from './hall';
import { command, type TestClient, type TestServer } from './test-server';

const dayStart = '2026-11-24T08:00:00.000Z';

/** Moves the server's manual clock to an instant (forward or back). */
export function setClock(server: TestServer, iso: string): void {
  server.clock.advance(Date.parse(iso) - server.clock.now().getTime());
}

export async function playTeamDay(server: TestServer, hall: Hall): Promise<void> {
  const siteId = (await server.store.sites.listDemo())[0]!.id;
  const state = ok(await command(hall.marie, 'queue:state', {}));
  const counters: Record<string, CounterView> = Object.fromEntries(state.counters.map((c) => [c.name, c]));
  const next = (agent: TestClient, counter: string) =>
    command(agent, 'counter:next', { counterId: counters[counter]!.id, requestId: rid() });

  // The hall's first session (opened by openHall) is ended: each call below has its own.
  ok(await command(hall.kiosk, 'session:end', { sessionId: hall.session.id, reason: 'finished' }));

  setClock(server, dayStart);
  for (const offset of [0, 60, 120]) {
    setClock(server, new Date(Date.parse(dayStart) + offset * 1000).toISOString());
    ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  }
  const calls: [TestClient, string, number][] = [
    [hall.marie, 'Guichet 1', 300],
    [hall.karim, 'Guichet 2', 400],
    [hall.marie, 'Guichet 1', 500]
  ];
  for (const [agent, counter, at] of calls) {
    setClock(server, new Date(Date.parse(dayStart) + at * 1000).toISOString());
    const view = ok(await next(agent, counter));
    if (!view.current) throw new Error('no ticket to call');
    ok(await command(agent, 'counter:finish', { counterId: counters[counter]!.id }));
  }

  setClock(server, '2026-11-24T09:00:00.000Z');
  await helpCall(server, hall, hall.marie, 10, 'carte-identite-passeport');
  await helpCall(server, hall, hall.karim, 30, 'carte-identite-passeport');
  await helpCall(server, hall, hall.marie, 50, 'carte-identite-passeport');
  await helpCall(server, hall, hall.karim, 20, null);
  await unansweredCall(server, hall, 'carte-identite-passeport');

  setClock(server, '2026-11-24T10:00:00.000Z');
  await server.app.services.printing.idle();
  const printer = server.virtualPrinters!.device;
  printer.setState({ paperEnd: true });
  await server.app.services.printing.refresh(siteId);
  setClock(server, '2026-11-24T10:20:00.000Z');
  printer.setState({ paperEnd: false });
  await server.app.services.printing.refresh(siteId);

  setClock(server, '2026-11-24T23:30:00.000Z');
  ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  await server.app.services.printing.idle();
}

async function newSession(hall: Hall, procedureId: string | null) {
  const session = ok(await command(hall.kiosk, 'session:start', { requestId: rid(), locale: 'fr' }));
  if (procedureId) {
    ok(await command(hall.kiosk, 'session:patch', { sessionId: session.id, patchId: rid(), ops: [{ op: 'open', procedureId }] }));
  }
  return session;
}

/** A call answered by `agent` after `seconds`, then the session ended by the agent; a minute passes. */
async function helpCall(server: TestServer, hall: Hall, agent: TestClient, seconds: number, procedureId: string | null) {
  const session = await newSession(hall, procedureId);
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: session.id, requestId: rid() }));
  server.clock.advance(seconds * 1000);
  ok(await command(agent, 'call:accept', { callId: call.id }));
  ok(await command(agent, 'session:end', { sessionId: session.id, reason: 'agent' }));
  server.clock.advance(60_000);
}

/** A call nobody accepts: past the site's give-up delay it is unanswered; the citizen then leaves. */
async function unansweredCall(server: TestServer, hall: Hall, procedureId: string) {
  const session = await newSession(hall, procedureId);
  ok(await command(hall.kiosk, 'call:create', { sessionId: session.id, requestId: rid() }));
  server.clock.advance(130_000);
  await server.app.services.calls.tick();
  ok(await command(hall.kiosk, 'session:end', { sessionId: session.id, reason: 'finished' }));
  server.clock.advance(60_000);
}
