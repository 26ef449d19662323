/**
 * PostgreSQL databases for the specs of the `postgres` vitest project: the project's global setup
 * starts one throwaway cluster and migrates a template database once; each test server then gets a
 * copy of it of its own (`CREATE DATABASE … TEMPLATE`, cheaper than migrating every time), dropped
 * when the server closes unless the spec keeps the data for a restart.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Set by the `postgres` project's global setup: the cluster's URL (its `guichet` database). */
export const testDatabaseUrlVariable = 'GUICHET_TEST_DATABASE_URL';

/** The migrated database every test database is copied from. */
export const templateDatabase = 'guichet_template';

/** The cluster's URL when the specs run on PostgreSQL; null on SQLite. */
export function testDatabaseUrl(): string | null {
  return process.env[testDatabaseUrlVariable] || null;
}

/** The same cluster, another database. */
export function databaseUrl(clusterUrl: string, name: string): string {
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function asAdmin<T>(clusterUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database copied from the migrated template; returns its name. */
export async function createTestDatabase(clusterUrl: string): Promise<string> {
  // Random, not per process: several workers create theirs on the same cluster at once.
  const name = `t_${randomBytes(8).toString('hex')}`;
  await asAdmin(clusterUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase}`));
  return name;
}

/** Drops a test database, ending whatever connection a failed spec left open on it. */
export async function dropTestDatabase(clusterUrl: string, name: string): Promise<void> {
  if (!/^t_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await asAdmin(clusterUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
