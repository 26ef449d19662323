/**
 * First start of a real installation, through the real server: the one-time setup code creates the
 * site and its first manager, logs them in, and is void afterwards. Refused attempts change nothing.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveRequestContext } from '../http/identities';
import { snapshot } from '../testing/fixtures';
import { ok } from '../testing/hall';
import { command, connect, login, startTestServer, type TestServer } from '../testing/test-server';
import { setupCodeAlphabet } from './setup.service';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ GUICHET_DEMO: '0' });
});
afterEach(async () => {
  await server.close();
});

const form = {
  siteName: 'Mairie de Saint-Essai',
  firstName: 'Claire',
  login: 'claire',
  password: 'un-mot-de-passe-solide'
};

function postSetup(body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  });
}

async function errorOf(res: Response): Promise<{ code: string; issues?: { path: string }[] }> {
  return ((await res.json()) as { error: { code: string; issues?: { path: string }[] } }).error;
}

function tokenOf(res: Response): string {
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/^guichet_manager=/);
  return decodeURIComponent(/=([^;]+)/.exec(cookie)![1]!);
}

/** What a page request would be told about setup (no cookies). */
async function setupRequired(): Promise<boolean> {
  const req = { headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
  const { auth, terminals, setup } = server.app.services;
  return (
    await resolveRequestContext(req, { auth, terminals, setup, store: server.store, version: 'test', config: server.config })
  ).setupRequired;
}

describe('first start setup', () => {
  it('issues a readable one-time code while no manager exists', async () => {
    const setup = server.app.services.setup;
    expect(await setup.pending()).toBe(true);
    expect(await setupRequired()).toBe(true);
    const code = (await setup.issueCode())!;
    const symbol = `[${setupCodeAlphabet}]`;
    expect(code).toMatch(new RegExp(`^${symbol}{4}-${symbol}{4}-${symbol}{4}$`));
    // Each start gets its own code; the codes come from randomness, not a sequence.
    expect(await setup.issueCode()).not.toBe(code);
  });

  it('refuses a wrong code without touching the store', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    const before = await snapshot(server.store);
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    const res = await postSetup({ ...form, code: wrong });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: 'setup_code_invalid', issues: [{ path: 'code' }] });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('refuses an invalid form naming the field, without touching the store', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    const before = await snapshot(server.store);
    for (const [body, field] of [
      [{ ...form, code, password: 'court' }, 'password'],
      [{ ...form, code, login: 'a b' }, 'login'],
      [{ ...form, code, siteName: '' }, 'siteName'],
      [{ ...form, code, timezone: 'Mars/Olympus' }, 'timezone'],
      [{ ...form, code, firstName: undefined }, 'firstName'],
      [{ ...form, code, extra: 1 }, '(root)']
    ] as const) {
      const res = await postSetup(body);
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('invalid_payload');
      expect(error.issues?.map((i) => i.path)).toContain(field);
    }
    expect(await snapshot(server.store)).toEqual(before);
    // The code still works after invalid forms.
    expect((await postSetup({ ...form, code })).status).toBe(200);
  });

  it('creates the site and its first manager with the right code, logs them in, then is void', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    // Typed by hand: lower case, spaces instead of dashes.
    const res = await postSetup({ ...form, code: ` ${code.toLowerCase().replaceAll('-', ' ')} ` });
    expect(res.status).toBe(200);
    const me = (await res.json()) as { role: string; login: string; firstName: string; siteId: string };
    expect(me).toMatchObject({ role: 'manager', login: 'claire', firstName: 'Claire' });

    const site = (await server.store.sites.findById(me.siteId))!;
    expect(site).toMatchObject({ name: 'Mairie de Saint-Essai', timezone: 'Europe/Paris', isDemo: false });
    const account = (await server.store.accounts.listByLogin('claire'))[0]!;
    expect(account).toMatchObject({ role: 'manager', siteId: site.id, active: true });
    // Hashed like every account: argon2id, never the password itself.
    expect(account.secretHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(await snapshot(server.store))).not.toContain(form.password);

    // The cookie is a working manager login, and the new site is served like any other.
    const manager = await connect(server, 'manager', tokenOf(res), 'cookie');
    expect(ok(await command(manager, 'site:get', {})).name).toBe('Mairie de Saint-Essai');
    const queue = ok(await command(manager, 'queue:state', {}));
    expect(queue.services.map((s) => s.id)).toContain('accueil');
    // The password logs in on the login route too.
    await login(server, 'manager', 'claire', form.password);

    expect(await server.app.services.setup.pending()).toBe(false);
    expect(await setupRequired()).toBe(false);
    expect(await server.app.services.setup.issueCode()).toBeNull();

    // A second use of the same code is refused and changes nothing.
    const before = await snapshot(server.store);
    const again = await postSetup({ ...form, login: 'autre', code });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('setup_done');
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('works as a form POSTed without JavaScript: errors come back as codes and field names, never as values', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    const postForm = (fields: Record<string, string>) =>
      fetch(`${server.url}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual'
      });
    const filled = { ...form, passwordAgain: form.password, code };
    const before = await snapshot(server.store);
    for (const [fields, location] of [
      [
        { ...filled, code: 'AAAA-AAAA-AAAA' === code ? 'BBBB-BBBB-BBBB' : 'AAAA-AAAA-AAAA' },
        '/gestion?erreur=setup_code_invalid&champ=code'
      ],
      [{ ...filled, passwordAgain: 'un-autre-mot-de-passe' }, '/gestion?erreur=invalid_payload&champ=passwordAgain'],
      [{ ...filled, login: 'c l', siteName: 'x' }, '/gestion?erreur=invalid_payload&champ=siteName&champ=login']
    ] as const) {
      const res = await postForm(fields);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(location);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(await snapshot(server.store)).toEqual(before);

    const res = await postForm(filled);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/gestion');
    const manager = await connect(server, 'manager', tokenOf(res), 'cookie');
    expect(ok(await command(manager, 'site:get', {})).name).toBe('Mairie de Saint-Essai');
  });

  it('takes a chosen time zone', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    const res = await postSetup({ ...form, code, timezone: 'America/Cayenne' });
    const { siteId } = (await res.json()) as { siteId: string };
    expect((await server.store.sites.findById(siteId))?.timezone).toBe('America/Cayenne');
  });

  it('slows down guessing like the login: 5 wrong codes lock setup for 5 minutes', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    const wrong = code === 'AAAA-AAAA-AAAA' ? 'BBBB-BBBB-BBBB' : 'AAAA-AAAA-AAAA';
    for (let i = 0; i < 5; i++) expect((await postSetup({ ...form, code: wrong })).status).toBe(403);
    const blocked = await postSetup({ ...form, code });
    expect(blocked.status).toBe(429);
    expect((await errorOf(blocked)).code).toBe('too_many_attempts');
    expect(await server.store.accounts.hasAnyManager()).toBe(false);

    server.clock.advance(5 * 60_000 + 1);
    expect((await postSetup({ ...form, code })).status).toBe(200);
  });

  it('counts wrong codes sent at the same moment one by one: 5 are checked, the rest refused', async () => {
    const code = (await server.app.services.setup.issueCode())!;
    const wrong = code === 'AAAA-AAAA-AAAA' ? 'BBBB-BBBB-BBBB' : 'AAAA-AAAA-AAAA';
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => postSetup({ ...form, code: wrong }).then(async (res) => (await errorOf(res)).code))
    );
    expect(answers.filter((c) => c === 'setup_code_invalid')).toHaveLength(5);
    expect(answers.filter((c) => c === 'too_many_attempts')).toHaveLength(95);
    expect((await errorOf(await postSetup({ ...form, code }))).code).toBe('too_many_attempts');
    expect(await server.store.accounts.hasAnyManager()).toBe(false);
  });

  it('refuses setup when no code was printed', async () => {
    const before = await snapshot(server.store);
    const res = await postSetup({ ...form, code: 'ABCD-EFGH-JKMN' });
    expect(res.status).toBe(403);
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('setup on an installation that has a manager', () => {
  it('is never pending: no code, setup refused', async () => {
    const demo = await startTestServer();
    try {
      expect(await demo.app.services.setup.pending()).toBe(false);
      expect(await demo.app.services.setup.issueCode()).toBeNull();
      const res = await fetch(`${demo.url}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...form, code: 'ABCD-EFGH-JKMN' })
      });
      expect(res.status).toBe(409);
    } finally {
      await demo.close();
    }
  });
});
