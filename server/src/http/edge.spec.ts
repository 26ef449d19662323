/**
 * The edge against the real server: DNS rebinding (a foreign Host), foreign Origins, security
 * headers on every kind of response, and the demo's automatic pairing seen through a reverse
 * proxy on the same machine.
 */
import { sql } from 'kysely';
import { value } from '../testing/fixtures';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, login, startTestServer, type TestServer } from '../testing/test-server';
import { tokensKeptPerTerminal } from '../terminals/terminals.service';
import type { KitHandler } from './http-app';

const root = path.resolve(import.meta.dirname, '../../..');
const servers: TestServer[] = [];

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(env: Record<string, string> = {}, kitHandler?: KitHandler): Promise<TestServer> {
  const server = await startTestServer(env, { kitHandler });
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
  options: { method?: string; headers?: Record<string, string>; body?: string } = {}
) {
  const { port } = new URL(server.url);
  return new Promise<RawResponse>((resolve, reject) => {
    const req = http.request(
      // No Host unless the test gives one: a request without Host is one of the cases.
      { host: '127.0.0.1', port, path: urlPath, method: options.method ?? 'GET', headers: options.headers ?? {}, setHost: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      }
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const portOf = (server: TestServer) => new URL(server.url).port;

/** A socket.io handshake as a browser page would make it, with the Host and Origin it would send. */
function handshake(server: TestServer, headers: Record<string, string>): Promise<string> {
  const client = connectClient(server.url, {
    auth: { face: 'manager' },
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

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'SAMEORIGIN'
};

describe('DNS rebinding: the Host allow-list', () => {
  it('answers 421 to a page, an API call and a socket handshake under a foreign name', async () => {
    const server = await start();
    const evil = `evil.example:${portOf(server)}`;
    const page = await raw(server, '/', { headers: { host: evil } });
    expect(page.status).toBe(421);
    expect(page.body).toContain('does not answer to "evil.example:');
    expect(page.body).toContain('GUICHET_ALLOWED_HOSTS');
    expect(page.headers).toMatchObject(securityHeaders);

    const loginAttempt = await raw(server, '/api/auth/login', {
      method: 'POST',
      headers: { host: evil, origin: `http://${evil}`, 'content-type': 'application/json' },
      body: JSON.stringify({ face: 'manager', login: 'gestion', secret: 'demoville-gestion' })
    });
    expect(loginAttempt.status).toBe(421);
    expect(loginAttempt.headers['set-cookie']).toBeUndefined();

    // The rebinding page's own origin matches its Host: that is not enough any more.
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    expect(await handshake(server, { host: evil, origin: `http://${evil}`, cookie: `guichet_manager=${managerToken}` })).not.toBe(
      'connected'
    );
    const polling = await raw(server, '/socket.io/?EIO=4&transport=polling', {
      headers: { host: evil, origin: `http://${evil}` }
    });
    expect(polling.status).toBe(421);

    expect((await raw(server, '/api/auth/login', { method: 'GET', headers: {} })).status).toBe(421);
  });

  it('lets loopback names, this machine’s own addresses and listed names through', async () => {
    const server = await start({ GUICHET_ALLOWED_HOSTS: 'guichet.local', GUICHET_PUBLIC_ORIGIN: 'https://guichet.mairie.fr' });
    const port = portOf(server);
    const ownAddresses = Object.values(os.networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((i) => !i.internal && i.family === 'IPv4')
      .map((i) => `${i.address}:${port}`);
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'guichet.local',
      'guichet.mairie.fr',
      ...ownAddresses
    ]) {
      const res = await raw(server, '/api/nothing', { headers: { host } });
      expect([host, res.status]).toEqual([host, 404]);
    }
    for (const host of ['guichet.local.evil.example', '203.0.113.7', 'mairie.fr']) {
      expect((await raw(server, '/api/nothing', { headers: { host } })).status).toBe(421);
    }
    // Health probes may use any name: /healthz says nothing but the version.
    expect((await raw(server, '/healthz', { headers: { host: 'probe.internal' } })).status).toBe(200);
  });

  it('refuses a foreign Origin on a post and on a socket handshake, even with an allowed Host', async () => {
    const server = await start({ GUICHET_PUBLIC_ORIGIN: 'https://guichet.mairie.fr' });
    const host = `127.0.0.1:${portOf(server)}`;
    const post = (origin: string, fetchSite?: string) =>
      raw(server, '/api/auth/login', {
        method: 'POST',
        headers: { host, origin, 'content-type': 'application/json', ...(fetchSite ? { 'sec-fetch-site': fetchSite } : {}) },
        body: JSON.stringify({ face: 'manager', login: 'gestion', secret: 'demoville-gestion' })
      });
    const foreign = await post(`http://localhost:${portOf(server)}`);
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: 'forbidden' } });
    expect(foreign.headers['set-cookie']).toBeUndefined();
    expect((await post('null')).status).toBe(403);
    // `Origin: null` is what a browser sends for Guichet's own forms (no-referrer pages): only the
    // browser's own Sec-Fetch-Site can vouch for them; a page of another site says cross-site.
    expect((await post('null', 'cross-site')).status).toBe(403);
    expect((await post('null', 'same-site')).status).toBe(403);
    expect((await post('null', 'same-origin')).status).toBe(200);
    expect((await post(`http://${host}`)).status).toBe(200);
    // Behind a proxy that rewrites Host, the public origin is the page's origin.
    expect((await post('https://guichet.mairie.fr')).status).toBe(200);

    // An https public origin makes the cookies __Host- prefixed: the handshake reads that name.
    const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
    const cookie = `__Host-guichet_manager=${managerToken}`;
    expect(await handshake(server, { host, origin: 'http://localhost:5173', cookie })).not.toBe('connected');
    expect(await handshake(server, { host, origin: `http://${host}`, cookie })).toBe('connected');
  });
});

describe('security headers', () => {
  it('are on API answers, errors, socket.io polling and static files served by the web app', async () => {
    const asset = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-asset-')), 'app.css');
    fs.writeFileSync(asset, 'body { color: black }');
    // Like the SvelteKit build's static server: its own headers in one writeHead, then the file.
    const kitHandler: KitHandler = (req, res, next) => {
      if (req.url !== '/_app/immutable/app.css') return next();
      res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'public, max-age=31536000, immutable' });
      fs.createReadStream(asset).pipe(res);
    };
    const server = await start({}, kitHandler);
    const host = `127.0.0.1:${portOf(server)}`;
    const responses = await Promise.all([
      raw(server, '/healthz', { headers: { host } }),
      raw(server, '/api/nothing', { headers: { host } }),
      raw(server, '/api/auth/login', { method: 'POST', headers: { host, 'content-type': 'text/plain' }, body: 'x' }),
      raw(server, '/socket.io/?EIO=4&transport=polling', { headers: { host } }),
      raw(server, '/_app/immutable/app.css', { headers: { host } }),
      raw(server, '/', { headers: { host: 'evil.example' } })
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 404, 400, 200, 200, 421]);
    for (const res of responses) expect(res.headers).toMatchObject(securityHeaders);
    expect(responses[4]!.body).toBe('body { color: black }');
    expect(responses[4]!.headers['content-type']).toBe('text/css');
  });
});

