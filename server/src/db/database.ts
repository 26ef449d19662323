/** Opens the SQLite store with the pragmas every connection needs, then brings its schema up to date. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrate } from './migrate';

export type Db = Database.Database;

/** Bytes the WAL is cut back to after a checkpoint (see `openDatabase`). */
export const journalSizeLimit = 4 * 1024 * 1024;

export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

export function openDatabase(file: string, dir = migrationsDir): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Waiting briefly beats failing when a maintenance script holds the write lock.
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  // Erased means gone from the file: deleted rows and freed pages are overwritten with zeros
  // instead of lingering in free space until reused.
  db.pragma('secure_delete = ON');
  // A WAL that was once large is cut back to this size when it restarts, so it does not keep
  // thousands of old page copies (with whatever they held) for weeks.
  db.pragma(`journal_size_limit = ${journalSizeLimit}`);
  migrate(db, dir);
  return db;
}
