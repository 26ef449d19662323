/**
 * The real server on a copy of the real web app build (kiosk/build): its static files disappear
 * under it, as during a rebuild, and the server answers 404 and keeps serving. Before, the
 * adapter's file server streamed the vanished file without handling the error and the process died.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitFor, type ServerProcess } from '../testing/processes';

const root = path.resolve(import.meta.dirname, '../../..');
const kitBuild = path.join(root, 'kiosk/build');

let dir: string;
let server: ServerProcess | null = null;
let base: string;

beforeEach(async () => {
  if (!fs.existsSync(path.join(kitBuild, 'handler.js'))) {
    throw new Error('The web app is not built: run "npx vite build" before this test');
  }
  // Inside the project, like kiosk/build: the app's modules find their packages in its node_modules.
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  dir = fs.mkdtempSync(path.join(root, 'build/.test-static-'));
  fs.cpSync(kitBuild, path.join(dir, 'web'), { recursive: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawnServer({
    GUICHET_DATA_DIR: path.join(dir, 'data'),
    GUICHET_KIOSK_BUILD: path.join(dir, 'web'),
    GUICHET_PORT: String(port),
    GUICHET_LOG_LEVEL: 'warn'
  });
  await waitFor(() => server!.output().includes('Guichet is running'), 40_000).catch(() => {
    throw new Error(`The server did not start:\n${server!.output()}`);
  });
}, 60_000);

afterEach(() => {
  server?.proc.kill('SIGKILL');
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The build's scripts under /_app/immutable/, as URL paths with their file. */
function scripts(): { url: string; file: string }[] {
  const client = path.join(dir, 'web/client');
  return fs
    .readdirSync(path.join(client, '_app/immutable'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js'))
    .map((name) => ({
      url: `/_app/immutable/${name.split(path.sep).join('/')}`,
      file: path.join(client, '_app/immutable', name)
    }));
}

function remove(file: string): void {
  for (const suffix of ['', '.gz', '.br']) fs.rmSync(file + suffix, { force: true });
}

async function stillServing(): Promise<void> {
  expect(server!.proc.exitCode).toBeNull();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/gestion`)).status).toBe(200);
}

describe('static files of the web app', () => {
  it('serves them, compressed when asked, with the cache headers of the adapter', async () => {
    const [script] = scripts();
    const plain = await fetch(`${base}${script!.url}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript');
    expect(plain.headers.get('cache-control')).toBe('public,max-age=31536000,immutable');
    expect(await plain.text()).toBe(fs.readFileSync(script!.file, 'utf8'));

    // fetch decompresses: the body is the same script, sent as the build's .br copy.
    const brotli = await fetch(`${base}${script!.url}`, { headers: { 'accept-encoding': 'br' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(await brotli.text()).toBe(fs.readFileSync(script!.file, 'utf8'));

    const again = await fetch(`${base}${script!.url}`, {
      headers: { 'accept-encoding': 'identity', 'if-none-match': plain.headers.get('etag')! }
    });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a file deleted since the start, and the server lives', async () => {
    const [script] = scripts();
    remove(script!.file);
    for (const encoding of ['identity', 'gzip', 'br']) {
      const res = await fetch(`${base}${script!.url}`, { headers: { 'accept-encoding': encoding } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: `No file ${script!.url}` } });
    }
    // A whole rebuild: the folder of built files is gone.
    fs.rmSync(path.join(dir, 'web/client/_app'), { recursive: true });
    expect((await fetch(`${base}/_app/version.json`)).status).toBe(404);
    await stillServing();
  });

  it('answers each request for a file being deleted with the whole file or 404, and the server lives', async () => {
    const targets = scripts().slice(0, 10);
    const requests = targets.flatMap(({ url }) =>
      Array.from({ length: 5 }, () =>
        fetch(`${base}${url}`, { headers: { 'accept-encoding': 'identity' } }).then(async (res) => ({
          url,
          status: res.status,
          body: await res.text()
        }))
      )
    );
    const contents = new Map(targets.map(({ url, file }) => [url, fs.readFileSync(file, 'utf8')]));
    for (const { file } of targets) remove(file);
    for (const answer of await Promise.all(requests)) {
      expect([200, 404]).toContain(answer.status);
      if (answer.status === 200) expect(answer.body).toBe(contents.get(answer.url));
    }
    await stillServing();
  });
});
