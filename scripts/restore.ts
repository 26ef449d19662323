/**
 * `npm run restore FILE`: puts a backup in place of the store in GUICHET_DATA_DIR. The server
 * must be stopped; the file must pass SQLite's integrity check and be at a migration level this
 * version knows (the server upgrades an older one when it starts, after backing it up).
 */
import path from 'node:path';
import { ConfigError, parseConfig } from '../server/src/config';
import { migrationsDir } from '../server/src/db/database';
import { readMigrations } from '../server/src/db/migrate';
import { restoreDatabase, RestoreError } from '../server/src/db/restore';
import { postgresRefusal } from '../server/src/db/backup';

const argument = process.argv[2];
if (!argument || process.argv.length > 3) {
  console.error('Usage: npm run restore -- FILE   (FILE: a backup, e.g. data/backups/guichet-…sqlite)');
  process.exit(2);
}
// npm runs scripts from the project's folder; a relative path is the administrator's, from where they typed it.
const file = path.resolve(process.env.INIT_CWD ?? process.cwd(), argument);
try {
  const config = parseConfig(process.env);
  if (config.databaseUrl) {
    console.error(postgresRefusal('restore'));
    process.exit(2);
  }
  const { level, keptAside } = restoreDatabase(file, config.databaseFile);
  console.log(
    [
      `Restored ${file} into ${config.databaseFile} (migration level ${String(level).padStart(4, '0')}).`,
      keptAside
        ? `The database it replaced is kept as ${keptAside}: it holds citizens' data, delete it once you have checked the restore.`
        : '',
      level < readMigrations(migrationsDir).length
        ? 'This backup comes from an earlier version: the server backs it up again, then upgrades it, when it starts.'
        : ''
    ]
      .filter(Boolean)
      .join('\n')
  );
} catch (error) {
  if (error instanceof RestoreError || error instanceof ConfigError) {
    console.error(`Restore refused: ${error.message}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  throw error;
}
