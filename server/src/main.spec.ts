/**
 * The real entry point as a child process: configuration errors, the network guard, the demo
 * seed, /healthz and a clean stop on SIGTERM. The web app is replaced by a minimal handler module
 * so this suite does not depend on a build; the browser suite runs the real one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, spawnServer, waitFor, type ServerProcess } from './testing/processes';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { hashSecret } from './auth/secrets';
import { ManualClock } from './clock';
import { migrationsDir, openDatabase } from './db/database';
import { createSqliteStore } from './store';
import { addSite } from './testing/fixtures';
import { readMigrations } from './db/migrate';

/** Every migration file runs on a new store. */
const migrationCount = readMigrations(migrationsDir).length;

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let child: ChildProcess | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-main-'));
  fs.mkdirSync(path.join(dir, 'web'));
  fs.writeFileSync(
    path.join(dir, 'web/handler.js'),
    "export const handler = (req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('web app'); };\n"
  );
});
afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(env: Record<string, string>): ServerProcess {
  const server = spawnServer({ GUICHET_DATA_DIR: path.join(dir, 'data'), GUICHET_KIOSK_BUILD: path.join(dir, 'web'), ...env });
  child = server.proc;
  return server;
}

describe('server entry point', () => {
  it('stops at once on a wrong variable, naming it', async () => {
    const { exited, output } = run({ GUICHET_PORT: 'trois-mille' });
    expect(await exited).toBe(2);
    expect(output()).toContain('GUICHET_PORT="trois-mille"');
  });

  it('refuses to listen on the network with the demo credentials, and says how to fix it', async () => {
    const { exited, output } = run({ GUICHET_HOST: '0.0.0.0', GUICHET_PORT: String(await freePort()) });
    expect(await exited).toBe(3);
    expect(output()).toContain('Refusing to listen on 0.0.0.0');
    expect(output()).toContain('npm run demo:lock');
  });

  it('behind a trusted reverse proxy, refuses the demo credentials even on loopback', async () => {
    const { exited, output } = run({ GUICHET_TRUST_PROXY: 'loopback', GUICHET_PORT: String(await freePort()) });
    expect(await exited).toBe(3);
    expect(output()).toContain('Refusing to listen on 127.0.0.1 behind a reverse proxy (GUICHET_TRUST_PROXY is set)');
    expect(output()).toContain('npm run demo:lock');
  });

  it('creates the demo site, serves health and the web app on one port, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const { proc, exited, output } = run({ GUICHET_PORT: String(port) });
    await waitFor(() => output().includes('Guichet is running'));
    expect(output()).toContain(`http://localhost:${port}/borne`);
    expect(output()).toContain('marie / 1234');

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { status: 'ok', migrations: migrationCount } });
    expect(await (await fetch(`http://127.0.0.1:${port}/agent`)).text()).toBe('web app');

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('"msg":"stopped"');
    // The database was closed properly: the WAL is checkpointed and the demo data is there.
    const db = new Database(path.join(dir, 'data/guichet.sqlite'), { readonly: true });
    expect(db.prepare('SELECT name FROM sites').all()).toEqual([{ name: 'Mairie de Démoville' }]);
    db.close();
  });

  it('listens on the network once the demo accounts are locked', async () => {
    const port = await freePort();
    const first = run({ GUICHET_PORT: String(port) });
    await waitFor(() => first.output().includes('Guichet is running'));
    first.proc.kill('SIGTERM');
    await first.exited;
    // Another site, whose « marie » has her own PIN and whose « karim » kept the README's one.
    const db = openDatabase(path.join(dir, 'data/guichet.sqlite'));
    const store = createSqliteStore(db);
    const other = await addSite(store, new ManualClock(), 'Voisinville');
    const otherAccount = async (login: string, pin: string) => {
      const id = randomUUID();
      await store.accounts.insert({
        ...{ id, siteId: other.siteId, role: 'agent', login, firstName: login, active: true },
        ...{ secretHash: await hashSecret(pin), createdAt: new Date().toISOString() }
      });
      return id;
    };
    const ownMarie = await otherAccount('marie', '8642');
    const openKarim = await otherAccount('karim', '5678');
    db.close();

    const lock = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo-lock.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, GUICHET_DATA_DIR: path.join(dir, 'data') }
    });
    let lockOut = '';
    lock.stdout.on('data', (d: Buffer) => (lockOut += d.toString()));
    expect(await new Promise((r) => lock.on('exit', r))).toBe(0);
    expect(lockOut).toContain('Deactivated 4 demo account(s) and revoked 2 demo terminal(s)');
    const after = new Database(path.join(dir, 'data/guichet.sqlite'), { readonly: true });
    const active = after.prepare('SELECT active FROM accounts WHERE id = ?').pluck();
    expect([active.get(ownMarie), active.get(openKarim)]).toEqual([1, 0]);
    after.close();

    const second = run({ GUICHET_HOST: '0.0.0.0', GUICHET_PORT: String(port) });
    await waitFor(() => second.output().includes('Guichet is running'));
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
