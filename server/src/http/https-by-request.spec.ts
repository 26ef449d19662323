/**
 * Secure cookies by request, against the real server: a request that a trusted proxy says came
 * over HTTPS gets `Secure`, `__Host-` cookies with no setting at all; the same header from a peer
 * that is not a trusted proxy changes nothing; over HTTPS only the `__Host-` name is read, so a
 * cookie planted over plain HTTP under the short name is not a credential there.
 */
import http from 'node:http';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}

/** The agent's login with exactly these extra headers; answers its Set-Cookie lines. */
function loginWith(server: TestServer, headers: Record<string, string>): Promise<{ status: number; cookies: string[] }> {
  const body = JSON.stringify({ face: 'agent', login: 'marie', secret: '1234' });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/api/auth/login`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, cookies: res.headers['set-cookie'] ?? [] }));
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

const credential = (cookies: string[]) => cookies.find((c) => /^(__Host-)?guichet_agent=/.test(c)) ?? '';
const tokenOf = (cookie: string) => decodeURIComponent(/=([^;]+)/.exec(cookie)![1]!);

/** An agent socket handshake with these headers: 'connected' or the server's refusal. */
function handshake(server: TestServer, headers: Record<string, string>): Promise<string> {
  const client = connectClient(server.url, {
    auth: { face: 'agent' },
    extraHeaders: headers,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true
  });
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.disconnect();
      resolve('connected');
    });
    client.once('connect_error', (err) => {
      client.disconnect();
      resolve(err.message);
    });
  });
}

describe('secure cookies by request', () => {
  it('are Secure and __Host- named when a trusted proxy says the request came over HTTPS', async () => {
    const server = await start({ GUICHET_TRUST_PROXY: 'loopback' });
    expect(server.config.secureCookies).toBe(false);

    const overHttps = await loginWith(server, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.168.1.20' });
    expect(overHttps.status).toBe(200);
    const secure = credential(overHttps.cookies);
    expect(secure).toMatch(/^__Host-guichet_agent=/);
    expect(secure).toContain('; Secure');
    expect(secure).toContain('; Path=/');
    expect(secure).not.toMatch(/Domain=/i);
    // Every cookie of that answer is Secure, the login's site included.
    for (const cookie of overHttps.cookies) expect(cookie).toContain('; Secure');

    // The same proxy relaying plain HTTP: plain names, no Secure (the hall's HTTP port only redirects).
    const overHttp = await loginWith(server, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '192.168.1.20' });
    expect(credential(overHttp.cookies)).toMatch(/^guichet_agent=/);
    expect(credential(overHttp.cookies)).not.toContain('Secure');

    // Over HTTPS the socket reads the __Host- name, and only it: the short name, which plain HTTP
    // can plant, is no credential there.
    const token = tokenOf(secure);
    const https = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.168.1.20' };
    expect(await handshake(server, { ...https, cookie: `__Host-guichet_agent=${token}` })).toBe('connected');
    expect(await handshake(server, { ...https, cookie: `guichet_agent=${token}` })).toMatch(/No agent credential/);
  });

  it('reads proto=https from Forwarded when that is the proxy’s header, right-most element first', async () => {
    const server = await start({ GUICHET_TRUST_PROXY: 'loopback', GUICHET_PROXY_HEADER: 'forwarded' });
    const secure = await loginWith(server, { forwarded: 'for=192.168.1.20;proto=https' });
    expect(credential(secure.cookies)).toMatch(/^__Host-guichet_agent=.*; Secure/);
    // The left element is the client's own writing; the proxy's (right-most) says http.
    const forged = await loginWith(server, { forwarded: 'for=1.2.3.4;proto=https, for=192.168.1.20;proto=http' });
    expect(credential(forged.cookies)).toMatch(/^guichet_agent=/);
  });

  it('never believes X-Forwarded-Proto from a peer that is not a trusted proxy', async () => {
    const server = await start();
    const forged = await loginWith(server, { 'x-forwarded-proto': 'https' });
    expect(forged.status).toBe(200);
    const cookie = credential(forged.cookies);
    expect(cookie).toMatch(/^guichet_agent=/);
    expect(cookie).not.toContain('Secure');
    // Nor does the forged header make the server read the __Host- name.
    expect(await handshake(server, { 'x-forwarded-proto': 'https', cookie: `__Host-guichet_agent=${tokenOf(cookie)}` })).toMatch(
      /No agent credential/
    );
    expect(await handshake(server, { 'x-forwarded-proto': 'https', cookie: `guichet_agent=${tokenOf(cookie)}` })).toBe(
      'connected'
    );

    // A trusted proxy elsewhere does not make loopback trusted either.
    const elsewhere = await start({ GUICHET_TRUST_PROXY: '192.168.1.5' });
    expect(credential((await loginWith(elsewhere, { 'x-forwarded-proto': 'https' })).cookies)).toMatch(/^guichet_agent=/);
  });

  it('keeps the explicit settings: GUICHET_SECURE_COOKIES=1 makes every request’s cookies secure', async () => {
    const server = await start({ GUICHET_SECURE_COOKIES: '1' });
    expect(credential((await loginWith(server, {})).cookies)).toMatch(/^__Host-guichet_agent=.*; Secure/);
    const origin = await start({ GUICHET_PUBLIC_ORIGIN: 'https://mairie.local' });
    expect(credential((await loginWith(origin, { host: 'mairie.local', origin: 'https://mairie.local' })).cookies)).toMatch(
      /^__Host-guichet_agent=.*; Secure/
    );
  });

  it('moves a terminal paired over plain HTTP to the __Host- cookie on its first page load over HTTPS', async () => {
    const server = await start({ GUICHET_TRUST_PROXY: 'loopback' });
    const kioskId = (await server.store.terminals.findDemoTerminalId('kiosk'))!;
    const plain = await server.app.services.terminals.mintToken(kioskId);
    const load = (headers: Record<string, string>) =>
      fetch(`${server.url}/borne`, { redirect: 'manual', headers: { cookie: `guichet_terminal=${plain}`, ...headers } });

    // Still over plain HTTP through the proxy: nothing moves.
    const overHttp = await load({ 'x-forwarded-proto': 'http', 'x-forwarded-for': '192.168.1.30' });
    expect(overHttp.headers.getSetCookie().some((c) => c.startsWith('__Host-'))).toBe(false);

    const res = await load({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.168.1.30' });
    expect(res.status).toBe(303);
    const [prefixed, cleared] = res.headers.getSetCookie();
    expect(prefixed).toMatch(/^__Host-guichet_terminal=[\w-]+; Path=\/; SameSite=Strict; HttpOnly; Secure;/);
    expect(cleared).toMatch(/^guichet_terminal=; .*Max-Age=0$/);
    expect(await server.app.services.terminals.resolve(tokenOf(prefixed!))).toMatchObject({ role: 'kiosk' });
  });
});
