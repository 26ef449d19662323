/** Opens the SQLite store with the pragmas every connection needs, then brings its schema up to date. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { defaultBackupsKept } from '../config';
import { backupBeforeMigration, type BackupSettings } from './backup';
import { migrate } from './migrate';

export type Db = Database.Database;

/** Bytes the WAL is cut back to after a checkpoint (see `openDatabase`). */
export const journalSizeLimit = 4 * 1024 * 1024;

export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * `backups`: where the copy taken before pending migrations goes (by default a `backups` folder
 * beside the file, as GUICHET_BACKUP_DIR's default). A database that has applied migrations is
 * backed up before any new one runs, and not upgraded if that backup fails.
 */
export function openDatabase(
  file: string,
  dir = migrationsDir,
  backups: BackupSettings = { dir: path.join(path.dirname(file), 'backups'), kept: defaultBackupsKept }
): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  // Before anything is written, so a new file is made with it: free pages can then be given back
  // after an erase (`incremental_vacuum`), and its presence marks a file as rewritten (below).
  db.pragma('auto_vacuum = INCREMENTAL');
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
  try {
    rewriteOnce(db);
    migrate(db, dir, (from, to) => {
      // A new, empty store has nothing to lose.
      if (from > 0 && !db.memory) backupBeforeMigration(db, backups, from, to);
    });
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * A file made before `secure_delete` may still hold the rows erased back then in its free pages.
 * It is rewritten once (VACUUM), which also turns its auto_vacuum mode on: that mode, kept in the
 * file's header, says it was done, so later starts skip it. A new file has the mode from the start.
 */
function rewriteOnce(db: Db): void {
  if (db.memory || db.pragma('auto_vacuum', { simple: true }) !== 0) return;
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
