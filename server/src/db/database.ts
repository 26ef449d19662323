/** Opens the SQLite store with the pragmas every connection needs, then brings its schema up to date. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrate } from './migrate';

export type Db = Database.Database;

export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

export function openDatabase(file: string, dir = migrationsDir): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Waiting briefly beats failing when a maintenance script holds the write lock.
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db, dir);
  return db;
}
