/**
 * `npm run backup`: writes a consistent copy of the store to GUICHET_BACKUP_DIR (default
 * `<data>/backups`), while the server runs or not, and keeps the newest GUICHET_BACKUPS_KEPT.
 * Meant to run every night (see docs/backups.md); exits non-zero when no backup was written.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { ConfigError, parseConfig } from '../server/src/config';
import { backupDatabase, postgresRefusal } from '../server/src/db/backup';

async function main(): Promise<number> {
  const config = parseConfig(process.env);
  if (config.databaseUrl) {
    console.error(postgresRefusal('back up'));
    return 2;
  }
  if (!fs.existsSync(config.databaseFile)) {
    console.error(`No database at ${config.databaseFile}: nothing to back up (is GUICHET_DATA_DIR right?).`);
    return 1;
  }
  // A connection of its own, never openDatabase: a backup must not migrate the store of a server
  // that runs an older version, nor change anything in it.
  const db = new Database(config.databaseFile, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const file = await backupDatabase(db, { dir: config.backupDir, kept: config.backupsKept });
    console.log(`Backup written: ${file} (the newest ${config.backupsKept} are kept).`);
    return 0;
  } finally {
    db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError ? error.message : `Backup failed: ${error instanceof Error ? error.message : String(error)}`
    );
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
);
