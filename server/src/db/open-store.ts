/**
 * Opens the store on the engine the configuration names, its schema brought up to date:
 * PostgreSQL when GUICHET_DATABASE_URL is set, otherwise the SQLite file in the data folder,
 * exactly as `openDatabase` opens it (pragmas, rewrite, backup before an upgrade).
 */
import type { Config } from '../config';
import { migrationsDir, openDatabase, type Db } from './database';
import { createSqliteExecutor, type Engine, type Executor } from './executor';
import { migratePostgres } from './migrate';
import { hearConnectionErrors } from './pg-errors';

export interface OpenStore {
  engine: Engine;
  executor: Executor;
  /** The better-sqlite3 connection, on SQLite only: for what has no other engine (backups, checkpoints). */
  sqlite?: Db;
  close(): Promise<void>;
}

export type StoreConfig = Pick<Config, 'databaseFile' | 'databaseUrl' | 'backupDir' | 'backupsKept'>;

export async function openStore(config: StoreConfig, dir = migrationsDir): Promise<OpenStore> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, dir);
  const sqlite = openDatabase(config.databaseFile, dir, { dir: config.backupDir, kept: config.backupsKept });
  return {
    engine: 'sqlite',
    executor: createSqliteExecutor(sqlite),
    sqlite,
    close: async () => {
      sqlite.close();
    }
  };
}

async function openPostgres(url: string, dir: string): Promise<OpenStore> {
  // Loaded here only: the driver takes about 13 MB that a hall on SQLite has no use for.
  const [{ default: pg }, { createPostgresExecutor }] = await Promise.all([import('pg'), import('./postgres-executor')]);
  const pool = new pg.Pool({ connectionString: url });
  // A connection the server closed must not end the process: a query that needs it fails, and says so.
  hearConnectionErrors(pool, () => undefined);
  try {
    await migratePostgres(pool, dir);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const executor = createPostgresExecutor(pool);
  return { engine: 'postgres', executor, close: () => executor.close() };
}
