/**
 * Global setup of the `postgres` vitest project: ONE throwaway cluster for the whole run, its
 * template database migrated once, its URL handed to every worker (see `test-databases.ts`).
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startPgCluster } from '../../../scripts/pg-cluster';
import { migrationsDir } from '../db/database';
import { migratePostgres } from '../db/migrate';
import { databaseUrl, templateDatabase, testDatabaseUrlVariable } from './test-databases';

declare module 'vitest' {
  export interface ProvidedContext {
    [testDatabaseUrlVariable]: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPgCluster({ durable: false });
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${templateDatabase}`);
    } finally {
      await admin.end();
    }
    // Closed before any copy: PostgreSQL copies a template only while nobody is connected to it.
    const pool = new pg.Pool({ connectionString: databaseUrl(cluster.url, templateDatabase) });
    try {
      await migratePostgres(pool, migrationsDir);
    } finally {
      await pool.end();
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide(testDatabaseUrlVariable, cluster.url);
  process.env[testDatabaseUrlVariable] = cluster.url;
  return () => cluster.stop();
}
