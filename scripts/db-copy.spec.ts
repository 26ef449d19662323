/**
 * `db:copy` on real stores: a demo hall after a team day (every table holds rows, a logo's bytes,
 * login counters in milliseconds) in a real SQLite file, copied to a real throwaway PostgreSQL
 * cluster and back, and the refusals that leave the target as it was.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir, openDatabase } from '../server/src/db/database';
import { migratePostgres } from '../server/src/db/migrate';
import { openHall } from '../server/src/testing/hall';
import { playTeamDay } from '../server/src/testing/team-day';
import { login, startTestServer } from '../server/src/testing/test-server';
import { digestStore, notCopied, run, type Location } from './db-copy';
import { startPgCluster, type PgCluster } from './pg-cluster';

const root = path.resolve(import.meta.dirname, '..');
let cluster: PgCluster;
let dir: string;
/** The hall: a SQLite file no test writes to. */
let hallFile: string;
/** A PNG's first bytes and some that are not text, so a copy that mangles bytes shows. */
const logo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x7f]);

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-db-copy-'));
  const server = await startTestServer();
  const hall = await openHall(server);
  await playTeamDay(server, hall);
  const siteId = (await server.store.sites.listDemo())[0]!.id;
  await server.store.siteLogos.set(
    siteId,
    { mime: 'image/png', data: logo, hash: 'logo-hash' },
    server.clock.now().toISOString()
  );
  // An operator of the hosting organisation, logged in.
  const now = server.clock.now().toISOString();
  await server.store.operators.insert({
    id: 'op-1',
    login: 'exploitation',
    firstName: 'Camille',
    secretHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    active: true,
    createdAt: now
  });
  await server.store.operatorSessions.insert({
    tokenHash: 'token-hash',
    id: 'op-session-1',
    operatorId: 'op-1',
    createdAt: now,
    expiresAt: new Date(server.clock.now().getTime() + 3_600_000).toISOString()
  });
  // A failed login: the limiter keeps its counter (times in milliseconds since the epoch).
  await expect(login(server, 'agent', 'marie', '0000')).rejects.toThrow(/failed/);
  hallFile = server.config.databaseFile;
  await server.close({ keepData: true });
  const kept = path.join(dir, 'hall.sqlite');
  fs.copyFileSync(hallFile, kept);
  fs.rmSync(path.dirname(hallFile), { recursive: true, force: true });
  hallFile = kept;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

