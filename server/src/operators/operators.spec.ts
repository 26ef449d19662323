/**
 * Operators through the real server: their own login and cookie, the sites they create (with a
 * setup code for the first manager), suspension and resumption, and the wall between them and the
 * sites: an operator's cookie opens no site page, socket or download, a manager's opens no
 * operator route.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../auth/secrets';
import { snapshot } from '../testing/fixtures';
import { ok, openHall, rid } from '../testing/hall';
import { command, connect, login, nextEvent, startTestServer, type TestServer } from '../testing/test-server';
import type { OperatorSiteView } from '../../../shared/schemas/operator';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
  await server.store.operators.insert({
    id: randomUUID(),
    login: 'Camille',
    firstName: 'Camille',
    secretHash: await hashSecret('exploitation-solide'),
    active: true,
    createdAt: server.clock.now().toISOString()
  });
});
afterEach(async () => {
  await server.close();
});

async function operatorLogin(loginName = 'camille', password = 'exploitation-solide'): Promise<Response> {
  return fetch(`${server.url}/api/exploitation/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: loginName, password })
  });
}

async function operatorToken(): Promise<string> {
  const res = await operatorLogin();
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/^guichet_exploitation=/);
  return decodeURIComponent(/=([^;]+)/.exec(cookie)![1]!);
}

function call(method: string, path: string, cookie: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
}

async function errorOf(res: Response): Promise<{ code: string; issues?: { path: string }[] }> {
  return ((await res.json()) as { error: { code: string; issues?: { path: string }[] } }).error;
}

async function sites(token: string): Promise<OperatorSiteView[]> {
  const res = await call('GET', '/api/exploitation/sites', `guichet_exploitation=${token}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { sites: OperatorSiteView[] }).sites;
}

async function demoSiteId(): Promise<string> {
  return (await server.store.sites.listAll()).find((s) => s.isDemo)!.id;
}

async function demoKioskToken(): Promise<string> {
  const terminalId = (await server.store.terminals.findDemoTerminalId('kiosk'))!;
  return server.app.services.terminals.mintDemoToken(terminalId);
}

describe('operators', () => {
  it('log in without regard to case, and a wrong password is refused like an unknown login', async () => {
    expect(await operatorToken()).toBeTruthy();
    const wrong = await operatorLogin('camille', 'pas-le-bon-mot');
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toMatchObject({ code: 'login_failed' });
    const unknown = await operatorLogin('personne', 'exploitation-solide');
    expect(await errorOf(unknown)).toMatchObject({ code: 'login_failed' });
  });

  it('see each site’s health as counts and times, never a name of staff or a citizen’s data', async () => {
    const token = await operatorToken();
    const kiosk = await connect(server, 'kiosk', await demoKioskToken());
    const list = await sites(token);
    const demo = list.find((s) => s.isDemo)!;
    expect(demo.health).toMatchObject({ kiosksOnline: 1, displaysOnline: 0, tabletsConnected: 0, callsRinging: 0 });
    expect(demo.hasManager).toBe(true);
    expect(demo.suspendedAt).toBeNull();
    // Nothing of the site's accounts or sessions travels: no login, no first name.
    const text = JSON.stringify(list);
    for (const account of await server.store.accounts.listInSite(demo.id)) {
      expect(text).not.toContain(account.login);
      expect(text).not.toContain(account.firstName);
    }
    kiosk.disconnect();
  });

  it('cannot open any site socket, page data or manager download with their cookie', async () => {
    const token = await operatorToken();
    // The operator's token under a manager's or agent's cookie name is not a login of theirs.
    await expect(connect(server, 'manager', token)).rejects.toThrow(/not valid/);
    await expect(connect(server, 'agent', token, 'cookie')).rejects.toThrow(/not valid/);
    const download = await call(
      'GET',
      '/api/stats.csv?from=2026-11-24&to=2026-11-24',
      `guichet_exploitation=${token}; guichet_manager=${token}`
    );
    expect(download.status).toBe(401);
  });

  it('are the only ones to reach operator routes: a manager or agent login is refused', async () => {
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const agentToken = await login(server, 'agent', 'marie', '1234');
    for (const cookie of [
      `guichet_manager=${managerToken}`,
      `guichet_agent=${agentToken}`,
      `guichet_exploitation=${managerToken}`,
      ''
    ]) {
      const list = await call('GET', '/api/exploitation/sites', cookie);
      expect(list.status).toBe(401);
      const before = await snapshot(server.store);
      const created = await call('POST', '/api/exploitation/sites', cookie, { name: 'Mairie pirate', timezone: 'Europe/Paris' });
      expect(created.status).toBe(401);
      const suspended = await call('POST', `/api/exploitation/sites/${await demoSiteId()}/suspend`, cookie, {});
      expect(suspended.status).toBe(401);
      expect(await snapshot(server.store)).toEqual(before);
    }
  });

  it('create a site whose setup code creates its first manager, once', async () => {
    const token = await operatorToken();
    const res = await call('POST', '/api/exploitation/sites', `guichet_exploitation=${token}`, {
      name: 'Mairie de Saint-Essai',
      timezone: 'Europe/Paris'
    });
    expect(res.status).toBe(200);
    const { siteId, setupCode } = (await res.json()) as { siteId: string; setupCode: string };
    expect(setupCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect((await sites(token)).find((s) => s.id === siteId)).toMatchObject({ name: 'Mairie de Saint-Essai', hasManager: false });

    const form = { code: setupCode.toLowerCase(), firstName: 'Claire', login: 'claire', password: 'un-mot-de-passe-solide' };
    const setup = await fetch(`${server.url}/api/setup/site`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(form)
    });
    expect(setup.status).toBe(200);
    expect(await setup.json()).toMatchObject({ siteId, login: 'claire', role: 'manager' });
    expect((await sites(token)).find((s) => s.id === siteId)!.hasManager).toBe(true);
    // The manager logs in at their new site with the password only they know.
    expect(await login(server, 'manager', 'claire', 'un-mot-de-passe-solide', siteId)).toBeTruthy();
    // The code is spent.
    const again = await fetch(`${server.url}/api/setup/site`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...form, login: 'autre' })
    });
    expect(again.status).toBe(403);
    expect(await errorOf(again)).toMatchObject({ code: 'setup_code_invalid', issues: [{ path: 'code' }] });
  });

  it('get a validation error naming the field, and nothing is written', async () => {
    const token = await operatorToken();
    const before = await snapshot(server.store);
    const noName = await call('POST', '/api/exploitation/sites', `guichet_exploitation=${token}`, {
      name: ' ',
      timezone: 'Europe/Paris'
    });
    expect(noName.status).toBe(400);
    expect(await errorOf(noName)).toMatchObject({ code: 'invalid_payload', issues: [{ path: 'name' }] });
    const badZone = await call('POST', '/api/exploitation/sites', `guichet_exploitation=${token}`, {
      name: 'Mairie',
      timezone: 'Europe/Nulle-Part'
    });
    expect(await errorOf(badZone)).toMatchObject({ code: 'invalid_payload', issues: [{ path: 'timezone' }] });
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('suspend a site: its kiosk token, logins and open sockets are refused; resuming restores them', async () => {
    const token = await operatorToken();
    const siteId = await demoSiteId();
    const kioskToken = await demoKioskToken();
    const agentToken = await login(server, 'agent', 'marie', '1234');
    const kiosk = await connect(server, 'kiosk', kioskToken);
    const agent = await connect(server, 'agent', agentToken);
    const kioskGone = nextEvent(kiosk, 'disconnect' as never);
    const agentGone = nextEvent(agent, 'disconnect' as never);

    const res = await call('POST', `/api/exploitation/sites/${siteId}/suspend`, `guichet_exploitation=${token}`, {
      reason: 'impayé'
    });
    expect(res.status).toBe(200);
    await kioskGone;
    await agentGone;
    expect((await sites(token)).find((s) => s.id === siteId)).toMatchObject({ suspendedReason: 'impayé' });

    await expect(connect(server, 'kiosk', kioskToken)).rejects.toMatchObject({ data: { code: 'site_suspended' } });
    await expect(connect(server, 'agent', agentToken)).rejects.toMatchObject({ data: { code: 'site_suspended' } });
    const refused = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ face: 'agent', login: 'marie', secret: '1234', siteId })
    });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: 'site_suspended' });

    const resumed = await call('POST', `/api/exploitation/sites/${siteId}/resume`, `guichet_exploitation=${token}`);
    expect(resumed.status).toBe(200);
    const back = await connect(server, 'kiosk', kioskToken);
    const agentBack = await connect(server, 'agent', agentToken);
    expect((await command(agentBack, 'agent:state', {})).ok).toBe(true);
    back.disconnect();
    agentBack.disconnect();
  });

  it('leave the retention purge running for a suspended site: its ended sessions are still erased', async () => {
    server.clock.advance(Date.parse('2026-11-24T09:00:00Z') - server.clock.now().getTime());
    const hall = await openHall(server);
    ok(
      await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }).then(async (ack) => {
        const call = ok(ack);
        ok(await command(hall.marie, 'call:accept', { callId: call.id }));
        return command(hall.marie, 'session:end', { sessionId: hall.session.id, reason: 'agent' });
      })
    );
    const token = await operatorToken();
    const suspended = await call(
      'POST',
      `/api/exploitation/sites/${await demoSiteId()}/suspend`,
      `guichet_exploitation=${token}`,
      {}
    );
    expect(suspended.status).toBe(200);
    expect(await server.store.sessions.findById(hall.session.id)).not.toBeNull();
    server.clock.advance(24 * 3600_000); // the next day, past the default retention
    expect(await server.app.services.purgeSessions()).toBe(1);
    expect(await server.store.sessions.findById(hall.session.id)).toBeNull();
  });
});
