import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { MigrationHistoryError, appliedMigrationCount, migrate, readMigrations } from './migrate';
import { migrationsDir, openDatabase } from './database';

let dir: string;
let db: Database.Database;

function write(name: string, sql: string) {
  fs.writeFileSync(path.join(dir, name), sql);
}
function tables(): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name
  );
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-migrations-'));
  db = new Database(':memory:');
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrate', () => {
  it('applies numbered files in order, once', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    write('0002_second.sql', 'CREATE TABLE b (id INTEGER);');
    expect(migrate(db, dir)).toBe(2);
    expect(tables()).toEqual(expect.arrayContaining(['a', 'b', 'schema_migrations']));
    expect(migrate(db, dir)).toBe(0);
    write('0003_third.sql', 'CREATE TABLE c (id INTEGER);');
    expect(migrate(db, dir)).toBe(1);
    expect(appliedMigrationCount(db)).toBe(3);
  });

  it('refuses a migration changed after it was applied', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    migrate(db, dir);
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER, extra TEXT);');
    expect(() => migrate(db, dir)).toThrow(MigrationHistoryError);
    expect(() => migrate(db, dir)).toThrow(/0001_first.sql was changed/);
  });

  it('refuses a history with a migration missing from the folder', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    write('0002_second.sql', 'CREATE TABLE b (id INTEGER);');
    migrate(db, dir);
    fs.rmSync(path.join(dir, '0002_second.sql'));
    expect(() => migrate(db, dir)).toThrow(/0002_second.sql was applied but is missing/);
  });

  it('refuses a renamed migration', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    migrate(db, dir);
    fs.renameSync(path.join(dir, '0001_first.sql'), path.join(dir, '0001_renamed.sql'));
    expect(() => migrate(db, dir)).toThrow(/applied as 0001_first.sql/);
  });

  it('rolls back every pending migration when one fails', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    write('0002_broken.sql', 'CREATE TABLE oops (;');
    expect(() => migrate(db, dir)).toThrow();
    expect(tables()).not.toContain('a');
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
  });

  it('runs each common file on SQLite, never its PostgreSQL variant, and records the common name', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    write('0001_first.postgres.sql', 'CREATE TABLE pg_only (id integer);');
    expect(migrate(db, dir)).toBe(1);
    expect(tables()).toContain('a');
    expect(tables()).not.toContain('pg_only');
    const sqlite = readMigrations(dir);
    const postgres = readMigrations(dir, 'postgres');
    expect(sqlite.map((m) => m.name)).toEqual(['0001_first.sql']);
    expect(postgres.map((m) => [m.name, m.sql])).toEqual([['0001_first.sql', 'CREATE TABLE pg_only (id integer);']]);
    expect(postgres[0]!.checksum).not.toBe(sqlite[0]!.checksum);
  });

  it('refuses a PostgreSQL variant without its common file', () => {
    write('0001_first.sql', 'CREATE TABLE a (id INTEGER);');
    write('0002_second.postgres.sql', 'CREATE TABLE b (id integer);');
    expect(() => readMigrations(dir, 'postgres')).toThrow(/0002_second.postgres.sql has no 0002_second.sql/);
    expect(() => migrate(db, dir)).toThrow(/0002_second.postgres.sql has no 0002_second.sql/);
  });

  it('keeps the checksum of each SQLite file: the one every hall’s database recorded', () => {
    const files = fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.sql') && !f.endsWith('.postgres.sql'));
    expect(readMigrations(migrationsDir).map((m) => [m.name, m.checksum])).toEqual(
      files.sort().map((f) => [
        f,
        createHash('sha256')
          .update(fs.readFileSync(path.join(migrationsDir, f)))
          .digest('hex')
      ])
    );
    const recorded = new Map(readMigrations(migrationsDir).map((m) => [m.name, m.checksum]));
    expect(recorded.get('0001_init.sql')).toBe('a0b124ca486460382ec98342edb2e0d9d7feccb6c4529d9ebf12adcfb8a75783');
    expect(recorded.get('0013_joined_session_index.sql')).toBe(
      'f773e0e3e2aa553aeedf2a35b58b3909bdbdfc0d5f18136da2e1e90d38a180b1'
    );
    expect(recorded.get('0014_concurrency.sql')).toBe('57eba1475611ba80d1730bddd83844a5f61e626d7ff04085f45951932d20417a');
  });

  it('refuses a gap in the numbering', () => {
    write('0001_first.sql', 'SELECT 1;');
    write('0003_third.sql', 'SELECT 1;');
    expect(() => migrate(db, dir)).toThrow(/expected 0002/);
  });
});

