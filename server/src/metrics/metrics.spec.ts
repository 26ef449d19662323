/**
 * `/metrics` against the real server: what a scrape says about a live hall (a paired kiosk, two
 * tablets, a ringing call, tickets and their print jobs waiting for paper), that it names no agent
 * (principle 6), and who may read it — a program of this machine talking to Guichet directly, or
 * a scraper with the token — while anyone else gets the 404 of a page that does not exist.
 */
import { sql } from 'kysely';
import { addSite, rows } from '../testing/fixtures';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, startTestServer, type TestServer } from '../testing/test-server';
import { printerStates } from './guichet-metrics';

const servers: TestServer[] = [];

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with exactly these headers (fetch would not let a test choose the Host). */
function raw(
  server: TestServer,
  urlPath: string,
  options: { method?: string; headers?: Record<string, string> } = {}
): Promise<RawResponse> {
  const { port } = new URL(server.url);
  const headers = { host: `127.0.0.1:${port}`, ...options.headers };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method: options.method ?? 'GET', headers, setHost: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      }
    );
    req.on('error', reject);
    req.end();
  });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (comments skipped). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not an exposition line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with that name and (at least) these labels. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value)
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<string> {
  const res = await raw(server, '/metrics', { headers });
  if (res.status !== 200) throw new Error(`scrape refused: ${res.status} ${res.body}`);
  return res.body;
}

const demoSiteId = async (server: TestServer) => (await server.store.sites.listDemo())[0]!.id;

/** A busy hall: the receipt printer out of paper, two tickets taken, a call ringing. */
async function busyHall(server: TestServer): Promise<Hall> {
  const hall = await openHall(server, { procedureId: 'carte-identite-passeport' });
  server.virtualPrinters!.device.setState({ paperEnd: true });
  for (let i = 0; i < 2; i++) ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid(), reason: 'help' }));
  return hall;
}

