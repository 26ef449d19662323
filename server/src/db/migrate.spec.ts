import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationHistoryError, appliedMigrationCount, migrate } from './migrate';
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

  it('refuses a gap in the numbering', () => {
    write('0001_first.sql', 'SELECT 1;');
    write('0003_third.sql', 'SELECT 1;');
    expect(() => migrate(db, dir)).toThrow(/expected 0002/);
  });
});

describe('the shipped migrations', () => {
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
