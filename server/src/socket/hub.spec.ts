/**
 * The socket hub against the real server: every connection needs a credential for its face,
 * every command is checked against the face that sends it and validated before it touches the
 * store, and nothing crosses sites.
 */
import { io as ioClient } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSite, fixturePassword, fixturePin, snapshot, type SiteFixture } from '../testing/fixtures';
import { command, connect, login, nextEvent, pairTerminal, startTestServer, type TestServer } from '../testing/test-server';

let server: TestServer;
let siteB: SiteFixture;

beforeEach(async () => {
  server = await startTestServer();
  siteB = await addSite(server.store, server.clock, 'Autreville');
});
afterEach(async () => {
  await server.close();
});

describe('connections without a valid credential are refused', () => {
  it('refuses a connection that says no face', async () => {
    await expect(connect(server, undefined as never)).rejects.toThrow(/auth.face/);
  });

  it('refuses each face without a credential, naming what is missing', async () => {
    for (const face of ['kiosk', 'display', 'agent', 'manager'] as const) {
      const refusal = await connect(server, face).catch((e: Error & { data?: { code: string } }) => e);
      expect(refusal).toBeInstanceOf(Error);
      expect((refusal as Error & { data: { code: string } }).data.code).toBe('unauthenticated');
      expect((refusal as Error).message).toContain(`No ${face} credential`);
    }
  });

  it('refuses a page from another origin before reading any credential', async () => {
    const token = await login(server, 'agent', 'marie', '1234');
    const foreign = ioClient(server.url, {
      auth: { face: 'agent', token },
      extraHeaders: { origin: 'http://elsewhere.invalid' },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true
    });
    const refused = await new Promise<boolean>((resolve) => {
      foreign.once('connect', () => resolve(false));
      foreign.once('connect_error', () => resolve(true));
    });
    foreign.disconnect();
    expect(refused).toBe(true);
    // The same credential from the right origin is accepted.
    const sameOrigin = ioClient(server.url, {
      auth: { face: 'agent', token },
      extraHeaders: { origin: server.url },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true
    });
    await new Promise<void>((resolve, reject) => {
      sameOrigin.once('connect', resolve);
      sameOrigin.once('connect_error', reject);
    });
    sameOrigin.disconnect();
  });

  it('refuses a made-up token', async () => {
    await expect(connect(server, 'agent', 'not-a-real-token')).rejects.toThrow(/not valid/);
  });

  it('accepts the credential from the httpOnly cookie, as browsers send it', async () => {
    const token = await login(server, 'agent', 'marie', '1234');
    const agent = await connect(server, 'agent', token, 'cookie');
    expect(agent.connected).toBe(true);
  });
});

