/**
 * « Réglages du site » against the real server: what the manager sets is validated (each wrong field
 * named, nothing written), stored, and reaches the site's open kiosks and displays at once; the
 * kiosk's delays and languages come from the site; a closed day closes the site for tickets and
 * help calls; a manager of one site never changes another's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localDate } from '../../../shared/opening-hours';
import type { SiteInfo } from '../../../shared/schemas/site';
import { credentialCookie } from '../../../shared/identity';
import { addSite, fixturePassword, snapshot } from '../testing/fixtures';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import {
  command,
  connect,
  login,
  nextEvent,
  pairTerminal,
  startTestServer,
  type TestClient,
  type TestServer
} from '../testing/test-server';

let server: TestServer;
let hall: Hall;
let manager: TestClient;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server);
  manager = await connect(server, 'manager', hall.managerToken);
});
afterEach(async () => {
  await server.close();
});

const settings = {
  name: 'Mairie de Nouvelleville',
  address: '2 rue du Port, 11111 Nouvelleville',
  phone: '04 11 22 33 44',
  receptionHint: 'Accueil : à droite en entrant',
  languages: ['fr', 'en'] as ('fr' | 'en' | 'ar')[],
  idleSeconds: 120,
  countdownSeconds: 45,
  closedMessage: 'La mairie est fermée aujourd’hui. Revenez demain matin.'
};

/** A real 1×1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64'
);
const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString('base64')}`;

async function siteIdOf(h: Hall): Promise<string> {
  return (await server.store.sessions.findById(h.session.id))!.siteId;
}

describe('identity and kiosk settings', () => {
  it('are saved, and the kiosk and the display hear them at once; the kiosk takes its delays and languages from the site', async () => {
    const before = ok(await command(hall.kiosk, 'kiosk:setup', {}));
    expect([before.idleSeconds, before.countdownSeconds]).toEqual([90, 30]);
    expect(ok(await command(hall.kiosk, 'site:get', {})).languages).toEqual(['fr', 'en', 'ar']);

    const displayToken = await pairTerminal(server, hall.managerToken, 'display', 'Écran test');
    const display = await connect(server, 'display', displayToken);
    const atKiosk = nextEvent(hall.kiosk, 'site:updated');
    const atDisplay = nextEvent(display, 'site:updated');
    const saved = ok(await command(manager, 'site:settings', settings));
    expect(saved).toMatchObject({
      name: settings.name,
      address: settings.address,
      phone: settings.phone,
      receptionHint: settings.receptionHint,
      languages: ['fr', 'en'],
      kiosk: { idleSeconds: 120, countdownSeconds: 45 },
      closedMessage: settings.closedMessage
    });
    expect(await atKiosk).toEqual(saved);
    expect(await atDisplay).toEqual(saved);

    const after = ok(await command(hall.kiosk, 'kiosk:setup', {}));
    expect([after.idleSeconds, after.countdownSeconds]).toEqual([120, 45]);
    expect(ok(await command(hall.marie, 'site:get', {}))).toEqual(saved);
  });

  it('a site that never set its delays follows the server’s configuration', async () => {
    await server.close();
    server = await startTestServer({ GUICHET_KIOSK_IDLE_SECONDS: '200', GUICHET_KIOSK_COUNTDOWN_SECONDS: '60' });
    hall = await openHall(server);
    expect(ok(await command(hall.kiosk, 'kiosk:setup', {}))).toMatchObject({ idleSeconds: 200, countdownSeconds: 60 });
    expect(ok(await command(hall.kiosk, 'site:get', {})).kiosk).toEqual({ idleSeconds: 200, countdownSeconds: 60 });
  });

  it('refuses wrong values, naming each field, and writes nothing', async () => {
    const before = await snapshot(server.store);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...settings, languages: ['en', 'ar'] }, 'languages'],
      [{ ...settings, languages: ['fr', 'de'] }, 'languages.1'],
      [{ ...settings, languages: ['fr', 'fr'] }, 'languages'],
      [{ ...settings, idleSeconds: 5 }, 'idleSeconds'],
      [{ ...settings, countdownSeconds: 1000 }, 'countdownSeconds'],
      [{ ...settings, name: '  ' }, 'name'],
      [{ ...settings, phone: '<script>' }, 'phone'],
      [{ ...settings, closedMessage: 'x'.repeat(501) }, 'closedMessage']
    ];
    for (const [payload, path] of cases) {
      const refused = await command(manager, 'site:settings', payload);
      expect(refused, path).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
      expect(!refused.ok && refused.error.issues?.map((i) => i.path)).toContain(path);
    }
    const { name: _name, ...withoutName } = settings;
    expect(await command(manager, 'site:settings', withoutName)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    // Only the manager sets them.
    expect(await command(hall.marie, 'site:settings', settings)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await command(hall.kiosk, 'site:settings', settings)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('the logo', () => {
  it('a PNG is stored and served to the site’s terminals and staff, then removed', async () => {
    const updated = nextEvent(hall.kiosk, 'site:updated');
    const site = ok(await command(manager, 'site:logo', { logo: dataUrl('image/png', png) }));
    expect(site.logoUrl).toMatch(/^\/api\/site-logo\?v=[0-9a-f]{16}$/);
    expect((await updated).logoUrl).toBe(site.logoUrl);

    const asKiosk = await fetch(`${server.url}${site.logoUrl}`, {
      headers: { cookie: `${credentialCookie.kiosk}=${hall.kioskToken}` }
    });
    expect(asKiosk.status).toBe(200);
    expect(asKiosk.headers.get('content-type')).toBe('image/png');
    expect(asKiosk.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await asKiosk.arrayBuffer())).toEqual(png);
    const asAgent = await fetch(`${server.url}${site.logoUrl}`, {
      headers: { cookie: `${credentialCookie.agent}=${hall.marieToken}` }
    });
    expect(asAgent.status).toBe(200);
    expect((await fetch(`${server.url}${site.logoUrl}`)).status).toBe(401);

    const removed = ok(await command(manager, 'site:logo', { logo: null }));
    expect(removed.logoUrl).toBeNull();
    expect(await server.store.siteLogos.find(await siteIdOf(hall))).toBeNull();
    const gone = await fetch(`${server.url}/api/site-logo`, {
      headers: { cookie: `${credentialCookie.kiosk}=${hall.kioskToken}` }
    });
    expect(gone.status).toBe(404);
  });

  it('refuses an SVG, bytes that are not the image they claim, and a large image, and keeps the logo it had', async () => {
    ok(await command(manager, 'site:logo', { logo: dataUrl('image/png', png) }));
    const before = await snapshot(server.store);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const large = Buffer.concat([png.subarray(0, 8), Buffer.alloc(160_000, 1)]);
    const cases = [
      dataUrl('image/svg+xml', svg),
      dataUrl('image/png', svg),
      dataUrl('image/jpeg', png),
      dataUrl('image/gif', png),
      'https://example.org/logo.png',
      dataUrl('image/png', large)
    ];
    for (const logo of cases) {
      const refused = await command(manager, 'site:logo', { logo });
      expect(refused, logo.slice(0, 30)).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload', issues: [{ path: 'logo' }] }
      });
    }
    expect(await command(manager, 'site:logo', {})).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('opening hours and closed days', () => {
  it('a closed day closes the site: no ticket at the kiosk, a help call says closed, the services say closed', async () => {
    const today = localDate(server.clock.now(), 'Europe/Paris');
    const take = () => command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' });
    const queueUpdates = collect(hall.kiosk, 'queue:counts');
    const site = ok(await command(manager, 'site:closed-days', { days: [{ date: today, label: 'Fermeture exceptionnelle' }] }));
    expect(site.closedDays).toEqual([{ date: today, label: 'Fermeture exceptionnelle' }]);
    await expect.poll(() => queueUpdates.length).toBeGreaterThan(0);

    expect(await take()).toMatchObject({ ok: false, error: { code: 'service_closed' } });
    const services = ok(await command(hall.kiosk, 'queue:services', {}));
    expect(services.every((s) => !s.open)).toBe(true);
    const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid(), reason: 'help' }));
    expect(call).toMatchObject({ status: 'unanswered', unansweredReason: 'closed' });

    // Another day closed instead: open again (the site has no weekly hours in tests).
    ok(await command(manager, 'site:closed-days', { days: [{ date: '2099-12-25', label: 'Noël' }] }));
    expect(ok(await take()).label).toBe('T-001');
  });

  it('weekly hours are set from the console; closed every day means no ticket', async () => {
    const closedAllWeek = { '1': [], '2': [], '3': [], '4': [], '5': [], '6': [], '7': [] };
    const site = ok(await command(manager, 'site:hours', { openingHours: closedAllWeek }));
    expect(site.openingHours).toEqual(closedAllWeek);
    expect(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' })).toMatchObject({
      ok: false,
      error: { code: 'service_closed' }
    });
    ok(await command(manager, 'site:hours', { openingHours: {} }));
    expect(ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' })).label).toBe(
      'T-001'
    );
  });

  it('refuses dates that do not exist, a date given twice and hours that close before they open', async () => {
    const before = await snapshot(server.store);
    const cases: [string, Record<string, unknown>, string][] = [
      ['site:closed-days', { days: [{ date: '2026-02-30', label: '' }] }, 'days.0.date'],
      ['site:closed-days', { days: [{ date: '11/11/2026' }] }, 'days.0.date'],
      ['site:closed-days', { days: [{ date: '2026-11-11' }, { date: '2026-11-11' }] }, 'days'],
      ['site:closed-days', { days: [{ date: '2026-11-11', label: 'x'.repeat(61) }] }, 'days.0.label'],
      ['site:hours', { openingHours: { '1': [['12:00', '08:30']] } }, 'openingHours.1.0'],
      ['site:hours', { openingHours: { '8': [['08:00', '12:00']] } }, 'openingHours']
    ];
    for (const [name, payload, path] of cases) {
      const refused = await command(manager, name as 'site:hours', payload);
      expect(refused, path).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
      expect(!refused.ok && refused.error.issues?.map((i) => i.path).join(' ')).toContain(path);
    }
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('one site never reaches another', () => {
  it('a manager of site B changes only site B, and site A’s terminals hear nothing', async () => {
    const b = await addSite(server.store, server.clock, 'Bourg');
    const managerB = await connect(server, 'manager', await login(server, 'manager', b.managerLogin, fixturePassword));
    const heardAtA: SiteInfo[] = collect(hall.kiosk, 'site:updated');
    const before = await server.store.sites.findById(await siteIdOf(hall));

    const saved = ok(await command(managerB, 'site:settings', { ...settings, name: 'Mairie de Bourg' }));
    expect(saved.id).toBe(b.siteId);
    ok(await command(managerB, 'site:logo', { logo: dataUrl('image/png', png) }));
    ok(await command(managerB, 'site:closed-days', { days: [{ date: '2099-01-01', label: '' }] }));

    expect(await server.store.sites.findById(await siteIdOf(hall))).toEqual(before);
    expect(await server.store.siteLogos.find(await siteIdOf(hall))).toBeNull();
    // The kiosk's own answer comes after any update the server sent it (one order per connection).
    expect(ok(await command(hall.kiosk, 'site:get', {})).name).toBe('Mairie de Démoville');
    expect(heardAtA).toEqual([]);
    // Site A's kiosk, with site B's logo URL, gets no image: A has none.
    const crossed = await fetch(`${server.url}/api/site-logo`, {
      headers: { cookie: `${credentialCookie.kiosk}=${hall.kioskToken}` }
    });
    expect(crossed.status).toBe(404);
  });
});