describe('a scrape of the hall', () => {
  it('says, per site, what is connected, ringing, waiting and out of paper, in the Prometheus text format', async () => {
    // The demo's receipt printer is a listener on loopback, which the server refuses unless told.
    const server = await start({ GUICHET_LOOPBACK_PRINTERS: '1' });
    const site = await demoSiteId(server);
    const before = await scrape(server);
    expect(valueOf(before, 'guichet_terminals_connected', { site, kind: 'kiosk' })).toBe(0);
    expect(valueOf(before, 'guichet_calls_ringing', { site })).toBe(0);

    await busyHall(server);
    // The jobs wait once the printer was asked and said it has no paper.
    await expect.poll(async () => valueOf(await scrape(server), 'guichet_print_jobs_waiting', { site })).toBe(2);
    await expect.poll(async () => valueOf(await scrape(server), 'guichet_printers', { site, state: 'paper_end' })).toBe(1);

    const res = await raw(server, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.body;
    expect(text).toContain('# TYPE guichet_tickets_waiting gauge');
    expect(valueOf(text, 'guichet_site_info', { site, name: 'Mairie de Démoville' })).toBe(1);
    expect(valueOf(text, 'guichet_terminals_connected', { site, kind: 'kiosk' })).toBe(1);
    expect(valueOf(text, 'guichet_terminals_connected', { site, kind: 'display' })).toBe(0);
    expect(valueOf(text, 'guichet_agents_connected', { site })).toBe(2);
    expect(valueOf(text, 'guichet_calls_ringing', { site })).toBe(1);
    expect(valueOf(text, 'guichet_tickets_waiting', { site, service: 'titres' })).toBe(2);
    expect(valueOf(text, 'guichet_tickets_waiting', { site, service: 'accueil' })).toBe(0);
    expect(valueOf(text, 'guichet_print_jobs_waiting', { site })).toBe(2);
    // Every state is said, zero included, and each printer of the site is in exactly one.
    const printers = samples(text).filter((s) => s.name === 'guichet_printers' && s.labels.site === site);
    expect(printers.map((s) => s.labels.state).sort()).toEqual([...printerStates].sort());
    expect(printers.reduce((sum, s) => sum + s.value, 0)).toBe((await server.store.printers.listInSite(site)).length);
    expect(valueOf(text, 'guichet_database_bytes', { file: 'main' })).toBeGreaterThan(0);
    // The write-ahead log is a file of SQLite's; PostgreSQL's is the cluster's, not one database's.
    if (server.store.engine === 'sqlite')
      expect(valueOf(text, 'guichet_database_bytes', { file: 'wal' })).toBeGreaterThanOrEqual(0);
    // Node's own figures: the event loop's lag above all.
    expect(valueOf(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts each site under its own label, and only today’s waiting tickets', async () => {
    const server = await start({ GUICHET_LOOPBACK_PRINTERS: '1' });
    const site = await demoSiteId(server);
    const other = (await addSite(server.store, server.clock, 'Autreville')).siteId;
    await busyHall(server);
    const text = await scrape(server);
    expect(valueOf(text, 'guichet_site_info', { site: other, name: 'Autreville' })).toBe(1);
    for (const [s, kiosks, ringing] of [
      [site, 1, 1],
      [other, 0, 0]
    ] as const) {
      expect(valueOf(text, 'guichet_terminals_connected', { site: s, kind: 'kiosk' })).toBe(kiosks);
      expect(valueOf(text, 'guichet_terminals_connected', { site: s, kind: 'display' })).toBe(0);
      expect(valueOf(text, 'guichet_calls_ringing', { site: s })).toBe(ringing);
    }
    expect(valueOf(text, 'guichet_tickets_waiting', { site, service: 'titres' })).toBe(2);
    expect(samples(text).filter((x) => x.name === 'guichet_tickets_waiting' && x.labels.site === other)).toEqual([]);
    const otherPrinters = samples(text).filter((x) => x.name === 'guichet_printers' && x.labels.site === other);
    expect(otherPrinters.map((x) => [x.labels.state, x.value]).sort()).toEqual([...printerStates].sort().map((st) => [st, 0]));
    // Yesterday's tickets still waiting (closed at the next minute's round) are not today's queue.
    await sql`UPDATE tickets SET day = '2000-01-01' WHERE site_id = ${site}`.execute(server.store.executor.db());
    expect(valueOf(await scrape(server), 'guichet_tickets_waiting', { site, service: 'titres' })).toBe(0);
  });

  it('during a call answered by one agent, with a colleague connected, names no agent anywhere', async () => {
    const server = await start({ GUICHET_LOOPBACK_PRINTERS: '1' });
    const site = await demoSiteId(server);
    const hall = await busyHall(server);
    const ringing = (await server.store.helpCalls.listRinging(site))[0]!;
    ok(await command(hall.marie, 'call:accept', { callId: ringing.id }));

    const text = await scrape(server);
    // The scrape is of the live call: taken, no longer ringing, both tablets there.
    expect(valueOf(text, 'guichet_calls_ringing', { site })).toBe(0);
    expect(valueOf(text, 'guichet_agents_connected', { site })).toBe(2);
    const agents = await rows<{ id: string; login: string; first_name: string }>(
      server.store,
      sql`SELECT id, login, first_name FROM accounts WHERE role = 'agent'`
    );
    const needles = agents.flatMap((a) => [a.id, a.login, a.first_name]);
    expect(needles).toHaveLength(6);
    for (const needle of needles) expect(text.toLowerCase()).not.toContain(needle.toLowerCase());
    // Guichet's own figures are labelled by site, service, terminal kind, face (kiosk, display,
    // agent, manager: a kind of screen, counted), printer state and file only.
    const labels = new Set(samples(text).flatMap((s) => (s.name.startsWith('guichet_') ? Object.keys(s.labels) : [])));
    expect([...labels].sort()).toEqual(['face', 'file', 'kind', 'name', 'service', 'site', 'state', 'version']);
    // This node's sockets: the two tablets, counted and never named.
    expect(samples(text).find((s) => s.name === 'guichet_node_sockets' && s.labels.face === 'agent')?.value).toBe(2);
  });

  it('gives each server in one process its own figures', async () => {
    const [first, second] = await Promise.all([start(), start()]);
    await openHall(first);
    const [a, b] = await Promise.all([scrape(first), scrape(second)]);
    expect(valueOf(a, 'guichet_agents_connected', { site: await demoSiteId(first) })).toBe(2);
    expect(valueOf(b, 'guichet_agents_connected', { site: await demoSiteId(second) })).toBe(0);
    expect(valueOf(b, 'guichet_agents_connected', { site: await demoSiteId(first) })).toBeUndefined();
    for (const text of [a, b]) expect(valueOf(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});

/** The 404 of a page that does not exist, for comparison. */
async function unknownPage(server: TestServer) {
  const res = await raw(server, '/metricz');
  return { status: res.status, body: res.body.replaceAll('/metricz', '/metrics') };
}

describe('who may scrape', () => {
  const proxyHeaders: Record<string, string>[] = [
    { 'x-forwarded-for': '203.0.113.9' },
    { 'x-forwarded-host': 'guichet.mairie.fr' },
    { 'x-forwarded-proto': 'https' },
    { forwarded: 'for=203.0.113.9' },
    { 'x-real-ip': '203.0.113.9' },
    { via: '1.1 proxy.mairie.fr' }
  ];

  it('from this machine through a reverse proxy: the 404 of a page that does not exist', async () => {
    const server = await start();
    const notFound = await unknownPage(server);
    expect(notFound.status).toBe(404);
    for (const headers of proxyHeaders) {
      const res = await raw(server, '/metrics', { headers });
      expect({ status: res.status, body: res.body }).toEqual(notFound);
    }
    // Anything but a read is not a scrape either.
    const posted = await raw(server, '/metrics', { method: 'POST' });
    expect(posted.status).toBe(404);
    expect(posted.body).not.toContain('guichet_');
  });

  it('from loopback when loopback is a trusted proxy: not served, the proxy may relay without headers', async () => {
    const server = await start({ GUICHET_TRUST_PROXY: 'loopback' });
    const res = await raw(server, '/metrics');
    expect({ status: res.status, body: res.body }).toEqual(await unknownPage(server));
  });

  it('from loopback under a foreign host name without the token: refused like any rebound page', async () => {
    const server = await start();
    const res = await raw(server, '/metrics', { headers: { host: 'rebind.evil.example' } });
    expect(res.status).toBe(421);
    expect(res.body).not.toContain('guichet_');
  });

  it('with GUICHET_METRICS_TOKEN: the right bearer is served through a proxy and under any name, another is not', async () => {
    const token = randomBytes(32).toString('hex');
    const server = await start({ GUICHET_METRICS_TOKEN: token });
    const site = await demoSiteId(server);
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    const notFound = await unknownPage(server);

    const served = await scrape(server, { ...remote, authorization: `Bearer ${token}` });
    expect(valueOf(served, 'guichet_agents_connected', { site })).toBe(0);
    // A scraper may name the server as its own network does: the token is what lets it in.
    const internal = await scrape(server, { host: 'guichet.svc.internal:9100', authorization: `Bearer ${token}` });
    expect(valueOf(internal, 'guichet_site_info', { site })).toBe(1);
    // Direct loopback scrapes still work with a token set.
    expect(valueOf(await scrape(server), 'guichet_site_info', { site })).toBe(1);

    const wrong = [
      `Bearer ${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`,
      `Bearer ${token.slice(0, 32)}`,
      `Bearer ${token}${token}`,
      `Basic ${Buffer.from(`prometheus:${token}`).toString('base64')}`,
      token,
      'Bearer'
    ];
    for (const authorization of wrong) {
      const res = await raw(server, '/metrics', { headers: { ...remote, authorization } });
      expect({ status: res.status, body: res.body }).toEqual(notFound);
      // Under a name the server does not answer to, a wrong token is the 421 of any other request.
      const foreign = await raw(server, '/metrics', { headers: { host: 'guichet.svc.internal', authorization } });
      expect(foreign.status).toBe(421);
    }
    const anonymous = await raw(server, '/metrics', { headers: remote });
    expect({ status: anonymous.status, body: anonymous.body }).toEqual(notFound);
  });
});