describe('demo auto-pairing behind a reverse proxy on the same machine', () => {
  const proxyHeaders: Record<string, string>[] = [
    { 'x-forwarded-for': '192.168.1.50' },
    { 'x-forwarded-proto': 'https' },
    { 'x-forwarded-host': 'guichet.mairie.fr' },
    { forwarded: 'for=192.168.1.50;proto=https' },
    { 'x-real-ip': '192.168.1.50' },
    { via: '1.1 proxy' }
  ];

  it('gives no kiosk cookie to a visitor the proxy forwards, who then cannot open the kiosk socket', async () => {
    const server = await start({ GUICHET_ALLOWED_HOSTS: 'guichet.mairie.fr' });
    const host = `127.0.0.1:${portOf(server)}`;
    for (const headers of [...proxyHeaders.map((h) => ({ host, ...h })), { host: 'guichet.mairie.fr' }]) {
      const res = await raw(server, '/borne', { headers });
      expect([headers, res.status, res.headers['set-cookie']]).toEqual([headers, 404, undefined]);
      await expect(connect(server, 'kiosk', undefined, 'cookie')).rejects.toThrow(/No kiosk credential/);
    }
    // The same machine's own browser, talking to it directly, still gets the demo kiosk.
    expect(
      (await raw(server, '/borne', { headers: { host: `localhost:${portOf(server)}` } })).headers['set-cookie']
    ).toHaveLength(1);
  });

  it('is off with a trusted proxy or secure cookies, even for a request without any proxy header', async () => {
    const envs: Record<string, string>[] = [{ GUICHET_TRUST_PROXY: 'loopback' }, { GUICHET_SECURE_COOKIES: 'true' }];
    for (const env of envs) {
      const server = await start(env);
      const res = await raw(server, '/borne', { headers: { host: `127.0.0.1:${portOf(server)}` } });
      expect([env, res.status, res.headers['set-cookie']]).toEqual([env, 404, undefined]);
    }
  });

  it('keeps a bounded number of tokens however many cookie-less page loads come', async () => {
    const server = await start();
    const tokens: string[] = [];
    for (let i = 0; i < tokensKeptPerTerminal + 10; i++) {
      const res = await fetch(`${server.url}/borne`, { redirect: 'manual' });
      tokens.push(decodeURIComponent(res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!));
      server.clock.advance(1000);
    }
    const kioskId = (await server.store.terminals.findDemoTerminalId('kiosk'))!;
    const stored = Number(await value(server.store, sql`SELECT count(*) FROM terminal_tokens WHERE terminal_id = ${kioskId}`));
    expect(stored).toBe(tokensKeptPerTerminal);
    expect(await server.app.services.terminals.resolve(tokens.at(-1))).toMatchObject({ role: 'kiosk' });
    expect(await server.app.services.terminals.resolve(tokens[0])).toBeNull();
  });

  it('stops for good after npm run demo:lock: no new kiosk cookie, the given ones revoked', async () => {
    const server = await start();
    const before = await fetch(`${server.url}/borne`, { redirect: 'manual' });
    expect(before.headers.get('set-cookie')).not.toBeNull();
    const token = decodeURIComponent(before.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!);

    const lock = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo-lock.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        GUICHET_DATA_DIR: server.dataDir,
        ...(server.config.databaseUrl ? { GUICHET_DATABASE_URL: server.config.databaseUrl } : {})
      }
    });
    let output = '';
    lock.stdout.on('data', (d: Buffer) => (output += d.toString()));
    expect(await new Promise((r) => lock.on('exit', r))).toBe(0);
    expect(output).toContain('revoked 2 demo terminal(s)');

    for (const page of ['/borne', '/affichage']) {
      const after = await fetch(`${server.url}${page}`, { redirect: 'manual' });
      expect([page, after.status, after.headers.get('set-cookie')]).toEqual([page, 404, null]);
    }
    await expect(connect(server, 'kiosk', token)).rejects.toThrow(/not valid/);
  });
});