describe('the shipped migrations', () => {
  it('0010 makes logins unique per site, keeping every account and every row that references one', () => {
    // A database as the previous version left it: a site, an agent, and her login session.
    for (const f of fs.readdirSync(migrationsDir).filter((f) => f < '0010')) {
      fs.copyFileSync(path.join(migrationsDir, f), path.join(dir, f));
    }
    const file = path.join(dir, 'store.sqlite');
    const before = openDatabase(file, dir);
    before.exec(`
      INSERT INTO sites (id, name, created_at) VALUES ('a', 'Mairie A', 'now'), ('b', 'Mairie B', 'now');
      INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, created_at)
        VALUES ('marie-a', 'a', 'agent', 'marie', 'Marie', 'h', 'now');
      INSERT INTO auth_sessions (token_hash, id, account_id, created_at, expires_at) VALUES ('t', 's', 'marie-a', 'now', 'later');
    `);
    expect(() =>
      before.exec(`INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, created_at)
        VALUES ('marie-b', 'b', 'agent', 'marie', 'Marie', 'h', 'now')`)
    ).toThrow(/UNIQUE/);
    before.close();

    fs.copyFileSync(path.join(migrationsDir, '0010_per_site_logins.sql'), path.join(dir, '0010_per_site_logins.sql'));
    const after = openDatabase(file, dir);
    try {
      expect(after.prepare('SELECT id, login FROM accounts').all()).toEqual([{ id: 'marie-a', login: 'marie' }]);
      // The rebuild did not cascade to the login sessions.
      expect(after.prepare('SELECT id, account_id FROM auth_sessions').all()).toEqual([{ id: 's', account_id: 'marie-a' }]);
      expect(after.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(after.pragma('foreign_key_check')).toEqual([]);
      // Another site may have its « marie »; the same site may not, in any case.
      after.exec(`INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, created_at)
        VALUES ('marie-b', 'b', 'agent', 'marie', 'Marie', 'h', 'now')`);
      expect(() =>
        after.exec(`INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, created_at)
          VALUES ('marie-a2', 'a', 'agent', 'MARIE', 'Marie', 'h', 'now')`)
      ).toThrow(/UNIQUE/);
      // References to accounts are still enforced, and still cascade.
      expect(() =>
        after.exec(
          `INSERT INTO auth_sessions (token_hash, id, account_id, created_at, expires_at) VALUES ('u', 'v', 'ghost', 'now', 'later')`
        )
      ).toThrow(/FOREIGN KEY/);
      after.exec(`DELETE FROM accounts WHERE id = 'marie-a'`);
      expect(after.prepare('SELECT COUNT(*) FROM auth_sessions').pluck().get()).toBe(0);
      const indexes = after
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'")
        .pluck()
        .all();
      expect(indexes).toContain('accounts_site');
    } finally {
      after.close();
    }
  });

  it('0014 starts the day counters at the numbers already given, and leaves one open fault per printer', () => {
    // A database as the previous version left it: numbers given today and yesterday, and a
    // printer with two open outages (which the unique index now refuses).
    for (const f of fs.readdirSync(migrationsDir).filter((f) => f < '0014' && !f.endsWith('.postgres.sql'))) {
      fs.copyFileSync(path.join(migrationsDir, f), path.join(dir, f));
    }
    const file = path.join(dir, 'store.sqlite');
    const before = openDatabase(file, dir);
    const ticket = (id: string, service: string, day: string, n: number) =>
      `('${id}', 'a', '${service}', '${day}', ${n}, 'X-${n}', 'waiting', 'r-${id}', 'fr', 'now')`;
    before.exec(`
      INSERT INTO sites (id, name, created_at) VALUES ('a', 'Mairie A', 'now');
      INSERT INTO tickets (id, site_id, service, day, number, label, status, request_id, locale, created_at) VALUES
        ${ticket('t1', 'accueil', '2026-11-22', 7)}, ${ticket('t2', 'accueil', '2026-11-23', 1)},
        ${ticket('t3', 'accueil', '2026-11-23', 2)}, ${ticket('t4', 'etat-civil', '2026-11-23', 1)};
      INSERT INTO printers (id, site_id, kind, name, uri, created_at) VALUES ('p', 'a', 'receipt', 'Hall', 'x', 'now');
      INSERT INTO printer_faults (site_id, printer_id, fault, started_at) VALUES
        ('a', 'p', 'paper_out', '2026-11-23T09:00:00Z'), ('a', 'p', 'cover_open', '2026-11-23T09:01:00Z');
    `);
    before.close();

    fs.copyFileSync(path.join(migrationsDir, '0014_concurrency.sql'), path.join(dir, '0014_concurrency.sql'));
    const after = openDatabase(file, dir);
    try {
      expect(after.prepare('SELECT service, day, last FROM ticket_numbers ORDER BY service, day').all()).toEqual([
        { service: 'accueil', day: '2026-11-22', last: 7 },
        { service: 'accueil', day: '2026-11-23', last: 2 },
        { service: 'etat-civil', day: '2026-11-23', last: 1 }
      ]);
      // The first outage stays open; the second ends as it began.
      expect(after.prepare('SELECT fault, started_at, ended_at FROM printer_faults ORDER BY id').all()).toEqual([
        { fault: 'paper_out', started_at: '2026-11-23T09:00:00Z', ended_at: null },
        { fault: 'cover_open', started_at: '2026-11-23T09:01:00Z', ended_at: '2026-11-23T09:01:00Z' }
      ]);
      expect(() =>
        after.exec(`INSERT INTO printer_faults (site_id, printer_id, fault, started_at) VALUES ('a', 'p', 'jam', 'now')`)
      ).toThrow(/UNIQUE/);
      // A login is found through lower(login) by the index, not by reading every account.
      const plan = after
        .prepare("EXPLAIN QUERY PLAN SELECT * FROM accounts WHERE site_id = 'a' AND lower(login) = lower('Marie')")
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX accounts_site_login/);
    } finally {
      after.close();
    }
  });

  it('refuse to commit a migration that leaves a broken reference', () => {
    write('0001_first.sql', 'CREATE TABLE p (id TEXT PRIMARY KEY); CREATE TABLE c (p_id TEXT REFERENCES p(id));');
    write('0002_broken.sql', "INSERT INTO c (p_id) VALUES ('ghost');");
    db.pragma('foreign_keys = ON');
    expect(() => migrate(db, dir)).toThrow(/broken reference/);
    expect(appliedMigrationCount(db)).toBe(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('apply to an empty database with WAL and foreign keys on', () => {
    const file = path.join(dir, 'store.sqlite');
    const store = openDatabase(file, migrationsDir);
    try {
      expect(store.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(appliedMigrationCount(store)).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });
});
