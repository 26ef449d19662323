/**
 * The hall's HTTPS for real: Caddy, run from the shipped Caddyfile (the substitution install.sh
 * makes, on free loopback ports), in front of a real Guichet on loopback that trusts it. A client
 * trusting only the root certificate Caddy generated reaches Guichet over HTTPS, is sent from
 * plain HTTP to HTTPS, gets Secure `__Host-` cookies and opens a socket over wss with one; the
 * address Guichet sees is the one Caddy saw, whatever the client writes in X-Forwarded-For.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress, overHttps } from '../server/src/http/client-address';
import { startTestServer, type TestServer } from '../server/src/testing/test-server';

const deployDir = import.meta.dirname;
const caddy = [
  '/usr/bin/caddy',
  '/usr/local/bin/caddy',
  ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'caddy'))
].find((candidate) => {
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
if (!caddy) console.warn('Caddy HTTPS test: caddy is absent (apt-get install caddy): the HTTPS test is skipped.');

// `localhost` is bound on 127.0.0.1 only: make this process's clients resolve it there.
dns.setDefaultResultOrder('ipv4first');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: TestServer;
let caddyProcess: ChildProcess | undefined;
let caddyOutput = '';
let httpsPort = 0;
let httpPort = 0;
let rootCa = '';
let rootFile = '';
/** What the Guichet behind Caddy made of the last request to /whoami. */
let seen: { address: string; https: boolean; forwardedFor: string } | undefined;

function request(
  scheme: 'http' | 'https',
  port: number,
  urlPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const lib = scheme === 'https' ? https : http;
    const req = lib.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: options.method ?? 'GET',
        headers: { host: `localhost:${port}`, ...options.headers },
        ...(scheme === 'https' ? { servername: 'localhost', ca: options.ca ?? rootCa } : {})
      },
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

