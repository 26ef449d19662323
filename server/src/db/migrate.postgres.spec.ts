/**
 * Migrations on PostgreSQL: the same history checks as on SQLite (names, checksums, refusal of a
 * history that does not match), the files run in one transaction, and nodes starting at once on
 * one empty database ending with one history. Each test has a new database on one real cluster.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { migrationsDir, openDatabase } from './database';
import { MigrationHistoryError, migratePostgres, readMigrations } from './migrate';

let cluster: PgCluster;
let admin: pg.Client;
let databases = 0;
let pools: pg.Pool[] = [];
let dir: string;

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await cluster?.stop();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-migrations-'));
});
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  pools = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A new, empty database on the cluster, and a way to open pools on it (a node each). */
async function emptyDatabase() {
  const name = `migrations_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return () => {
    const pool = new pg.Pool({ connectionString: url.href });
    pools.push(pool);
    return pool;
  };
}

function write(name: string, text: string) {
  fs.writeFileSync(path.join(dir, name), text);
}

async function history(pool: pg.Pool) {
  return (
    await pool.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version'
    )
  ).rows;
}

async function tables(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
  );
  return rows.map((r) => r.name);
}

describe('migrations on PostgreSQL', () => {
  it('apply every migration to an empty database, recorded under the common names with the checksums of the files run', async () => {
    const pool = (await emptyDatabase())();
    const files = readMigrations(migrationsDir, 'postgres');
    expect(await migratePostgres(pool, migrationsDir)).toBe(files.length);
    expect(await history(pool)).toEqual(files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
    // The names are SQLite's, so a copy between engines can compare histories.
    expect(files.map((m) => m.name)).toEqual(readMigrations(migrationsDir).map((m) => m.name));
    expect(files[1]!.sql.trim()).toBe('-- Included in 0001 on PostgreSQL.');
    expect(await tables(pool)).toContain('procedure_versions');
    // A second start finds nothing to do.
    expect(await migratePostgres(pool, migrationsDir)).toBe(0);
    expect(await history(pool)).toHaveLength(files.length);
  });

  it('check the checksum of the file that ran: its variant, not the SQLite file', async () => {
    const pool = (await emptyDatabase())();
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    write('0001_first.postgres.sql', 'CREATE TABLE a (id integer);');
    expect(await migratePostgres(pool, dir)).toBe(1);
    // SQLite's file changes nothing here.
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER, extra TEXT);');
    expect(await migratePostgres(pool, dir)).toBe(0);
    write('0001_first.postgres.sql', 'CREATE TABLE a (id integer, extra text);');
    await expect(migratePostgres(pool, dir)).rejects.toThrow(MigrationHistoryError);
    await expect(migratePostgres(pool, dir)).rejects.toThrow(/0001_first.sql was changed/);
  });

  it('refuse a history with a migration missing from the folder, or renamed', async () => {
    const pool = (await emptyDatabase())();
    write('0001_first.sql', 'CREATE TABLE a (id integer);');
    write('0002_second.sql', 'CREATE TABLE b (id integer);');
    expect(await migratePostgres(pool, dir)).toBe(2);
    fs.rmSync(path.join(dir, '0002_second.sql'));
    await expect(migratePostgres(pool, dir)).rejects.toThrow(/0002_second.sql was applied but is missing/);
    write('0002_other.sql', 'CREATE TABLE b (id integer);');
    await expect(migratePostgres(pool, dir)).rejects.toThrow(
      /2 was applied as 0002_second.sql but the file is now 0002_other.sql/
    );
  });

  it('roll back every pending migration when one fails', async () => {
    const pool = (await emptyDatabase())();
    write('0001_first.sql', 'CREATE TABLE a (id integer);');
    write('0002_broken.sql', 'CREATE TABLE b (id integer); INSERT INTO nowhere VALUES (1);');
    await expect(migratePostgres(pool, dir)).rejects.toThrow(/nowhere/);
    expect(await tables(pool)).toEqual([]);
  });

  it('end with one history when several nodes start at once on one empty database', async () => {
    const node = await emptyDatabase();
    const nodes = [node(), node(), node()];
    const applied = await Promise.all(nodes.map((pool) => migratePostgres(pool, migrationsDir)));
    const count = readMigrations(migrationsDir, 'postgres').length;
    expect(applied.sort((a, b) => b - a)).toEqual([count, 0, 0]);
    expect(await history(nodes[0]!)).toHaveLength(count);
  });

  it('keep procedure versions unchanged, refusing an UPDATE with SQLite’s message', async () => {
    const pool = (await emptyDatabase())();
    await migratePostgres(pool, migrationsDir);
    const at = '2026-12-03T09:00:00.000Z';
    await pool.query(`INSERT INTO sites (id, name, created_at) VALUES ('s1', 'Mairie', '${at}')`);
    await pool.query(`INSERT INTO procedures (site_id, id, position, created_at) VALUES ('s1', 'p', 0, '${at}')`);
    await pool.query(
      `INSERT INTO procedure_versions (site_id, procedure_id, version, source, created_at) VALUES ('s1', 'p', 1, 'v1', '${at}')`
    );
    const update = "UPDATE procedure_versions SET source = 'changed'";
    const sqlite = openDatabase(':memory:');
    let sqliteMessage = '';
    try {
      sqlite.exec(`INSERT INTO sites (id, name, created_at) VALUES ('s1', 'Mairie', '${at}');
        INSERT INTO procedures (site_id, id, position, created_at) VALUES ('s1', 'p', 0, '${at}');
        INSERT INTO procedure_versions (site_id, procedure_id, version, source, created_at) VALUES ('s1', 'p', 1, 'v1', '${at}');`);
      sqlite.exec(update);
    } catch (error) {
      sqliteMessage = (error as Error).message;
    } finally {
      sqlite.close();
    }
    expect(sqliteMessage).toBe('procedure versions are immutable: save a new version');
    await expect(pool.query(update)).rejects.toThrow(sqliteMessage);
    expect((await pool.query('SELECT source FROM procedure_versions')).rows).toEqual([{ source: 'v1' }]);
  });

  it('make logins unique per site whatever their case, as SQLite’s NOCASE did', async () => {
    const pool = (await emptyDatabase())();
    await migratePostgres(pool, migrationsDir);
    const at = '2026-12-03T09:00:00.000Z';
    await pool.query(`INSERT INTO sites (id, name, created_at) VALUES ('s1', 'Mairie', '${at}'), ('s2', 'Annexe', '${at}')`);
    const account = (id: string, site: string, login: string) =>
      pool.query(
        `INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, created_at)
         VALUES ($1, $2, 'agent', $3, 'Léa', 'x', '${at}')`,
        [id, site, login]
      );
    await account('a1', 's1', 'Lea');
    await expect(account('a2', 's1', 'lEA')).rejects.toThrow(/accounts_site_login/);
    await account('a3', 's2', 'lea');
    expect((await pool.query("SELECT id FROM accounts WHERE lower(login) = lower('LEA') ORDER BY id")).rows).toEqual([
      { id: 'a1' },
      { id: 'a3' }
    ]);
  });
});