let databases = 0;
/** A new, empty database in the cluster. */
async function newDatabase(): Promise<string> {
  const name = `copy_${++databases}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function copy(from: string, to: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(['--from', from, '--to', to], {
    log: (line) => (out += `${line}\n`),
    error: (line) => (err += `${line}\n`)
  });
  return { code, out, err };
}

/** The script as the operator runs it, in its own process. */
async function copyInProcess(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db-copy.ts', ...args], {
      cwd: root
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

function sqliteTables(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all()
    .filter((name) => !notCopied.includes(name as string)) as string[];
}

/** Every row of every table, as sorted JSON lines (bytes in hex, integers exact): what "identical" means. */
function sqliteRows(file: string): Map<string, string[]> {
  const db = new Database(file, { readonly: true });
  try {
    return new Map(
      sqliteTables(db).map((table) => [
        table,
        (db.prepare(`SELECT * FROM ${table}`).safeIntegers(true).all() as Record<string, unknown>[])
          .map((row) =>
            JSON.stringify(row, (_, v: unknown) =>
              typeof v === 'bigint'
                ? `int:${v}`
                : (v as { type?: string })?.type === 'Buffer'
                  ? `hex:${Buffer.from((v as { data: number[] }).data).toString('hex')}`
                  : v
            )
          )
          .sort()
      ])
    );
  } finally {
    db.close();
  }
}

async function postgresCounts(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name <> ALL($1) ORDER BY table_name`,
      [notCopied]
    );
    const counts: Record<string, number> = {};
    for (const { table_name } of rows)
      counts[table_name] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table_name}`)).rows[0]!.n);
    return counts;
  } finally {
    await client.end();
  }
}

function sqliteCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(sqliteTables(db).map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

const sqlite = (file: string): Location => ({ engine: 'sqlite', file });
const postgres = (url: string): Location => ({ engine: 'postgres', url });

describe('db:copy', () => {
  it('copies a hall SQLite → PostgreSQL → SQLite: every table with the same rows and the same hash', async () => {
    const counts = sqliteCounts(hallFile);
    // The hall fills every table, so every table's copy is checked with rows in it.
    expect(Object.entries(counts).filter(([, n]) => n === 0)).toEqual([]);

    const url = await newDatabase();
    const there = await copy(`sqlite:${hallFile}`, url);
    expect(there.err).toBe('');
    expect(there.code).toBe(0);
    for (const [table, n] of Object.entries(counts))
      expect(there.out).toMatch(new RegExp(`^  ${table} +${n} rows  sha256 [0-9a-f]{16}$`, 'm'));
    expect(there.out).toMatch(/The source still holds all this data/);
    // Names, counts and hashes only: no login, no first name, no logo hash.
    expect(there.out).not.toMatch(/marie|Marie|karim|logo-hash/);
    expect(await postgresCounts(url)).toEqual(counts);

    // Back to a new file, as the operator runs it, with a password in the URL that is never printed.
    const withPassword = new URL(url);
    withPassword.password = 'pw-never-shown';
    const back = path.join(dir, 'back.sqlite');
    const again = await copyInProcess('--from', withPassword.toString(), '--to', `sqlite:${back}`);
    expect(again.out).not.toContain('pw-never-shown');
    expect(again.out).toContain('postgres://guichet:***@127.0.0.1');
    expect(again.code).toBe(0);

    const hashes = await digestStore(sqlite(hallFile));
    expect([...hashes.keys()].sort()).toEqual(Object.keys(counts).sort());
    expect(await digestStore(postgres(url))).toEqual(hashes);
    expect(await digestStore(sqlite(back))).toEqual(hashes);
    expect(sqliteRows(back)).toEqual(sqliteRows(hallFile));

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Bytes and millisecond times arrive as they were.
      const { rows: logos } = await client.query<{ data: Buffer }>('SELECT data FROM site_logos');
      expect(logos.map((l) => l.data.toString('hex'))).toEqual([logo.toString('hex')]);
      const db = new Database(hallFile, { readonly: true });
      const limits = db.prepare('SELECT key, window_ends_at FROM login_limits ORDER BY key').safeIntegers(true).all();
      db.close();
      const { rows: copiedLimits } = await client.query<{ key: string; window_ends_at: string }>(
        'SELECT key, window_ends_at::text FROM login_limits ORDER BY key COLLATE "C"'
      );
      expect(copiedLimits.map((l) => ({ key: l.key, window_ends_at: BigInt(l.window_ends_at) }))).toEqual(limits);
      // Each identity continues after the copied ids: the next row written there takes a new one.
      for (const [table, column] of [
        ['audit_log', 'id'],
        ['printer_faults', 'id'],
        ['ticket_calls', 'seq']
      ]) {
        const sequence = (await client.query<{ s: string }>('SELECT pg_get_serial_sequence($1, $2) AS s', [table, column]))
          .rows[0]!.s;
        const { rows } = await client.query<{ last: string; called: boolean; max: string }>(
          `SELECT last_value::text AS last, is_called AS called, (SELECT max(${column}) FROM ${table})::text AS max FROM ${sequence}`
        );
        expect([table, rows[0]!.last, rows[0]!.called]).toEqual([table, rows[0]!.max, true]);
      }
    } finally {
      await client.end();
    }
  }, 120_000);

  it('refuses a target that already holds rows, and writes nothing into it', async () => {
    const url = await newDatabase();
    expect((await copy(`sqlite:${hallFile}`, url)).code).toBe(0);
    const before = await postgresCounts(url);
    const twice = await copy(`sqlite:${hallFile}`, url);
    expect(twice.code).toBe(1);
    expect(twice.err).toMatch(/The target is not empty \(table \w+ has rows\)/);
    expect(await postgresCounts(url)).toEqual(before);

    // The same on SQLite: one table with a row is enough.
    const file = path.join(dir, 'not-empty.sqlite');
    const db = openDatabase(file);
    db.prepare("INSERT INTO login_limits (key, login, points, window_ends_at, strikes) VALUES ('k', NULL, 1, 1, 0)").run();
    db.close();
    const intoFile = await copy(url, `sqlite:${file}`);
    expect(intoFile.code).toBe(1);
    expect(intoFile.err).toMatch(/table login_limits has rows/);
    expect(Object.values(sqliteCounts(file)).reduce((a, b) => a + b)).toBe(1);
  }, 60_000);

  it('refuses a source at another migration level without migrating it, and opens no target', async () => {
    const older = fs.mkdtempSync(path.join(dir, 'migrations-'));
    const files = fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.sql'));
    const last = files
      .filter((f) => !f.endsWith('.postgres.sql'))
      .sort()
      .at(-1)!;
    for (const f of files) if (!f.startsWith(last.slice(0, 4))) fs.copyFileSync(path.join(migrationsDir, f), path.join(older, f));
    const file = path.join(dir, 'older.sqlite');
    openDatabase(file, older).close();
    const levelBefore = sqliteCounts(file);

    const target = path.join(dir, 'never-made.sqlite');
    const refused = await copy(`sqlite:${file}`, `sqlite:${target}`);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/start this version of Guichet on it once first/);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(Number(last.slice(0, 4)) - 1);
    db.close();
    expect(sqliteCounts(file)).toEqual(levelBefore);
    expect(fs.existsSync(target)).toBe(false);

    // A PostgreSQL database Guichet never ran on is no source either, and is left without tables.
    const empty = await newDatabase();
    const fromEmpty = await copy(empty, `sqlite:${target}`);
    expect(fromEmpty.code).toBe(1);
    expect(fromEmpty.err).toMatch(/no Guichet store.*start this version of Guichet on it once first/);
    expect(await postgresCounts(empty)).toEqual({});
  }, 60_000);

  it('refuses a source that lacks one of this version’s tables, leaving the target empty', async () => {
    const file = path.join(dir, 'no-logos.sqlite');
    fs.copyFileSync(hallFile, file);
    const db = new Database(file);
    db.exec('DROP TABLE site_logos');
    db.close();
    const url = await newDatabase();
    const refused = await copy(`sqlite:${file}`, url);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/The source has no table site_logos/);
    const counts = await postgresCounts(url);
    expect(Object.keys(counts)).toContain('site_logos');
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  }, 60_000);

  it('rolls the whole copy back when a table differs once written (PostgreSQL target)', async () => {
    const url = await newDatabase();
    const pool = new pg.Pool({ connectionString: url });
    await migratePostgres(pool, migrationsDir);
    // Something in the target that changes what it is given: the check must see it.
    await pool.query(`CREATE FUNCTION mangle() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.first_name := NEW.first_name || '.'; RETURN NEW; END; $$`);
    await pool.query('CREATE TRIGGER mangle BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION mangle()');
    await pool.end();

    const refused = await copy(`sqlite:${hallFile}`, url);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/Table accounts differs after the copy .*rolled back/);
    expect(refused.out).toBe('');
    const counts = await postgresCounts(url);
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  }, 60_000);

  it('rolls the whole copy back when a table differs once written (SQLite target)', async () => {
    const url = await newDatabase();
    expect((await copy(`sqlite:${hallFile}`, url)).code).toBe(0);
    const file = path.join(dir, 'mangled.sqlite');
    const db = openDatabase(file);
    db.exec(`CREATE TRIGGER mangle AFTER INSERT ON site_logos BEGIN
      UPDATE site_logos SET data = X'00' WHERE site_id = NEW.site_id; END`);
    db.close();
    const refused = await copy(url, `sqlite:${file}`);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/Table site_logos differs after the copy/);
    expect(Object.values(sqliteCounts(file)).every((n) => n === 0)).toBe(true);
  }, 60_000);

  it('answers bad arguments with its usage and exit code 2, never printing a password', async () => {
    for (const args of [
      [],
      ['--from', `sqlite:${hallFile}`],
      ['--from', `sqlite:${hallFile}`, '--to', 'mysql://me:pw-secret@db/guichet'],
      ['--from', `sqlite:${hallFile}`, '--to', `sqlite:${hallFile}`],
      ['--from', `sqlite:${hallFile}`, '--to', 'postgres://me:pw-secret@/'],
      ['--from', `sqlite:${hallFile}`, '--into', 'sqlite:x']
    ]) {
      let said = '';
      const code = await run(args, { log: (l) => (said += l), error: (l) => (said += l) });
      expect([args, code]).toEqual([args, 2]);
      expect(said).toContain('Usage: npm run db:copy');
      expect(said).not.toContain('pw-secret');
    }

    const badUrl = await copyInProcess('--from', `sqlite:${hallFile}`, '--to', 'postgres://');
    expect(badUrl.code).toBe(2);
    expect(badUrl.out).toContain('Usage: npm run db:copy');

    // A server that is not there: a failure (1), said without the password.
    const down = await copy(`sqlite:${hallFile}`, `postgres://guichet:pw-secret@127.0.0.1:1/guichet`);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/ECONNREFUSED/);
    expect(down.err + down.out).not.toContain('pw-secret');
  }, 60_000);
});
