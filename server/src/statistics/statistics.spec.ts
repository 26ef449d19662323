/**
 * The team's statistics against the real server, on a controlled clock: a day with known tickets,
 * calls and a printer fault (testing/team-day.ts), then the figures per local day, hour and service
 * — medians and 90th percentiles, unanswered calls, the hour after midnight counted on the next
 * day — as the console gets them and as the CSV says them. Managers only, each their own site.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatsReport } from '../../../shared/schemas/statistics';
import { addSite, fixturePassword, rows } from '../testing/fixtures';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { playTeamDay, setClock } from '../testing/team-day';
import { command, connect, login, startTestServer, type TestClient, type TestServer } from '../testing/test-server';
import { statsCsvHeader } from './statistics-csv';

let server: TestServer;
let hall: Hall;

beforeEach(async () => {
  server = await startTestServer();
  setClock(server, '2026-11-24T07:30:00.000Z');
  hall = await openHall(server);
});
afterEach(async () => {
  await server.close();
});

async function manager(): Promise<{ client: TestClient; token: string }> {
  const token = await login(server, 'manager', 'gestion', 'demoville-gestion');
  return { client: await connect(server, 'manager', token), token };
}
const stats = async (client: TestClient, from: string, to: string): Promise<StatsReport> =>
  ok(await command(client, 'stats:get', { from, to }));
const csv = (token: string | null, query: string) =>
  fetch(`${server.url}/api/stats.csv?${query}`, { headers: token ? { cookie: `guichet_manager=${token}` } : {} });

const none = {
  helpCalls: 0,
  answered: 0,
  unanswered: 0,
  answerMedianSeconds: null,
  answerP90Seconds: null,
  ticketsIssued: 0,
  ticketsCalled: 0,
  waitMedianSeconds: null,
  waitP90Seconds: null
};

describe('statistics per day, hour and service', () => {
  it('counts calls, answer times, unanswered calls, tickets, waits and printer faults at the site’s local hours', async () => {
    await playTeamDay(server, hall);
    const { client } = await manager();
    const report = await stats(client, '2026-11-24', '2026-11-25');
    expect(report).toMatchObject({ from: '2026-11-24', to: '2026-11-25', timezone: 'Europe/Paris' });
    expect(report.rows).toEqual([
      // 08:00Z is 09 h in Paris: three tickets waited 300, 340 and 380 s (nearest-rank median, 90 %).
      {
        ...none,
        day: '2026-11-24',
        hour: 9,
        service: 'titres',
        ticketsIssued: 3,
        ticketsCalled: 3,
        waitMedianSeconds: 340,
        waitP90Seconds: 380
      },
      // Calls in a procedure of « titres »: answered after 10, 30 and 50 s, one nobody answered.
      {
        ...none,
        day: '2026-11-24',
        hour: 10,
        service: 'titres',
        helpCalls: 4,
        answered: 3,
        unanswered: 1,
        answerMedianSeconds: 30,
        answerP90Seconds: 50
      },
      // From the catalog, outside any procedure: no service.
      {
        ...none,
        day: '2026-11-24',
        hour: 10,
        service: null,
        helpCalls: 1,
        answered: 1,
        answerMedianSeconds: 20,
        answerP90Seconds: 20
      },
      // 23:30Z is 00:30 the next day in Paris.
      { ...none, day: '2026-11-25', hour: 0, service: 'titres', ticketsIssued: 1 }
    ]);
    expect(report.printerFaults).toEqual([{ day: '2026-11-24', hour: 11, faults: 1 }]);
    // The day's totals come from the samples, not from averaging the hours: 10, 20, 30, 50 s.
    expect(report.days).toEqual([
      {
        day: '2026-11-24',
        helpCalls: 5,
        answered: 4,
        unanswered: 1,
        answerMedianSeconds: 20,
        answerP90Seconds: 50,
        ticketsIssued: 3,
        ticketsCalled: 3,
        waitMedianSeconds: 340,
        waitP90Seconds: 380,
        printerFaults: 1
      },
      { ...none, day: '2026-11-25', ticketsIssued: 1, printerFaults: 0 }
    ]);
    expect(report.byService.map((s) => [s.service, s.helpCalls, s.ticketsIssued])).toEqual([
      ['titres', 4, 4],
      [null, 1, 0]
    ]);
    expect(report.byHour).toHaveLength(24);
    expect(report.byHour.filter((h) => h.helpCalls + h.ticketsIssued + h.printerFaults > 0).map((h) => h.hour)).toEqual([
      0, 9, 10, 11
    ]);
    expect(report.total).toMatchObject({ helpCalls: 5, unanswered: 1, ticketsIssued: 4, ticketsCalled: 3, printerFaults: 1 });
    expect(report.services.map((s) => s.id)).toContain('titres');

    // The period is the site's calendar: the ticket after midnight is the 25th's only.
    expect((await stats(client, '2026-11-24', '2026-11-24')).total).toMatchObject({ helpCalls: 5, ticketsIssued: 3 });
    expect((await stats(client, '2026-11-25', '2026-11-25')).rows).toEqual([
      { ...none, day: '2026-11-25', hour: 0, service: 'titres', ticketsIssued: 1 }
    ]);

    // The printer's outage was recorded with its end, and names no one.
    expect(await rows(server.store, sql`SELECT fault, started_at, ended_at FROM printer_faults`)).toEqual([
      { fault: 'paper_end', started_at: '2026-11-24T10:00:00.000Z', ended_at: '2026-11-24T10:20:00.000Z' }
    ]);
  });

  it('refuses a period that ends before it starts, is too long, or is not made of dates', async () => {
    const { client } = await manager();
    expect(await command(client, 'stats:get', { from: '2026-11-24', to: '2026-11-23' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'to' }] }
    });
    expect(await command(client, 'stats:get', { from: '2026-01-01', to: '2026-12-31' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'to', message: 'at most 92 days at once' }] }
    });
    expect(await command(client, 'stats:get', { from: '2026-02-30', to: '2026-03-01' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'from' }] }
    });
    // 92 days are fine.
    expect((await command(client, 'stats:get', { from: '2026-09-01', to: '2026-12-01' })).ok).toBe(true);
  });

  it('is for managers: an agent’s tablet cannot ask', async () => {
    expect(await command(hall.marie, 'stats:get', { from: '2026-11-24', to: '2026-11-24' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' }
    });
  });
});

describe('statistics as CSV', () => {
  it('has a header row and one line per day, hour and service, with printer faults on site lines', async () => {
    await playTeamDay(server, hall);
    const { token } = await manager();
    const res = await csv(token, 'from=2026-11-24&to=2026-11-25');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="statistiques-2026-11-24-2026-11-25.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    // UTF-8 with a byte-order mark, so a French spreadsheet shows the accents.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1)).toEqual([
      statsCsvHeader.join(';'),
      "2026-11-24;9;titres;Carte d'identité ou passeport;0;0;0;;;3;3;340;380;",
      "2026-11-24;10;titres;Carte d'identité ou passeport;4;3;1;30;50;0;0;;;",
      '2026-11-24;10;;(sans démarche);1;1;0;20;20;0;0;;;',
      '2026-11-24;11;*;(tout le site);;;;;;;;;;1',
      "2026-11-25;0;titres;Carte d'identité ou passeport;0;0;0;;;1;0;;;"
    ]);
  });

  it('answers 401 without a manager’s login, 400 for a bad period', async () => {
    const res = await csv(null, 'from=2026-11-24&to=2026-11-24');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    // An agent's login is not a manager's.
    const agentToken = await login(server, 'agent', 'marie', '1234');
    const asAgent = await fetch(`${server.url}/api/stats.csv?from=2026-11-24&to=2026-11-24`, {
      headers: { cookie: `guichet_agent=${agentToken}; guichet_manager=${agentToken}` }
    });
    expect(asAgent.status).toBe(401);
    const { token } = await manager();
    const bad = await csv(token, 'from=2026-11-24');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_payload', issues: [{ path: 'to' }] } });
  });
});

describe('each site its own figures', () => {
  it('a manager of site A never counts site B, and B never counts A', async () => {
    await playTeamDay(server, hall);
    const b = await addSite(server.store, server.clock, 'Autreville');
    const kioskB = await connect(server, 'kiosk', await server.app.services.terminals.mintToken(b.kioskId));
    const tokenB = await login(server, 'manager', b.managerLogin, fixturePassword);
    const managerB = await connect(server, 'manager', tokenB);
    ok(await command(managerB, 'service:save', { id: 'titres', prefix: 'T', name: 'Titres', openingHours: {} }));
    setClock(server, '2026-11-24T14:00:00.000Z');
    ok(await command(kioskB, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    ok(await command(kioskB, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));

    const managerA = (await manager()).client;
    const a = await stats(managerA, '2026-11-24', '2026-11-24');
    expect(a.total).toMatchObject({ helpCalls: 5, ticketsIssued: 3, printerFaults: 1 });
    expect(a.rows.some((r) => r.hour === 15)).toBe(false);
    const bReport = await stats(managerB, '2026-11-24', '2026-11-24');
    expect(bReport.rows).toEqual([{ ...none, day: '2026-11-24', hour: 15, service: 'titres', ticketsIssued: 2 }]);
    expect(bReport.total).toMatchObject({ helpCalls: 0, printerFaults: 0 });
    const csvB = await (await csv(tokenB, 'from=2026-11-24&to=2026-11-24')).text();
    expect(csvB.trim().split('\r\n')).toHaveLength(2);
  });
});
