/**
 * Pages of the real web app (kiosk/build) through the real server: compressed as the browser
 * accepts, with the same status and headers either way, and the demo kiosk's first visit answered
 * at once (no redirection to the same page).
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtKitHandler } from '../testing/built-app';
import { login, startTestServer, type TestServer } from '../testing/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { kitHandler: await builtKitHandler() });
}, 30_000);
afterAll(async () => {
  await server.close();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET that keeps the body as sent (fetch would decompress it) and follows no redirection. */
function get(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const decoders: Record<string, (b: Buffer) => Buffer> = {
  br: (b) => zlib.brotliDecompressSync(b),
  gzip: (b) => zlib.gunzipSync(b)
};

/** Each page has its own script nonce: the rest must be the same. */
const withoutNonce = (text: string | string[] | undefined) => String(text).replace(/nonce-[\w+/=]+|nonce="[\w+/=]+"/g, 'nonce');

/** The headers that must not depend on compression (the CSP, caching, the edge's). */
function kept(headers: http.IncomingHttpHeaders) {
  return {
    'content-type': headers['content-type'],
    'content-security-policy': withoutNonce(headers['content-security-policy']),
    'cache-control': headers['cache-control'],
    'x-content-type-options': headers['x-content-type-options'],
    'referrer-policy': headers['referrer-policy']
  };
}

describe('pages are compressed as the browser accepts', () => {
  it('answers /agent brotli, gzip or plain, with the same page and the same headers', async () => {
    const agent = await login(server, 'agent', 'marie', '1234');
    const cookie = `guichet_agent=${agent}`;
    const plain = await get('/agent', { cookie });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/Accept-Encoding/);
    expect(plain.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const page = withoutNonce(plain.body.toString('utf8'));
    expect(page).toContain('<html');

    for (const [accept, encoding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip']
    ] as const) {
      const res = await get('/agent', { cookie, 'accept-encoding': accept });
      expect([accept, res.status, res.headers['content-encoding']]).toEqual([accept, 200, encoding]);
      expect(res.headers.vary).toMatch(/Accept-Encoding/);
      expect(res.headers['content-length']).toBeUndefined();
      expect(kept(res.headers)).toEqual(kept(plain.headers));
      expect(res.body.length).toBeLessThan(plain.body.length / 2);
      expect(withoutNonce(decoders[encoding]!(res.body).toString('utf8'))).toBe(page);
    }
    expect((await get('/agent', { cookie, 'accept-encoding': 'identity' })).headers['content-encoding']).toBeUndefined();
  });

  it('leaves scripts to their precompressed files and JSON answers alone', async () => {
    const page = (await get('/agent')).body.toString('utf8');
    const script = /\/_app\/immutable\/[^"']+\.js/.exec(page)![0];
    const res = await get(script, { 'accept-encoding': 'br' });
    expect([res.status, res.headers['content-encoding'], res.headers['cache-control']]).toEqual([
      200,
      'br',
      'public,max-age=31536000,immutable'
    ]);
    const health = await get('/healthz', { 'accept-encoding': 'br' });
    expect([health.headers['content-type'], health.headers['content-encoding']]).toEqual([
      'application/json; charset=utf-8',
      undefined
    ]);
  });
});

describe("the demo terminals' first visit", () => {
  for (const [page, role] of [
    ['/borne', 'kiosk'],
    ['/affichage', 'display']
  ] as const) {
    it(`answers ${page} at once, as the demo ${role}, compressed or not, with its cookie`, async () => {
      for (const accept of [undefined, 'br']) {
        const res = await get(page, accept ? { 'accept-encoding': accept } : {});
        expect([page, accept, res.status, res.headers.location]).toEqual([page, accept, 200, undefined]);
        expect(res.headers['content-encoding']).toBe(accept);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
        const cookies = res.headers['set-cookie'] ?? [];
        expect(cookies).toHaveLength(1);
        expect(cookies[0]).toMatch(/^guichet_terminal=[^;]+; Path=\/; SameSite=Strict; HttpOnly; Max-Age=315360000$/);
        const token = decodeURIComponent(cookies[0]!.split(';')[0]!.split('=')[1]!);
        expect(await server.app.services.terminals.resolve(token)).toMatchObject({ role });
        // The page itself is the terminal's, not the pairing screen: rendered for the new credential.
        const html = (accept ? decoders[accept]!(res.body) : res.body).toString('utf8');
        expect(html).toContain(`terminal:{role:"${role}"`);
      }
    });
  }

  it('gives no new cookie to a terminal that has its own', async () => {
    const first = await get('/borne');
    const cookie = first.headers['set-cookie']![0]!.split(';')[0]!;
    const again = await get('/borne', { cookie });
    expect([again.status, again.headers['set-cookie']]).toEqual([200, undefined]);
  });
});
