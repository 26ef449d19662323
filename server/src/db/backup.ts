/**
 * Backups of the store: consistent copies written while the server runs, kept in a folder of
 * their own, the oldest removed beyond a count. A backup holds citizens' data like the store
 * itself: files are made readable by their owner only, and a session erased by the purge survives
 * in the backups taken before, until the last of them is removed — the count bounds that time.
 *
 * Each file is first written under a temporary name, checked, then renamed: a backup file under
 * its final name is always whole. Its name says when it was taken and at which migration level
 * (`guichet-20261203T020000000Z-m0011.sqlite`), and for the copy taken before an upgrade, which
 * level it was about to go to (`…-m0008-before-m0011.sqlite`).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from './database';

export interface BackupSettings {
  /** The folder backups are written to (made if missing, readable by its owner only). */
  dir: string;
  /** How many backups are kept, the newest; older ones are deleted after each new backup. */
  kept: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** A finished backup's name: when (UTC, to the millisecond), its level, and the level it preceded. */
export const backupFileName = /^guichet-(\d{8}T\d{9}Z)-m(\d{4})(?:-before-m(\d{4}))?\.sqlite$/;
/** A backup being written by process `pid`; left behind only if that process died meanwhile. */
const partialFileName = /^\.guichet-.*-p(\d+)\.partial$/;

const pad = (level: number) => String(level).padStart(4, '0');
const stamp = (at: Date) => at.toISOString().replace(/[-:.]/g, '');

/** How many migrations the database has applied; refuses a file that is not a Guichet store. */
function migrationLevel(db: Db): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) throw new BackupError(`${db.name} is not a Guichet database (it has no migration history)`);
  return db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get() as number;
}

/**
 * Reserves a new, empty file readable by its owner only, under a temporary name in `dir`, for a
 * backup at `level`. Created before SQLite writes into it, so the data never sits in a file with
 * wider permissions, and exclusively, so two backups in the same millisecond get distinct names.
 */
function reserve(dir: string, level: number, before: number | undefined, at: Date): { partial: string; final: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let t = at.getTime(); ; t++) {
    const name = `guichet-${stamp(new Date(t))}-m${pad(level)}${before === undefined ? '' : `-before-m${pad(before)}`}.sqlite`;
    const final = path.join(dir, name);
    const partial = path.join(dir, `.${name.replace(/\.sqlite$/, '')}-p${process.pid}.partial`);
    if (fs.existsSync(final)) continue;
    try {
      fs.closeSync(fs.openSync(partial, 'wx', 0o600));
      return { partial, final };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Makes the written copy a file of its own (rollback journal, so no -wal beside it is needed to
 * read it), checks it page by page, and only then gives it its final name.
 */
function finish(partial: string, final: string, settings: BackupSettings): string {
  const copy = new Database(partial);
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = copy.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    if (problems.length !== 1 || problems[0]?.integrity_check !== 'ok') {
      throw new BackupError(`the copy failed its integrity check: ${problems.map((p) => p.integrity_check).join('; ')}`);
    }
  } finally {
    copy.close();
  }
  fsyncFile(partial);
  fs.renameSync(partial, final);
  fsyncFile(path.dirname(final));
  pruneBackups(settings);
  return final;
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function abandon(partial: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(partial + suffix, { force: true });
}

/**
 * Online backup (SQLite's backup API) of a database other connections may be writing to, e.g. a
 * running server's from `npm run backup`. The copy is one consistent state of the database.
 */
export async function backupDatabase(source: Db, settings: BackupSettings, at = new Date()): Promise<string> {
  const level = migrationLevel(source);
  const { partial, final } = reserve(settings.dir, level, undefined, at);
  try {
    // After the first small step, the rest in one: a step copies under one read transaction,
    // which a writer in WAL mode does not wait for, while many small steps would start over
    // each time another connection commits — forever on a busy server.
    await source.backup(partial, { progress: () => 0x7fffffff });
    return finish(partial, final, settings);
  } catch (error) {
    abandon(partial);
    throw error;
  }
}

/**
 * The copy taken at start-up before pending migrations run: synchronous (VACUUM INTO, also one
 * consistent state), as opening the store is; nothing else writes to it yet.
 */
export function backupBeforeMigration(db: Db, settings: BackupSettings, from: number, to: number, at = new Date()): string {
  let partial: string | undefined;
  try {
    const reserved = reserve(settings.dir, from, to, at);
    partial = reserved.partial;
    db.prepare('VACUUM INTO ?').run(partial);
    return finish(partial, reserved.final, settings);
  } catch (error) {
    if (partial) abandon(partial);
    throw new BackupError(
      `Could not back up the database before upgrading it from migration ${pad(from)} to ${pad(to)}, so it was not upgraded: ${
        (error as Error).message
      }. Free some space in ${settings.dir} or choose another folder (GUICHET_BACKUP_DIR).`
    );
  }
}

/** The finished backups in `dir`, oldest first. */
export function listBackups(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => backupFileName.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Keeps the newest `kept` backups and deletes the others, and the leftovers of backups whose
 * process died while writing them. Only files named as backups are touched.
 */
function pruneBackups(settings: BackupSettings): string[] {
  const all = listBackups(settings.dir);
  const removed = all.slice(0, Math.max(0, all.length - settings.kept));
  for (const f of removed) fs.rmSync(f, { force: true });
  for (const f of fs.readdirSync(settings.dir)) {
    const pid = Number(partialFileName.exec(f)?.[1] ?? NaN);
    if (Number.isNaN(pid) || pid === process.pid || isAlive(pid)) continue;
    abandon(path.join(settings.dir, f));
    removed.push(path.join(settings.dir, f));
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What `npm run backup`/`restore` say when the store is PostgreSQL: its copies are the hosting
 * organisation's (pg_dump, base backups and WAL archiving), which see the whole cluster.
 */
export function postgresRefusal(action: 'back up' | 'restore'): string {
  return [
    `This server's store is PostgreSQL (GUICHET_DATABASE_URL is set): npm run ${action === 'back up' ? 'backup' : 'restore'} only handles the SQLite file.`,
    `To ${action} a PostgreSQL database, use your PostgreSQL tooling (pg_dump / pg_restore, or base backups with WAL archiving).`
  ].join('\n');
}