describe.skipIf(!caddy)('HTTPS through Caddy (tls internal), in front of Guichet on loopback', () => {
  beforeAll(async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-caddy-'));
    const data = path.join(work, 'data');
    rootFile = path.join(data, 'caddy/pki/authorities/local/root.crt');
    server = await startTestServer(
      // Guichet offers the root Caddy is about to generate, as install.sh's env file sets it up.
      { GUICHET_TRUST_PROXY: 'loopback', GUICHET_ALLOWED_HOSTS: 'localhost', GUICHET_HALL_CA_FILE: rootFile },
      {
        // A page of the web app that tells what Guichet's own code makes of the request.
        kitHandler: (req, res, next) => {
          if (req.url !== '/whoami') return next();
          seen = {
            address: clientAddress(req, server.config),
            https: overHttps(req, server.config),
            forwardedFor: String(req.headers['x-forwarded-for'] ?? '')
          };
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        }
      }
    );
    httpsPort = await freePort();
    httpPort = await freePort();
    const guichetPort = new URL(server.url).port;
    // The installer's substitution, then the test's own ports, loopback only and no admin endpoint.
    const caddyfile = fs
      .readFileSync(path.join(deployDir, 'Caddyfile'), 'utf8')
      .replaceAll('@GUICHET_PORT@', guichetPort)
      .replace('https://@HALL_NAME@ {', `https://localhost:${httpsPort} {\n\tbind 127.0.0.1`)
      .replace('http://@HALL_NAME@ {', `http://localhost:${httpPort} {\n\tbind 127.0.0.1`)
      .replace('\tskip_install_trust', `\tskip_install_trust\n\tadmin off\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}`);
    expect(caddyfile.replace(/^#.*$/gm, '')).not.toMatch(/@[A-Z_]+@/);
    const config = path.join(work, 'Caddyfile');
    fs.writeFileSync(config, caddyfile);
    const home = path.join(work, 'home');
    caddyProcess = spawn(caddy!, ['run', '--config', config, '--adapter', 'caddyfile'], {
      env: { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: data, XDG_CONFIG_HOME: path.join(work, 'config') },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    caddyProcess.stdout!.on('data', (chunk: Buffer) => (caddyOutput += chunk.toString()));
    caddyProcess.stderr!.on('data', (chunk: Buffer) => (caddyOutput += chunk.toString()));
    // Ready when the root exists and /healthz answers through Caddy (bounded: 15 s).
    for (let attempt = 0; attempt < 150; attempt++) {
      if (caddyProcess.exitCode !== null) throw new Error(`caddy stopped:\n${caddyOutput}`);
      if (fs.existsSync(rootFile)) {
        rootCa = fs.readFileSync(rootFile, 'utf8');
        try {
          if ((await request('https', httpsPort, '/healthz')).status === 200) return;
        } catch {
          // not serving yet
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`caddy did not serve HTTPS in time:\n${caddyOutput}`);
  }, 30_000);

  afterAll(async () => {
    if (caddyProcess && caddyProcess.exitCode === null) {
      const exited = new Promise((resolve) => caddyProcess!.once('exit', resolve));
      caddyProcess.kill('SIGTERM');
      const timer = setTimeout(() => caddyProcess!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await server?.close();
  });

  it('serves Guichet over HTTPS with a certificate from the hall’s own root, and only with it', async () => {
    const health = await request('https', httpsPort, '/healthz');
    expect(health.status).toBe(200);
    // Without the hall's root, the client refuses the certificate.
    await expect(request('https', httpsPort, '/healthz', { ca: '' })).rejects.toThrow(/certificate/i);
    expect(rootCa).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('sends plain HTTP to HTTPS, with no page and no cookie', async () => {
    const answer = await request('http', httpPort, '/agent?x=1');
    expect([301, 308]).toContain(answer.status);
    expect(answer.headers.location).toBe('https://localhost/agent?x=1');
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('logs in over HTTPS with a Secure __Host- cookie, which opens a socket over wss', async () => {
    const login = await request('https', httpsPort, '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ face: 'agent', login: 'marie', secret: '1234' })
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-guichet_agent='));
    expect(cookie).toBeDefined();
    expect(cookie).toContain('; Secure');
    expect(cookie).toContain('; HttpOnly');
    const pair = cookie!.split(';')[0]!;

    const connectWith = (cookieHeader: string) => {
      const client = connectClient(`https://localhost:${httpsPort}`, {
        auth: { face: 'agent' },
        extraHeaders: { cookie: cookieHeader },
        transports: ['websocket'],
        ca: rootCa,
        reconnection: false,
        forceNew: true
      });
      return new Promise<string>((resolve) => {
        client.once('connect', () => {
          client.disconnect();
          resolve('connected');
        });
        client.once('connect_error', (err) => {
          client.disconnect();
          resolve(err.message);
        });
      });
    };
    expect(await connectWith(pair)).toBe('connected');
    // The same token under the plain-HTTP name is no credential over HTTPS.
    expect(await connectWith(pair.replace('__Host-', ''))).toMatch(/No agent credential/);
  });

  it('gives Guichet the address Caddy saw, not the X-Forwarded-For the client wrote', async () => {
    seen = undefined;
    const answer = await request('https', httpsPort, '/whoami', {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http' }
    });
    expect(answer.status).toBe(200);
    expect(seen).toBeDefined();
    expect(seen!.address).toBe('127.0.0.1');
    // Caddy does not take a client's X-Forwarded-For from an untrusted peer: it writes its own.
    expect(seen!.forwardedFor).toBe('127.0.0.1');
    // Caddy's own scheme header wins over the client's.
    expect(seen!.https).toBe(true);
  });

  it('offers the root Caddy generated at /api/hall-certificate, over HTTPS, to a client without any cookie', async () => {
    const answer = await request('https', httpsPort, '/api/hall-certificate');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-x509-ca-cert');
    expect(answer.body).toBe(fs.readFileSync(rootFile, 'utf8'));
  });
});
