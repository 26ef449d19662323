/**
 * Puts a backup in place of the store of a stopped server: the file is copied into the data
 * folder, checked (SQLite's integrity check, a migration history this version knows), and only
 * then swapped in; the database it replaces is kept beside it under a dated name.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { appliedMigrations, historyProblem, readMigrations } from './migrate';
import { migrationsDir as shippedMigrationsDir } from './database';

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

/**
 * Whether a process has the database open — a running server, its checkpoint worker, a script.
 * In WAL mode every open connection holds a shared lock on the file, and leaving WAL mode needs
 * the exclusive lock: it fails at once (SQLITE_BUSY) while any other connection is open, in this
 * process or another. The lock is the operating system's, so a server that crashed holds none;
 * no lock file can go stale. When nothing else has it open, the switch checkpoints the WAL into
 * the file: what the file is then is everything that was committed.
 */
function databaseInUse(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  let probe: Database.Database;
  try {
    probe = new Database(file, { fileMustExist: true });
  } catch (error) {
    throw new RestoreError(`${file} cannot be opened to check that no server uses it: ${(error as Error).message}`);
  }
  try {
    probe.pragma('busy_timeout = 0');
    probe.pragma('journal_mode = DELETE');
    return false;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    // A damaged store (what a restore is for) cannot be probed, nor opened by a server: it stops
    // at start-up on such a file, so none is using it.
    if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return false;
    throw error;
  } finally {
    probe.close();
  }
}

/** Checks a database file is whole and at a migration level this version can open; returns the level. */
function checkRestorable(file: string, migrationsDir = shippedMigrationsDir): number {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (error) {
    throw new RestoreError(`${file} cannot be opened: ${(error as Error).message}`);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (error) {
      throw new RestoreError(`${file} is not a readable SQLite database: ${(error as Error).message}`);
    }
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new RestoreError(`${file} is damaged (integrity check): ${problems.slice(0, 5).join('; ')}`);
    }
    const hasHistory = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!hasHistory) throw new RestoreError(`${file} is not a Guichet database: it has no migration history`);
    const applied = appliedMigrations(db);
    const known = readMigrations(migrationsDir);
    if (applied.length > known.length) {
      throw new RestoreError(
        `${file} was made by a newer version of Guichet (migration ${applied[applied.length - 1]!.name}; this version knows up to ${
          known[known.length - 1]?.name ?? 'none'
        }): install that version to restore it`
      );
    }
    const problem = historyProblem(applied, known);
    if (problem) throw new RestoreError(`${file} does not match this version of Guichet: ${problem}`);
    return applied.length;
  } finally {
    db.close();
  }
}

function fsync(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies `from` to a new file `to` made readable by its owner only before any byte is written. */
function copyPrivately(from: string, to: string): void {
  const input = fs.openSync(from, 'r');
  const output = fs.openSync(to, 'wx', 0o600);
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    for (let read: number; (read = fs.readSync(input, buffer, 0, buffer.length, null)) > 0;) {
      fs.writeSync(output, buffer, 0, read);
    }
    fs.fsyncSync(output);
  } finally {
    fs.closeSync(input);
    fs.closeSync(output);
  }
}

export interface RestoreResult {
  /** The migration level of the restored database (the server upgrades it at start if lower). */
  level: number;
  /** Where the database it replaced was kept, if there was one. */
  keptAside: string | null;
}

/**
 * Restores `backup` as `databaseFile`. Refuses (RestoreError, nothing changed) a file that fails
 * the checks, and a database some process has open. The replaced database is renamed
 * `guichet.sqlite.before-restore-<date>`: it holds citizens' data, delete it once the restore
 * is verified.
 */
export function restoreDatabase(
  backup: string,
  databaseFile: string,
  { migrationsDir = shippedMigrationsDir, at = new Date() } = {}
): RestoreResult {
  if (!fs.existsSync(backup) || !fs.statSync(backup).isFile()) throw new RestoreError(`${backup}: no such file`);
  fs.mkdirSync(path.dirname(databaseFile), { recursive: true, mode: 0o700 });
  // The checks run on the copy that is swapped in, not on a file that could change meanwhile.
  const incoming = `${databaseFile}.restoring-${process.pid}`;
  const removeIncoming = () => ['', '-journal', '-wal', '-shm'].forEach((s) => fs.rmSync(incoming + s, { force: true }));
  removeIncoming();
  try {
    copyPrivately(backup, incoming);
    const level = checkRestorable(incoming, migrationsDir);
    if (databaseInUse(databaseFile)) {
      throw new RestoreError(
        `${databaseFile} is open in a running Guichet server (or another program): stop it first, then restore`
      );
    }
    let keptAside: string | null = null;
    if (fs.existsSync(databaseFile)) {
      keptAside = `${databaseFile}.before-restore-${at.toISOString().replace(/[-:.]/g, '')}`;
      fs.renameSync(databaseFile, keptAside);
      // Closed by its last connection above, the database has no WAL left; one still there
      // belongs to it, and stays with it rather than being lost or applied to the backup.
      if (fs.existsSync(`${databaseFile}-wal`)) fs.renameSync(`${databaseFile}-wal`, `${keptAside}-wal`);
    }
    for (const stale of ['-wal', '-shm', '-journal']) fs.rmSync(databaseFile + stale, { force: true });
    fs.renameSync(incoming, databaseFile);
    fsync(path.dirname(databaseFile));
    return { level, keptAside };
  } finally {
    removeIncoming();
  }
}
