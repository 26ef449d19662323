/**
 * Numbered SQL migrations (`0001_init.sql`, …) applied in one transaction at start-up. The
 * database keeps the name and checksum of each file it ran; a history that does not match the
 * files (a file changed, removed or renamed after it ran) is refused rather than guessed at.
 *
 * Both engines share the numbering and the names: where PostgreSQL needs other SQL, a
 * `NNNN_name.postgres.sql` beside `NNNN_name.sql` is run instead, recorded under the common name
 * with the checksum of the file that ran. So a copy between engines can compare histories by name.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type pg from 'pg';

export type Engine = 'sqlite' | 'postgres';

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationHistoryError extends Error {
  constructor(message: string) {
    super(`${message}. The database does not match this version of Guichet; restore a matching backup or version.`);
    this.name = 'MigrationHistoryError';
  }
}

const fileName = /^(\d{4})_([a-z0-9_]+?)(\.postgres)?\.sql$/;

/** The migrations one engine runs: for PostgreSQL, each `.postgres.sql` variant replaces its file. */
export function readMigrations(dir: string, engine: Engine = 'sqlite'): MigrationFile[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const common = new Set(files.filter((f) => !f.endsWith('.postgres.sql')));
  const migrations = [...common].map((file) => {
    const match = fileName.exec(file);
    if (!match || match[3]) throw new Error(`Migration file ${file} must be named NNNN_name.sql`);
    const variant = file.replace(/\.sql$/, '.postgres.sql');
    const run = engine === 'postgres' && files.includes(variant) ? variant : file;
    const sql = fs.readFileSync(path.join(dir, run), 'utf8');
    return {
      version: Number(match[1]),
      name: file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex')
    };
  });
  // A variant without its common file would be a migration SQLite never runs.
  for (const file of files) {
    if (!file.endsWith('.postgres.sql')) continue;
    if (!fileName.test(file)) throw new Error(`Migration file ${file} must be named NNNN_name.postgres.sql`);
    if (!common.has(file.replace(/\.postgres\.sql$/, '.sql')))
      throw new Error(`Migration file ${file} has no ${file.replace(/\.postgres\.sql$/, '.sql')} beside it`);
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migration ${m.name} breaks the numbering: expected ${String(i + 1).padStart(4, '0')}`);
  });
  return migrations;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** The migrations a database has applied, in order. */
export function appliedMigrations(db: Database.Database): AppliedMigration[] {
  return db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedMigration[];
}

/** What is wrong with a database's migration history against these files, or null when it matches them. */
export function historyProblem(applied: AppliedMigration[], migrations: MigrationFile[]): string | null {
  for (const row of applied) {
    const file = migrations[row.version - 1];
    if (!file) return `Migration ${row.name} was applied but is missing from the migrations folder`;
    if (file.name !== row.name) return `Migration ${row.version} was applied as ${row.name} but the file is now ${file.name}`;
    if (file.checksum !== row.checksum) return `Migration ${row.name} was changed after it was applied`;
  }
  return null;
}

/**
 * Applies pending migrations; returns how many ran. `beforeApply` runs first when some are pending
 * (with the level the database is at and the one it is going to): it is where the store is backed
 * up, and an exception there leaves the database untouched.
 */
export function migrate(db: Database.Database, dir: string, beforeApply?: (from: number, to: number) => void): number {
  const migrations = readMigrations(dir);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = appliedMigrations(db);
  const problem = historyProblem(applied, migrations);
  if (problem) throw new MigrationHistoryError(problem);

  const pending = migrations.slice(applied.length);
  if (pending.length === 0) return 0;
  beforeApply?.(applied.length, migrations.length);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  // A migration that rebuilds a table (SQLite's only way to change a constraint) drops a table
  // that others reference: with foreign keys on, that drop would delete or empty their rows too.
  // As SQLite's own procedure says, foreign keys are off while migrations run (the pragma cannot
  // change inside a transaction), and every reference is checked before the transaction commits.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const m of pending) {
        db.exec(m.sql);
        record.run(m.version, m.name, m.checksum, new Date().toISOString());
      }
      const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
      if (broken.length > 0) {
        const first = broken[0]!;
        throw new Error(`Migrations left ${broken.length} broken reference(s), e.g. ${first.table} → ${first.parent}`);
      }
    })();
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
  return pending.length;
}

export function appliedMigrationCount(db: Database.Database): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n;
}

/** A key of our own for PostgreSQL's advisory lock: nodes starting together migrate one at a time. */
const migrationLock = 0x6775_6963; // 'guic'

/**
 * Applies pending migrations on PostgreSQL; returns how many ran. Several nodes may start at once
 * on one database: each takes the same advisory lock in its transaction, so the second one waits,
 * then finds the history the first one wrote. The whole history check and every pending file run in
 * that one transaction (PostgreSQL's DDL is transactional): a failure leaves the database as it was.
 */
export async function migratePostgres(pool: pg.Pool, dir: string): Promise<number> {
  const migrations = readMigrations(dir, 'postgres');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
      // The version is an identity only to match SQLite's row id: it is always given.
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at text NOT NULL
      )`);
      const { rows: applied } = await client.query<AppliedMigration>(
        'SELECT version, name, checksum FROM schema_migrations ORDER BY version'
      );
      const problem = historyProblem(applied, migrations);
      if (problem) throw new MigrationHistoryError(problem);
      const pending = migrations.slice(applied.length);
      for (const m of pending) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
          m.version,
          m.name,
          m.checksum,
          new Date().toISOString()
        ]);
      }
      await client.query('COMMIT');
      return pending.length;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    client.release();
  }
}
