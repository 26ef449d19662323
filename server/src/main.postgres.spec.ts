/**
 * The real entry point on PostgreSQL (GUICHET_DATABASE_URL): it migrates and seeds the database,
 * says which engine it opened but never the URL (it carries the password), reports the engine in
 * /healthz, and closes its connections on SIGTERM. One throwaway cluster, as the CI has.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../../scripts/pg-cluster';
import { migrationsDir } from './db/database';
import { readMigrations } from './db/migrate';
import { freePort, spawnServer, waitFor } from './testing/processes';

let cluster: PgCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-main-pg-'));
  fs.mkdirSync(path.join(dir, 'web'));
  fs.writeFileSync(
    path.join(dir, 'web/handler.js'),
    "export const handler = (req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('web app'); };\n"
  );
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('server entry point on PostgreSQL', () => {
  it('seeds the database, names the engine but not the URL, and stops cleanly', async () => {
    // The cluster trusts local connections: the password is only there to be kept out of the logs.
    const url = new URL(cluster.url);
    url.password = 'mot-de-passe-secret';
    const port = await freePort();
    const server = spawnServer({
      GUICHET_DATA_DIR: path.join(dir, 'data'),
      GUICHET_KIOSK_BUILD: path.join(dir, 'web'),
      GUICHET_DATABASE_URL: url.toString(),
      GUICHET_PORT: String(port)
    });
    try {
      await waitFor(() => server.output().includes('Guichet is running'));
      expect(server.output()).toContain('"engine":"postgres"');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        database: { engine: 'postgres', status: 'ok', migrations: readMigrations(migrationsDir).length }
      });
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('"msg":"stopped"');
      expect(server.output()).not.toContain('mot-de-passe-secret');
    } finally {
      server.proc.kill('SIGKILL');
    }
    // Nothing of it is in the data folder: the demo site is in the database.
    expect(fs.existsSync(path.join(dir, 'data/guichet.sqlite'))).toBe(false);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      expect((await client.query('SELECT name FROM sites')).rows).toEqual([{ name: 'Mairie de Démoville' }]);
    } finally {
      await client.end();
    }
  });
});
