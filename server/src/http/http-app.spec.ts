/** The HTTP side against the real server: health, login, pairing end to end, demo auto-pairing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSite, snapshot } from '../testing/fixtures';
import { command, connect, login, startTestServer, type TestServer } from '../testing/test-server';
import { migrationsDir } from '../db/database';
import { readMigrations } from '../db/migrate';

/** Every migration file runs on a new store. */
const migrationCount = readMigrations(migrationsDir).length;

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body)
  });

describe('GET /healthz', () => {
  it('answers with the version and the database state', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      version: '0.1.0',
      database: { engine: server.store.engine, status: 'ok', migrations: migrationCount }
    });
  });
});

describe('POST /api/auth/login', () => {
  it('logs a demo agent in with an httpOnly, SameSite cookie', async () => {
    const res = await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ role: 'agent', firstName: 'Marie' });
    const [credential, site] = res.headers.getSetCookie();
    expect(credential).toMatch(/^guichet_agent=[\w-]+; Path=\/; SameSite=Strict; HttpOnly; Max-Age=\d+$/);
    // The site, so a form that asks for it (several sites) asks once per device.
    expect(site).toBe(
      `guichet_site=${(await server.store.sites.listDemo())[0]!.id}; Path=/; SameSite=Strict; HttpOnly; Max-Age=315360000`
    );
  });

  it('refuses a wrong PIN, an unknown login and the wrong face alike', async () => {
    for (const body of [
      { face: 'agent', login: 'marie', secret: '0000' },
      { face: 'agent', login: 'nobody', secret: '1234' },
      { face: 'manager', login: 'marie', secret: '1234' }
    ]) {
      const res = await postJson('/api/auth/login', body);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'login_failed', message: 'Unknown login or wrong PIN/password' } });
    }
  });

  it('names the wrong field of a bad body and stores nothing', async () => {
    const before = await snapshot(server.store);
    const res = await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: '12ab' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe('invalid_payload');
    expect(body.error.issues.map((i) => i.path)).toEqual(['secret']);
    const notJson = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops'
    });
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toBe('login: the body is not valid JSON');
    const form = await fetch(`${server.url}/api/auth/login`, { method: 'POST', body: 'login=marie' });
    expect(form.status).toBe(400);
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('stops guessing after five wrong PINs, even with the right one, and says when to come back', async () => {
    for (let i = 0; i < 5; i++) await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: `000${i}` });
    const res = await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' });
    expect(res.status).toBe(429);
    const { error } = (await res.json()) as { error: { code: string; retryAfterSeconds: number } };
    expect(error.code).toBe('too_many_attempts');
    expect(error.retryAfterSeconds).toBe(15 * 60);
    expect(res.headers.get('retry-after')).toBe(String(15 * 60));
    server.clock.advance(15 * 60_000 + 1);
    expect((await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' })).status).toBe(200);
  });

  it('refuses a deactivated account', async () => {
    const marie = (await server.store.accounts.listByLogin('marie'))[0]!;
    await server.store.accounts.setActive(marie.id, false);
    expect((await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' })).status).toBe(401);
  });
});

