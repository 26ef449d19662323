/**
 * Device tokens over time, against the real server and its manual clock: renewed on a page load
 * after a month (the old one works a short while more), purged after 90 days unused, and under
 * `__Host-` names when Guichet is reached over HTTPS.
 */
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, login, pairTerminal, startTestServer, type TestServer } from '../testing/test-server';
import { tokenOverlapMs, tokenRenewalMs, tokenUnusedMs } from './terminals.service';

const dayMs = 24 * 3600_000;
const servers: TestServer[] = [];

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}

const cookieValue = (setCookie: string) => decodeURIComponent(setCookie.split(';')[0]!.split('=')[1]!);

async function demoKioskToken(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/borne`, { redirect: 'manual' });
  return cookieValue(res.headers.get('set-cookie')!);
}

async function lastUsedAt(server: TestServer): Promise<(string | null)[]> {
  const tokens = await server.store.executor
    .db()
    .selectFrom('terminal_tokens')
    .select('last_used_at')
    .orderBy('created_at')
    .execute();
  return tokens.map((t) => t.last_used_at);
}

describe('device token renewal', () => {
  it('replaces a month-old token on the next page load; the old one works for the overlap only', async () => {
    const server = await start();
    const old = await demoKioskToken(server);
    const page = (token: string) =>
      fetch(`${server.url}/borne?lang=fr`, { redirect: 'manual', headers: { cookie: `guichet_terminal=${token}` } });

    server.clock.advance(tokenRenewalMs - dayMs);
    expect((await page(old)).status).toBe(404); // the page itself (no web app built in these tests)

    server.clock.advance(dayMs);
    const renewed = await page(old);
    expect(renewed.status).toBe(303);
    expect(renewed.headers.get('location')).toBe('/borne?lang=fr');
    const setCookie = renewed.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^guichet_terminal=[\w-]+; Path=\/; SameSite=Strict; HttpOnly; Max-Age=\d+$/);
    const fresh = cookieValue(setCookie);
    expect(fresh).not.toBe(old);

    // A request already on its way with the old token still gets through, for a while.
    (await connect(server, 'kiosk', old)).disconnect();
    server.clock.advance(tokenOverlapMs);
    await expect(connect(server, 'kiosk', old)).rejects.toThrow(/not valid/);
    const kiosk = await connect(server, 'kiosk', fresh);
    expect(kiosk.connected).toBe(true);
    expect((await page(fresh)).status).toBe(404);
  });
});

describe('device token purge', () => {
  it('deletes a token unused for 90 days, not one in use, nor one whose terminal is connected', async () => {
    const server = await start();
    const terminals = server.app.services.terminals;
    const idle = await demoKioskToken(server);
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const used = await pairTerminal(server, managerToken, 'kiosk', 'Borne entrée');
    const connected = await pairTerminal(server, managerToken, 'display', 'Écran accueil');
    await connect(server, 'display', connected);

    // Last use is written at most once an hour: a second use within the hour writes nothing.
    const before = await lastUsedAt(server);
    server.clock.advance(30 * 60_000);
    await terminals.resolve(used);
    expect(await lastUsedAt(server)).toEqual(before);

    server.clock.advance(tokenUnusedMs - 2 * dayMs);
    expect(await terminals.resolve(used)).toMatchObject({ name: 'Borne entrée' });
    expect(await terminals.purgeTokens()).toBe(0);

    server.clock.advance(2 * dayMs);
    expect(await terminals.purgeTokens()).toBe(1);
    expect(await terminals.resolve(idle)).toBeNull();
    await expect(connect(server, 'kiosk', idle)).rejects.toThrow(/not valid/);
    expect(await terminals.resolve(used)).toMatchObject({ name: 'Borne entrée' });
    expect(await terminals.resolve(connected)).toMatchObject({ name: 'Écran accueil' });
  });
});

describe('cookies over HTTPS', () => {
  const https = { GUICHET_PUBLIC_ORIGIN: 'https://guichet.mairie.fr' };

  it('are Secure and __Host- prefixed, and only those names are read', async () => {
    const server = await start(https);
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ face: 'manager', login: 'gestion', secret: 'demoville-gestion' })
    });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-guichet_manager='))!;
    expect(setCookie).toMatch(/^__Host-guichet_manager=[\w-]+; Path=\/; SameSite=Strict; HttpOnly; Secure; Max-Age=\d+$/);
    const managerToken = cookieValue(setCookie);
    // The device's remembered site (no credential) is Secure too.
    expect(res.headers.getSetCookie().find((c) => c.startsWith('guichet_site='))).toMatch(/; Secure;/);

    const audit = (cookie: string) => fetch(`${server.url}/api/audit.csv`, { headers: { cookie } });
    expect((await audit(`__Host-guichet_manager=${managerToken}`)).status).toBe(200);
    expect((await audit(`guichet_manager=${managerToken}`)).status).toBe(401);

    // Pairing: the pairing cookie and the terminal's cookie too.
    const pairingStart = await fetch(`${server.url}/api/pairings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'kiosk' })
    });
    const pairingCookie = pairingStart.headers.get('set-cookie')!;
    expect(pairingCookie).toMatch(/^__Host-guichet_pairing=[\w-]+; Path=\/; SameSite=Strict; HttpOnly; Secure;/);
    const { code } = (await pairingStart.json()) as { code: string };
    const manager = await connect(server, 'manager', managerToken, 'cookie').catch(() => null);
    // The handshake reads the __Host- name: the plain one the test helper sends is refused.
    expect(manager).toBeNull();
    const prefixed = io(server.url, {
      auth: { face: 'manager' },
      extraHeaders: { cookie: `__Host-guichet_manager=${managerToken}` },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false
    });
    await new Promise((resolve, reject) => {
      prefixed.once('connect', () => resolve(undefined));
      prefixed.once('connect_error', reject);
    });
    const claimed = await prefixed.timeout(5000).emitWithAck('pairing:claim', { code, name: 'Borne HTTPS' });
    prefixed.disconnect();
    expect(claimed).toMatchObject({ ok: true });
    const poll = await fetch(`${server.url}/api/pairings/current`, { headers: { cookie: pairingCookie.split(';')[0]! } });
    const terminalCookie = poll.headers.getSetCookie().find((c) => c.startsWith('__Host-guichet_terminal='))!;
    expect(terminalCookie).toMatch(/; Path=\/; SameSite=Strict; HttpOnly; Secure; Max-Age=\d+$/);
    expect(terminalCookie).not.toMatch(/Domain=/i);
  });

  it('moves a terminal paired over plain HTTP to the __Host- cookie on its next page load', async () => {
    const server = await start(https);
    const kioskId = (await server.store.terminals.findDemoTerminalId('kiosk'))!;
    const plain = await server.app.services.terminals.mintToken(kioskId);
    const res = await fetch(`${server.url}/borne`, { redirect: 'manual', headers: { cookie: `guichet_terminal=${plain}` } });
    expect(res.status).toBe(303);
    const [prefixed, cleared] = res.headers.getSetCookie();
    expect(prefixed).toMatch(/^__Host-guichet_terminal=[\w-]+; Path=\/; SameSite=Strict; HttpOnly; Secure;/);
    expect(cleared).toMatch(/^guichet_terminal=; .*Max-Age=0$/);
    expect(await server.app.services.terminals.resolve(cookieValue(prefixed!))).toMatchObject({ role: 'kiosk' });
    server.clock.advance(tokenOverlapMs);
    expect(await server.app.services.terminals.resolve(plain)).toBeNull();
  });
});