describe('a credential only opens its own face', () => {
  it('a kiosk token cannot connect as an agent or a manager', async () => {
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne test');
    await expect(connect(server, 'agent', kioskToken)).rejects.toThrow(/not valid/);
    await expect(connect(server, 'manager', kioskToken)).rejects.toThrow(/not valid/);
    await expect(connect(server, 'display', kioskToken)).rejects.toThrow(/not valid/);
    const kiosk = await connect(server, 'kiosk', kioskToken);
    expect(kiosk.connected).toBe(true);
  });

  it('an agent login cannot connect as a manager', async () => {
    const agentToken = await login(server, 'agent', 'marie', '1234');
    await expect(connect(server, 'manager', agentToken)).rejects.toThrow(/not valid/);
  });

  it("a kiosk's commands are limited to what a kiosk may do", async () => {
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const kiosk = await connect(server, 'kiosk', await pairTerminal(server, managerToken, 'kiosk', 'Borne test'));
    const before = await snapshot(server.store);
    const list = await command(kiosk, 'terminal:list', {});
    expect(list).toEqual({ ok: false, error: { code: 'forbidden', message: 'A kiosk cannot send terminal:list' } });
    const claim = await command(kiosk, 'pairing:claim', { code: 'ACDEFG', name: 'x' });
    expect(claim.ok === false && claim.error.code).toBe('forbidden');
    expect(await snapshot(server.store)).toEqual(before);
    const site = await command(kiosk, 'site:get', {});
    expect(site.ok && site.data.name).toBe('Mairie de Démoville');
    const setup = await command(kiosk, 'kiosk:setup', {});
    expect(setup.ok && setup.data.procedures.length).toBe(6);
    expect(setup.ok && [setup.data.idleSeconds, setup.data.countdownSeconds]).toEqual([90, 30]);
  });

  it('an agent cannot manage terminals', async () => {
    const agent = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234'));
    const list = await command(agent, 'terminal:list', {});
    expect(list.ok).toBe(true);
    const terminalId = list.ok ? list.data[0]!.id : '';
    const before = await snapshot(server.store);
    const rename = await command(agent, 'terminal:rename', { terminalId, name: 'Piraté' });
    expect(rename.ok === false && rename.error.code).toBe('forbidden');
    const revoke = await command(agent, 'terminal:revoke', { terminalId });
    expect(revoke.ok === false && revoke.error.code).toBe('forbidden');
    const setup = await command(agent, 'kiosk:setup', {});
    expect(setup.ok === false && setup.error.code).toBe('forbidden');
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('nothing crosses sites', () => {
  it("an agent of site A sees only site A's terminals", async () => {
    const agentA = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234'));
    const agentB = await connect(server, 'agent', await login(server, 'agent', siteB.agentLogin, fixturePin));
    const listA = await command(agentA, 'terminal:list', {});
    const listB = await command(agentB, 'terminal:list', {});
    expect(listA.ok && listA.data.map((t) => t.name).sort()).toEqual(['Borne de démonstration', 'Écran du hall']);
    expect(listB.ok && listB.data.map((t) => t.id)).toEqual([siteB.kioskId]);
    const siteOfB = await command(agentB, 'site:get', {});
    expect(siteOfB.ok && siteOfB.data.name).toBe('Autreville');
  });

  it("a manager of site A cannot rename or revoke site B's terminal, and learns nothing of it", async () => {
    const managerA = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const before = await snapshot(server.store);
    const rename = await command(managerA, 'terminal:rename', { terminalId: siteB.kioskId, name: 'Volé' });
    expect(rename).toEqual({ ok: false, error: { code: 'not_found', message: `No terminal ${siteB.kioskId} at this site` } });
    const revoke = await command(managerA, 'terminal:revoke', { terminalId: siteB.kioskId });
    expect(revoke.ok === false && revoke.error.code).toBe('not_found');
    expect(await snapshot(server.store)).toEqual(before);
  });

  it("broadcasts reach only the site's own staff", async () => {
    const managerA = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const managerB = await connect(server, 'manager', await login(server, 'manager', siteB.managerLogin, fixturePassword));
    let leaked = false;
    managerB.on('terminal:updated', () => (leaked = true));
    const list = await command(managerA, 'terminal:list', {});
    const kiosk = list.ok ? list.data.find((t) => t.kind === 'kiosk')! : null;
    const seen = nextEvent(managerA, 'terminal:updated');
    await command(managerA, 'terminal:rename', { terminalId: kiosk!.id, name: 'Borne renommée' });
    expect((await seen).name).toBe('Borne renommée');
    // A command from B after A's broadcast: B's ack comes after anything sent to B before it.
    await command(managerB, 'terminal:list', {});
    expect(leaked).toBe(false);
  });
});

describe('bad payloads get a named error and change nothing', () => {
  it('names the wrong field for each bad payload and leaves the store as it was', async () => {
    const manager = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const list = await command(manager, 'terminal:list', {});
    const terminalId = list.ok ? list.data[0]!.id : '';
    const before = await snapshot(server.store);

    const cases: [string, unknown, string][] = [
      ['terminal:rename', { terminalId: 'nope', name: 'x' }, 'terminalId'],
      ['terminal:rename', { terminalId, name: '' }, 'name'],
      ['terminal:rename', { terminalId, name: 'x'.repeat(61) }, 'name'],
      ['terminal:rename', { terminalId, name: 42 }, 'name'],
      ['terminal:rename', { terminalId, name: 'ok', admin: true }, '(root)'],
      ['terminal:rename', null, '(root)'],
      ['terminal:rename', 'rename everything', '(root)'],
      ['terminal:revoke', {}, 'terminalId'],
      ['pairing:claim', { code: 'O0O0O0', name: 'Borne' }, 'code'],
      ['pairing:claim', { code: 'ACDEFG' }, 'name'],
      ['terminal:list', { siteId: 'other' }, '(root)']
    ];
    for (const [name, payload, field] of cases) {
      const result = await command(manager, name as 'terminal:rename', payload);
      expect(result.ok, `${name} ${JSON.stringify(payload)}`).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe('invalid_payload');
      expect(result.error.message).toContain(`Invalid ${name} payload`);
      expect(result.error.issues?.map((i) => i.path)).toContain(field);
    }
    expect(await snapshot(server.store)).toEqual(before);
    // The server is still answering.
    expect((await command(manager, 'site:get', {})).ok).toBe(true);
  });

  it('answers an unknown command with a named error', async () => {
    const manager = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const result = await command(manager, 'terminal:explode' as 'terminal:list', {});
    expect(result).toEqual({ ok: false, error: { code: 'unknown_command', message: 'Unknown command terminal:explode' } });
  });
});

describe('revoking and logging out end live connections', () => {
  it('a revoked terminal is told, disconnected, and cannot come back', async () => {
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne à retirer');
    const kiosk = await connect(server, 'kiosk', kioskToken);
    const manager = await connect(server, 'manager', managerToken);
    const list = await command(manager, 'terminal:list', {});
    const target = list.ok ? list.data.find((t) => t.name === 'Borne à retirer')! : null;
    expect(target?.online).toBe(true);

    const told = nextEvent(kiosk, 'credential:revoked');
    const closed = new Promise<string>((resolve) => kiosk.once('disconnect', resolve));
    const result = await command(manager, 'terminal:revoke', { terminalId: target!.id });
    expect(result).toEqual({ ok: true, data: { terminalId: target!.id } });
    expect(await told).toEqual({ reason: 'revoked' });
    expect(await closed).toBe('io server disconnect');
    await expect(connect(server, 'kiosk', kioskToken)).rejects.toThrow(/not valid/);
  });

  it('logging out closes that login’s sockets and invalidates the cookie', async () => {
    const token = await login(server, 'agent', 'marie', '1234');
    const agent = await connect(server, 'agent', token);
    const told = nextEvent(agent, 'credential:revoked');
    const res = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `guichet_agent=${token}` },
      body: JSON.stringify({ face: 'agent' })
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    expect(await told).toEqual({ reason: 'logged_out' });
    await expect(connect(server, 'agent', token)).rejects.toThrow(/not valid/);
  });

  it('an expired login is refused at connection and its open socket is closed on its next command', async () => {
    const token = await login(server, 'agent', 'marie', '1234');
    const agent = await connect(server, 'agent', token);
    server.clock.advance(server.config.agentSessionHours * 3_600_000 + 1000);
    const told = nextEvent(agent, 'credential:revoked');
    const result = await command(agent, 'site:get', {});
    expect(result.ok === false && result.error.code).toBe('unauthenticated');
    expect(await told).toEqual({ reason: 'expired' });
    await expect(connect(server, 'agent', token)).rejects.toThrow(/not valid/);
  });
});

describe('terminal presence', () => {
  it('tells the staff when a kiosk comes online and goes offline', async () => {
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne présence');
    const manager = await connect(server, 'manager', managerToken);
    const online = nextEvent(manager, 'terminals:seen');
    const kiosk = await connect(server, 'kiosk', kioskToken);
    expect(await online).toMatchObject([{ name: 'Borne présence', online: true }]);
    const offline = nextEvent(manager, 'terminals:seen');
    kiosk.disconnect();
    const [update] = await offline;
    expect(update).toMatchObject({ name: 'Borne présence', online: false });
    expect(update!.lastSeenAt).not.toBeNull();
  });
});
