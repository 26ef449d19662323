/**
 * The server as `npm run build` compiles it, run by node alone (no TypeScript loader): it finds
 * what it reads beside its sources (migrations, the catalog), its worker threads run (speech,
 * WAL checkpoints), it stops cleanly, and `npm run demo:lock` runs as built too.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir } from './db/database';
import { readMigrations } from './db/migrate';
import { freePort, stubWebApp, waitFor } from './testing/processes';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(() => {
  // Inside the project, like build/server: the bundles find their packages in its node_modules.
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  dir = fs.mkdtempSync(path.join(root, 'build/.test-'));
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs', '--outdir', path.join(dir, 'server')], {
    cwd: root,
    encoding: 'utf8'
  });
  if (build.status !== 0) throw new Error(`server build failed:\n${build.stdout}${build.stderr}`);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the built server', () => {
  it('runs with node alone: health, migrations, catalog, speech in its worker, a clean stop, demo:lock', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [path.join(dir, 'server/main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        GUICHET_DATA_DIR: path.join(dir, 'data'),
        GUICHET_KIOSK_BUILD: stubWebApp(dir),
        GUICHET_PORT: String(port)
      },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('Guichet is running'), 30_000).catch(() => {
        throw new Error(`The built server did not start:\n${out}`);
      });
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({
        status: 'ok',
        database: { status: 'ok', migrations: readMigrations(migrationsDir).length }
      });
      // The shipped catalog, read from server/catalog beside the sources.
      expect(out).toMatch(/"msg":"procedure catalog loaded"/);
      expect(out).not.toContain('"procedures":[]');

      const paired = await fetch(`${base}/borne`, { redirect: 'manual' });
      const cookie = paired.headers.get('set-cookie')!.split(';')[0]!;
      const speech = await fetch(`${base}/api/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ text: 'Bonjour', lang: 'fr' })
      });
      expect(speech.status).toBe(200);
      expect(Buffer.from(await speech.arrayBuffer()).toString('ascii', 0, 4)).toBe('RIFF');

      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).not.toMatch(/checkpoint worker stopped|worker failed/);

      // `npm run demo:lock` as built, on the store the server just created.
      const lock = spawnSync(process.execPath, [path.join(dir, 'server/demo-lock.js')], {
        cwd: root,
        env: { PATH: process.env.PATH, GUICHET_DATA_DIR: path.join(dir, 'data') },
        encoding: 'utf8'
      });
      expect(lock.stderr).toBe('');
      expect(lock.stdout).toContain('Deactivated 3 demo account(s) and revoked 2 demo terminal(s)');
    } finally {
      proc.kill('SIGKILL');
    }
  }, 60_000);

  it('bundles the procedure file worker as plain JavaScript', () => {
    const check = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const { run } = await import(process.argv[1]); console.log(JSON.stringify(run("titre: [")));',
        path.join(dir, 'server/procedure-parse.worker.js')
      ],
      { cwd: root, encoding: 'utf8' }
    );
    expect(check.stderr).toBe('');
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: false });
  });
});