describe('the login form without JavaScript', () => {
  /** What a browser sends when the form is submitted before (or without) the page's scripts. */
  const postForm = (path: string, fields: Record<string, string>, origin = server.url) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual'
    });

  it('logs the agent in from a POSTed form and sends the browser to its page with the cookie', async () => {
    const res = await postForm('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/agent');
    const credential = res.headers.getSetCookie().find((c) => c.startsWith('guichet_agent='))!;
    expect(credential).toContain('HttpOnly');
    const tablet = await connect(server, 'agent', decodeURIComponent(credential.split(';')[0]!.split('=')[1]!));
    expect((await command(tablet, 'agent:state', {})).ok).toBe(true);

    const manager = await postForm('/api/auth/login', { face: 'manager', login: 'gestion', secret: 'demoville-gestion' });
    expect(manager.status).toBe(303);
    expect(manager.headers.get('location')).toBe('/gestion');
    expect(manager.headers.getSetCookie().some((c) => c.startsWith('guichet_manager='))).toBe(true);
  });

  it('sends a failed login back to the form with only the error code: never the login or the PIN', async () => {
    const before = await snapshot(server.store);
    for (const [fields, code] of [
      [{ face: 'agent', login: 'marie', secret: '9999' }, 'login_failed'],
      [{ face: 'agent', login: 'marie', secret: '12ab' }, 'invalid_payload'],
      [{ face: 'manager', login: 'gestion', secret: 'wrong-password' }, 'login_failed']
    ] as const) {
      const res = await postForm('/api/auth/login', fields);
      expect(res.status).toBe(303);
      const page = fields.face === 'agent' ? '/agent' : '/gestion';
      expect(res.headers.get('location')).toBe(`${page}?erreur=${code}`);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // Nothing but the failed attempts' counters was written (they are counted before the check).
    const { login_limits: counted, ...after } = await snapshot(server.store);
    const { login_limits: _none, ...rest } = before;
    expect(after).toEqual(rest);
    expect(counted!.length).toBeGreaterThan(0);
  });

  it('on a server with several sites, asks for the site by its field name, whatever the login', async () => {
    const other = await addSite(server.store, server.clock, 'Autreville');
    for (const name of ['marie', 'nobody', other.agentLogin]) {
      const res = await postForm('/api/auth/login', { face: 'agent', login: name, secret: '1234' });
      expect(res.headers.get('location')).toBe('/agent?erreur=invalid_payload&champ=siteId');
    }
    const siteId = (await server.store.sites.listDemo())[0]!.id;
    const res = await postForm('/api/auth/login', { face: 'agent', siteId, login: 'marie', secret: '1234' });
    expect(res.headers.get('location')).toBe('/agent');
    expect(res.headers.getSetCookie()).toContain(`guichet_site=${siteId}; Path=/; SameSite=Strict; HttpOnly; Max-Age=315360000`);
  });

  it("refuses a form posted from another site's page (it would log this browser into a chosen account)", async () => {
    for (const origin of ['http://evil.example', 'null']) {
      const res = await postForm('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' }, origin);
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it('checks nothing from a crafted GET with the login and PIN in the URL, and cleans the address bar', async () => {
    const before = await snapshot(server.store);
    // Six wrong PINs in URLs: had any been checked, the throttle would now refuse marie.
    for (const pin of ['0000', '0001', '0002', '0003', '0004', '1234']) {
      const res = await fetch(`${server.url}/agent?login=marie&pin=${pin}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/agent');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    for (const [url, clean] of [
      ['/gestion?login=gestion&password=demoville-gestion', '/gestion'],
      ['/gestion/comptes?face=manager&secret=x', '/gestion/comptes'],
      ['/agent?erreur=login_failed&pin=1234', '/agent?erreur=login_failed']
    ]) {
      const res = await fetch(`${server.url}${url}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(clean);
    }
    expect(await snapshot(server.store)).toEqual(before);
    expect((await postJson('/api/auth/login', { face: 'agent', login: 'marie', secret: '1234' })).status).toBe(200);
    // SvelteKit's data requests keep their own parameters.
    const data = await fetch(`${server.url}/agent/__data.json?x-sveltekit-invalidated=01`, { redirect: 'manual' });
    expect(data.status).not.toBe(303);
    // The form's own error code is left alone (no redirect loop).
    expect((await fetch(`${server.url}/agent?erreur=login_failed`, { redirect: 'manual' })).status).not.toBe(303);
  });
});

describe('pairing end to end', () => {
  it('terminal asks → shows code → manager enters it → terminal gets its token once → connects', async () => {
    const start = await postJson('/api/pairings', { kind: 'display' });
    expect(start.status).toBe(200);
    const status = (await start.json()) as { state: string; code: string; kind: string };
    expect(status).toMatchObject({ state: 'waiting', kind: 'display' });
    const pairingCookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(pairingCookie).toMatch(/^guichet_pairing=/);

    const waiting = await fetch(`${server.url}/api/pairings/current`, { headers: { cookie: pairingCookie } });
    expect(await waiting.json()).toMatchObject({ state: 'waiting', code: status.code });

    const manager = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    // Typed the way people read it off a screen: lower case, with a space.
    const typed = `${status.code.slice(0, 3).toLowerCase()} ${status.code.slice(3)}`;
    const claim = await command(manager, 'pairing:claim', { code: typed, name: 'Écran salle B', location: 'Salle B' });
    expect(claim).toMatchObject({
      ok: true,
      data: { kind: 'display', name: 'Écran salle B', location: 'Salle B', online: false }
    });

    const paired = await fetch(`${server.url}/api/pairings/current`, { headers: { cookie: pairingCookie } });
    expect(await paired.json()).toEqual({ state: 'paired', terminalName: 'Écran salle B' });
    const setCookies = paired.headers.getSetCookie();
    const terminalCookie = setCookies.find((c) => c.startsWith('guichet_terminal='))!;
    expect(terminalCookie).toContain('HttpOnly');
    expect(setCookies.some((c) => c.startsWith('guichet_pairing=;'))).toBe(true);

    const again = await fetch(`${server.url}/api/pairings/current`, { headers: { cookie: pairingCookie } });
    expect(await again.json()).toEqual({ state: 'expired' });
    expect(again.headers.getSetCookie()).toEqual([]);

    const token = decodeURIComponent(terminalCookie.split(';')[0]!.split('=')[1]!);
    const display = await connect(server, 'display', token);
    const site = await command(display, 'site:get', {});
    expect(site.ok && site.data.name).toBe('Mairie de Démoville');

    const reuse = await command(manager, 'pairing:claim', { code: status.code, name: 'Deuxième' });
    expect(reuse.ok === false && reuse.error.code).toBe('pairing_code_invalid');
  });

  it('refuses a pairing request for an unknown kind of terminal', async () => {
    const res = await postJson('/api/pairings', { kind: 'toaster' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { issues: { path: string }[] } }).error.issues[0]!.path).toBe('kind');
  });
});

describe('demo auto-pairing on this machine', () => {
  it('gives /borne and /affichage the demo terminals without pairing, from loopback', async () => {
    const res = await fetch(`${server.url}/borne`, { redirect: 'manual' });
    // Answered at once, with no redirection (here without the web app built: its 404).
    expect(res.headers.get('location')).toBeNull();
    const cookie = res.headers.get('set-cookie')!;
    const token = decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!);
    expect(await server.app.services.terminals.resolve(token)).toMatchObject({ role: 'kiosk', name: 'Borne de démonstration' });

    const display = await fetch(`${server.url}/affichage`, { redirect: 'manual' });
    const displayToken = decodeURIComponent(display.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!);
    expect(await server.app.services.terminals.resolve(displayToken)).toMatchObject({ role: 'display', name: 'Écran du hall' });
  });

  it('shows the real pairing screen with ?appairage', async () => {
    const res = await fetch(`${server.url}/borne?appairage`, { redirect: 'manual' });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('is off when the server listens on the network or auto-pairing is disabled', async () => {
    const off = await startTestServer({ GUICHET_DEMO_AUTOPAIR: 'false' });
    try {
      const res = await fetch(`${off.url}/borne`, { redirect: 'manual' });
      expect(res.headers.get('set-cookie')).toBeNull();
    } finally {
      await off.close();
    }
    const network = await startTestServer({ GUICHET_HOST: '0.0.0.0' });
    try {
      const res = await fetch(`${network.url}/borne`, { redirect: 'manual' });
      expect(res.headers.get('set-cookie')).toBeNull();
    } finally {
      await network.close();
    }
  });
});

describe('malformed %-escapes in a download address', () => {
  it('answer 400 naming the address, not an internal error', async () => {
    const token = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const headers = { cookie: `guichet_manager=${token}` };
    for (const path of ['/api/demo-a4/%E0%A4%A', '/api/demo-a4/r%C3%A9sum%.pdf', '/api/sessions/%E0%A4%A.json']) {
      const res = await fetch(`${server.url}${path}`, { headers });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect([path, res.status, body.error.code]).toEqual([path, 400, 'invalid_payload']);
      expect(body.error.message).toMatch(/in the address is not valid/);
    }
    // The server is still there.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('unknown routes', () => {
  it('answer 404 with a named error', async () => {
    const res = await fetch(`${server.url}/api/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No API route GET /api/nothing' } });
  });
});

describe('POST /api/speech', () => {
  it('speaks for a paired kiosk and for no one else', async () => {
    const refused = await postJson('/api/speech', { text: 'Bonjour', lang: 'fr' });
    expect(refused.status).toBe(401);
    const paired = await fetch(`${server.url}/borne`, { redirect: 'manual' });
    const cookie = paired.headers.get('set-cookie')!.split(';')[0]!;
    const res = await postJson('/api/speech', { text: 'Bonjour', lang: 'fr' }, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await res.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    const bad = await postJson('/api/speech', { text: '', lang: 'de' }, { cookie });
    expect(bad.status).toBe(400);
    const issues = ((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path);
    expect(issues).toEqual(['text', 'lang']);
  });
});
