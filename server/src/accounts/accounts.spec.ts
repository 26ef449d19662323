/**
 * A site manager's staff accounts through the real server and real clients: create, deactivate,
 * reactivate, new PIN or password, the last-manager guard, and one site never seeing another's.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveRequestContext } from '../http/identities';
import { addSite, fixturePassword, fixturePin, snapshot } from '../testing/fixtures';
import { ok, openHall, patchWith, rid } from '../testing/hall';
import { command, connect, login, nextEvent, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

let server: TestServer;
let manager: TestClient;
let managerToken: string;

beforeEach(async () => {
  server = await startTestServer();
  managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
  manager = await connect(server, 'manager', managerToken);
});
afterEach(async () => {
  await server.close();
});

async function idOf(loginName: string): Promise<string> {
  return (await server.store.accounts.listByLogin(loginName))[0]!.id;
}

async function loginStatus(face: 'agent' | 'manager', loginName: string, secret: string): Promise<number> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ face, login: loginName, secret })
  });
  return res.status;
}

function disconnected(client: TestClient): Promise<string> {
  return new Promise((resolve) => client.once('disconnect', resolve));
}

describe('listing', () => {
  it("lists the site's accounts, managers first, without any secret", async () => {
    const list = ok(await command(manager, 'account:list', {}));
    expect(list.map((a) => [a.role, a.login, a.firstName, a.active])).toEqual([
      ['manager', 'gestion', expect.any(String), true],
      ['agent', 'karim', 'Karim', true],
      ['agent', 'marie', 'Marie', true]
    ]);
    expect(Object.keys(list[0]!).sort()).toEqual([
      'active',
      'createdAt',
      'firstName',
      'id',
      'locked',
      'login',
      'pinTooShort',
      'role'
    ]);
    expect(JSON.stringify(list)).not.toContain('argon2');
  });

  it('is for managers only', async () => {
    const agent = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234'));
    expect(await command(agent, 'account:list', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('creating', () => {
  it('creates an agent who logs in with their PIN, and a manager who logs in with their password', async () => {
    const agent = ok(await command(manager, 'account:create', { role: 'agent', login: 'lea', firstName: 'Léa', secret: '2580' }));
    expect(agent).toMatchObject({ role: 'agent', login: 'lea', firstName: 'Léa', active: true });
    const token = await login(server, 'agent', 'lea', '2580');
    const tablet = await connect(server, 'agent', token);
    expect(ok(await command(tablet, 'agent:state', {}))).toMatchObject({ accountId: agent.id, status: 'available' });

    ok(await command(manager, 'account:create', { role: 'manager', login: 'chef', firstName: 'Paul', secret: fixturePassword }));
    await login(server, 'manager', 'chef', fixturePassword);
    // A PIN is not a manager's password, and an agent's login is not a manager's.
    expect(await loginStatus('manager', 'lea', '2580')).toBe(401);

    const logins = ok(await command(manager, 'account:list', {})).map((a) => a.login);
    expect(logins).toEqual(['gestion', 'chef', 'karim', 'lea', 'marie']);
  });

  it('refuses a login already used at the same site, in any case, naming the field', async () => {
    await addSite(server.store, server.clock, 'Autreville');
    const before = await snapshot(server.store);
    for (const taken of ['marie', 'MARIE', 'Gestion']) {
      const result = await command(manager, 'account:create', { role: 'agent', login: taken, firstName: 'X', secret: '1111' });
      expect(result).toMatchObject({ ok: false, error: { code: 'login_taken', issues: [{ path: 'login' }] } });
    }
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('refuses invalid accounts, naming the field, without touching the store', async () => {
    const before = await snapshot(server.store);
    const cases: [unknown, string][] = [
      [{ role: 'agent', login: 'lea', firstName: 'Léa', secret: 'abcd' }, 'secret'],
      [{ role: 'agent', login: 'lea', firstName: 'Léa', secret: '12' }, 'secret'],
      [{ role: 'manager', login: 'chef', firstName: 'Paul', secret: 'court' }, 'secret'],
      [{ role: 'agent', login: 'l a', firstName: 'Léa', secret: '2580' }, 'login'],
      [{ role: 'agent', login: 'lea', firstName: '  ', secret: '2580' }, 'firstName'],
      [{ role: 'admin', login: 'lea', firstName: 'Léa', secret: '2580' }, 'role'],
      [{ role: 'agent', login: 'lea', firstName: 'Léa', secret: '2580', siteId: 'x' }, '(root)']
    ];
    for (const [payload, field] of cases) {
      const result = await command(manager, 'account:create', payload);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid_payload');
        expect(result.error.issues?.map((i) => i.path)).toContain(field);
      }
    }
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('deactivating and reactivating', () => {
  it('ends the agent’s logins: the tablet is told and closed, and the PIN no longer opens', async () => {
    const token = await login(server, 'agent', 'marie', '1234');
    const tablet = await connect(server, 'agent', token);
    const told = nextEvent(tablet, 'credential:revoked');
    const closed = disconnected(tablet);
    const result = ok(await command(manager, 'account:update', { accountId: await idOf('marie'), active: false }));
    expect(result).toMatchObject({ login: 'marie', active: false });
    expect(await told).toEqual({ reason: 'revoked' });
    expect(await closed).toBe('io server disconnect');
    expect(await server.store.authSessions.listIdsForAccount(await idOf('marie'))).toEqual([]);
    await expect(connect(server, 'agent', token)).rejects.toThrow(/not valid/);
    expect(await loginStatus('agent', 'marie', '1234')).toBe(401);

    ok(await command(manager, 'account:update', { accountId: await idOf('marie'), active: true }));
    await login(server, 'agent', 'marie', '1234');
  });

  it('renames an account without ending its logins', async () => {
    const tablet = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234'));
    const renamed = ok(await command(manager, 'account:update', { accountId: await idOf('marie'), firstName: 'Marie-Jo' }));
    expect(renamed.firstName).toBe('Marie-Jo');
    expect(ok(await command(tablet, 'site:get', {})).id).toBe((await server.store.sites.listDemo())[0]!.id);
  });

  it('refuses an update that changes nothing, naming what to send', async () => {
    const result = await command(manager, 'account:update', { accountId: await idOf('marie') });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('gives a deactivated agent’s call back to the others at once, without losing it', async () => {
    const hall = await openHall(server, { procedureId: 'changement-adresse' });
    const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const ringsAgain = nextEvent(hall.karim, 'call:ring');
    const kioskTold = patchWith(hall.kiosk, { op: 'agent', agent: null });
    const marieTold = nextEvent(hall.marie, 'credential:revoked');

    ok(await command(manager, 'account:update', { accountId: await idOf('marie'), active: false }));
    expect(await marieTold).toEqual({ reason: 'revoked' });
    // No clock move: it does not wait for the grace period of a tablet that may come back.
    expect((await ringsAgain).callId).toBe(created.id);
    await kioskTold;
    expect(await server.store.helpCalls.findById(created.id)).toMatchObject({ status: 'ringing', agentId: null });
    ok(await command(hall.karim, 'call:accept', { callId: created.id }));
  });
});

describe('a new PIN or password', () => {
  it('replaces the PIN and ends the logins made with the old one', async () => {
    const tablet = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234'));
    const told = nextEvent(tablet, 'credential:revoked');
    ok(await command(manager, 'account:reset-secret', { accountId: await idOf('marie'), secret: '9753' }));
    expect(await told).toEqual({ reason: 'revoked' });
    expect(await loginStatus('agent', 'marie', '1234')).toBe(401);
    await login(server, 'agent', 'marie', '9753');
  });

  it('checks the new secret by the account’s role, naming the field, without touching the store', async () => {
    ok(await command(manager, 'account:create', { role: 'manager', login: 'chef', firstName: 'Paul', secret: fixturePassword }));
    const before = await snapshot(server.store);
    for (const [loginName, secret] of [
      ['marie', 'mot-de-passe-long'],
      ['chef', '1234']
    ]) {
      const result = await command(manager, 'account:reset-secret', { accountId: await idOf(loginName!), secret });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'secret' }] } });
    }
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('a manager changing their own password keeps this login and ends their others', async () => {
    const elsewhere = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const told = nextEvent(elsewhere, 'credential:revoked');
    ok(await command(manager, 'account:reset-secret', { accountId: await idOf('gestion'), secret: 'un-tout-nouveau-mot' }));
    expect(await told).toEqual({ reason: 'revoked' });
    expect(ok(await command(manager, 'account:list', {})).length).toBe(3);
    await login(server, 'manager', 'gestion', 'un-tout-nouveau-mot');
  });
});

describe('the site’s PIN length', () => {
  const view = async (loginName: string) => ok(await command(manager, 'account:list', {})).find((a) => a.login === loginName)!;

  it('requires 6 digits for new and reset PINs once set, naming the field, without touching the store', async () => {
    ok(await command(manager, 'site:pin-length', { minLength: 6 }));
    const before = await snapshot(server.store);
    const created = await command(manager, 'account:create', { role: 'agent', login: 'lea', firstName: 'Léa', secret: '2580' });
    expect(created).toMatchObject({ ok: false, error: { code: 'pin_too_short', issues: [{ path: 'secret' }] } });
    const reset = await command(manager, 'account:reset-secret', { accountId: await idOf('marie'), secret: '2580' });
    expect(reset).toMatchObject({ ok: false, error: { code: 'pin_too_short', issues: [{ path: 'secret' }] } });
    expect(await snapshot(server.store)).toEqual(before);
    // A manager's password is not a PIN: the rule does not apply.
    ok(
      await command(manager, 'account:create', {
        role: 'manager',
        login: 'alex',
        firstName: 'Alex',
        secret: 'un-long-mot-de-passe'
      })
    );
    ok(await command(manager, 'account:create', { role: 'agent', login: 'lea', firstName: 'Léa', secret: '258025' }));
    expect(await loginStatus('agent', 'lea', '258025')).toBe(200);
  });

  it('keeps older 4-digit PINs working, and points them out until they are reset', async () => {
    expect((await view('marie')).pinTooShort).toBe(false);
    ok(await command(manager, 'site:pin-length', { minLength: 6 }));
    expect((await view('marie')).pinTooShort).toBe(true);
    expect(await loginStatus('agent', 'marie', '1234')).toBe(200);
    expect(
      ok(await command(manager, 'account:reset-secret', { accountId: await idOf('marie'), secret: '135790' })).pinTooShort
    ).toBe(false);
    expect(await loginStatus('agent', 'marie', '135790')).toBe(200);
    // Back to 4 digits: nothing to point out.
    ok(await command(manager, 'site:pin-length', { minLength: 4 }));
    expect((await view('karim')).pinTooShort).toBe(false);
  });

  it('refuses another length, naming the field', async () => {
    const ack = await command(manager, 'site:pin-length', { minLength: 5 });
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'minLength' }] } });
    expect((await server.store.sites.listAll())[0]!.pinMinLength).toBe(4);
  });
});

describe('unlocking', () => {
  it('shows an account blocked by wrong PINs, and a manager’s unlock lets its owner in again', async () => {
    for (let i = 0; i < 6; i++) await loginStatus('agent', 'marie', '0000');
    expect(await loginStatus('agent', 'marie', '1234')).toBe(429);
    const locked = ok(await command(manager, 'account:list', {})).find((a) => a.login === 'marie')!;
    expect(locked.locked).toBe(true);
    expect(ok(await command(manager, 'account:list', {})).find((a) => a.login === 'karim')!.locked).toBe(false);

    expect(ok(await command(manager, 'account:unlock', { accountId: locked.id })).locked).toBe(false);
    expect(await loginStatus('agent', 'marie', '1234')).toBe(200);
  });

  it('a new PIN lifts the blocks too: its owner logs in with it at once', async () => {
    for (let i = 0; i < 6; i++) await loginStatus('agent', 'karim', '0000');
    expect(await loginStatus('agent', 'karim', '5678')).toBe(429);
    const reset = ok(await command(manager, 'account:reset-secret', { accountId: await idOf('karim'), secret: '8642' }));
    expect(reset.locked).toBe(false);
    expect(await loginStatus('agent', 'karim', '8642')).toBe(200);
  });

  it('is for managers only', async () => {
    const agent = await connect(server, 'agent', await login(server, 'agent', 'karim', '5678'));
    expect(await command(agent, 'account:unlock', { accountId: await idOf('marie') })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' }
    });
  });
});

describe('the last manager', () => {
  it('cannot deactivate themself when no other manager is active', async () => {
    const before = await snapshot(server.store);
    const result = await command(manager, 'account:update', { accountId: await idOf('gestion'), active: false });
    expect(result).toMatchObject({ ok: false, error: { code: 'last_manager' } });
    expect(await snapshot(server.store)).toEqual(before);
    expect(ok(await command(manager, 'account:list', {})).length).toBe(3);
  });

  it('can hand over to another manager, who then cannot deactivate themself', async () => {
    ok(await command(manager, 'account:create', { role: 'manager', login: 'chef', firstName: 'Paul', secret: fixturePassword }));
    const chef = await connect(server, 'manager', await login(server, 'manager', 'chef', fixturePassword));
    // With two active managers, either may go.
    const gestionTold = nextEvent(manager, 'credential:revoked');
    ok(await command(chef, 'account:update', { accountId: await idOf('gestion'), active: false }));
    expect(await gestionTold).toEqual({ reason: 'revoked' });

    const before = await snapshot(server.store);
    const result = await command(chef, 'account:update', { accountId: await idOf('chef'), active: false });
    expect(result).toMatchObject({ ok: false, error: { code: 'last_manager' } });
    expect(await snapshot(server.store)).toEqual(before);
    // Deactivating an agent or the inactive manager again is not guarded.
    ok(await command(chef, 'account:update', { accountId: await idOf('marie'), active: false }));
    ok(await command(chef, 'account:update', { accountId: await idOf('gestion'), active: false }));
  });
});

describe('sites are kept apart', () => {
  it("a manager of site B neither sees nor changes site A's accounts", async () => {
    const b = await addSite(server.store, server.clock, 'Autreville');
    const managerB = await connect(server, 'manager', await login(server, 'manager', b.managerLogin, fixturePassword));
    const listB = ok(await command(managerB, 'account:list', {}));
    expect(listB.map((a) => a.login).sort()).toEqual([b.agentLogin, b.managerLogin].sort());

    const before = await snapshot(server.store);
    const marie = await idOf('marie');
    for (const [name, payload] of [
      ['account:update', { accountId: marie, active: false }],
      ['account:update', { accountId: marie, firstName: 'Piratée' }],
      ['account:reset-secret', { accountId: marie, secret: '0000' }]
    ] as const) {
      expect(await command(managerB, name, payload)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(await snapshot(server.store)).toEqual(before);

    // What B creates belongs to B only.
    ok(await command(managerB, 'account:create', { role: 'agent', login: 'bob', firstName: 'Bob', secret: '1357' }));
    expect(ok(await command(manager, 'account:list', {})).map((a) => a.login)).not.toContain('bob');
    expect((await server.store.accounts.listByLogin('bob'))[0]?.siteId).toBe(b.siteId);
  });
});

describe('logins are unique per site', () => {
  /** What a login page is told about sites, for a browser with these cookies. */
  async function loginSitesFor(cookie?: string) {
    const req = { headers: cookie ? { cookie } : {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
    const { auth, terminals, setup } = server.app.services;
    const context = await resolveRequestContext(req, {
      auth,
      terminals,
      setup,
      store: server.store,
      version: 't',
      config: server.config
    });
    return { sites: context.loginSites.map((s) => s.name), remembered: context.loginSiteId };
  }

  it('the login form asks for the site only when there are several, preselecting the one this device used', async () => {
    expect(await loginSitesFor()).toEqual({ sites: [], remembered: null });
    const b = await addSite(server.store, server.clock, 'Autreville');
    expect(await loginSitesFor()).toEqual({ sites: ['Autreville', 'Mairie de Démoville'], remembered: null });
    expect(await loginSitesFor(`guichet_site=${b.siteId}`)).toEqual({
      sites: ['Autreville', 'Mairie de Démoville'],
      remembered: b.siteId
    });
    expect((await loginSitesFor('guichet_site=not-a-site')).remembered).toBeNull();
  });

  async function loginAnswer(body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    });
    return { status: res.status, body: await res.json() };
  }

  it('wrong PINs for « marie » at one site do not lock « marie » out at another', async () => {
    const demoSiteId = (await server.store.sites.listDemo())[0]!.id;
    const b = await addSite(server.store, server.clock, 'Lockville');
    const managerB = await connect(server, 'manager', await login(server, 'manager', b.managerLogin, fixturePassword));
    ok(await command(managerB, 'account:create', { role: 'agent', login: 'marie', firstName: 'Marie B', secret: '5678' }));
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await loginAnswer({ face: 'agent', login: 'marie', secret: '0000', siteId: b.siteId });
      codes.push((answer.body as { error: { code: string } }).error.code);
    }
    expect(codes.at(-1)).toBe('too_many_attempts');
    // B's marie is blocked, even with her right PIN; the demo site's marie is not.
    expect((await loginAnswer({ face: 'agent', login: 'marie', secret: '5678', siteId: b.siteId })).status).toBe(429);
    expect(await loginAnswer({ face: 'agent', login: 'marie', secret: '1234', siteId: demoSiteId })).toMatchObject({
      status: 200,
      body: { siteId: demoSiteId }
    });
    // B's manager sees her blocked and unlocks her; the demo site's marie was never blocked.
    const listed = ok(await command(managerB, 'account:list', {})).find((a) => a.login === 'marie')!;
    expect(listed.locked).toBe(true);
    ok(await command(managerB, 'account:unlock', { accountId: listed.id }));
    expect((await loginAnswer({ face: 'agent', login: 'marie', secret: '5678', siteId: b.siteId })).status).toBe(200);
  });

  it("a manager of site B creates « marie », which the demo site has: nothing tells B about A's logins", async () => {
    const demoSiteId = (await server.store.sites.listDemo())[0]!.id;
    const b = await addSite(server.store, server.clock, 'Autreville');
    const managerB = await connect(server, 'manager', await login(server, 'manager', b.managerLogin, fixturePassword));

    const created = ok(
      await command(managerB, 'account:create', { role: 'agent', login: 'marie', firstName: 'Marie B', secret: '5678' })
    );
    expect(created).toMatchObject({ login: 'marie', firstName: 'Marie B' });
    // Still « taken » at B itself, in any case.
    expect(
      await command(managerB, 'account:create', { role: 'agent', login: 'Marie', firstName: 'X', secret: '1111' })
    ).toMatchObject({ ok: false, error: { code: 'login_taken' } });

    // Each marie logs in at her own site with her own PIN, and is who she should be.
    const tabletA = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234', demoSiteId));
    const tabletB = await connect(server, 'agent', await login(server, 'agent', 'marie', '5678', b.siteId));
    const marieAtA = (await server.store.accounts.listByLogin('marie')).find((a) => a.siteId === demoSiteId)!;
    expect(ok(await command(tabletA, 'agent:state', {})).accountId).toBe(marieAtA.id);
    expect(ok(await command(tabletB, 'agent:state', {})).accountId).toBe(created.id);
    const a = await loginAnswer({ face: 'agent', login: 'marie', secret: '1234', siteId: demoSiteId });
    const bb = await loginAnswer({ face: 'agent', login: 'marie', secret: '5678', siteId: b.siteId });
    expect(a.body).toMatchObject({ siteId: demoSiteId, firstName: 'Marie' });
    expect(bb.body).toMatchObject({ siteId: b.siteId, firstName: 'Marie B' });

    // The wrong site or an unknown site: refused exactly like an unknown login, even with a PIN
    // that is right somewhere.
    const unknown = await loginAnswer({ face: 'agent', login: 'nobody', secret: '1234', siteId: demoSiteId });
    expect(unknown).toEqual({ status: 401, body: { error: { code: 'login_failed', message: expect.any(String) } } });
    for (const attempt of [
      { face: 'agent', login: 'marie', secret: '5678', siteId: demoSiteId },
      { face: 'agent', login: 'marie', secret: '1234', siteId: b.siteId },
      { face: 'agent', login: 'marie', secret: '1234', siteId: 'no-such-site' },
      { face: 'agent', login: b.agentLogin, secret: fixturePin, siteId: demoSiteId }
    ]) {
      expect(await loginAnswer(attempt)).toEqual(unknown);
    }
    // No site on a server with several: asked for, the same for every login (which says nothing
    // about where a login exists), and nothing is checked.
    for (const [name, pin] of [
      ['marie', '1234'],
      [b.agentLogin, fixturePin],
      ['nobody', '1234']
    ]) {
      expect(await loginAnswer({ face: 'agent', login: name, secret: pin })).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_payload', issues: [{ path: 'siteId' }] } }
      });
    }
  });
});
