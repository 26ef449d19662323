import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// A promise handed to expect() without its await fails the test instead of passing it.
const setupFiles = ['server/src/testing/await-before-expect.ts'];

/**
 * Specs of the store that are about SQLite itself, left out of the PostgreSQL run (each with why).
 * Their PostgreSQL counterparts, where the property exists there, are specs of their own
 * (`*.postgres.spec.ts`, run in the `sqlite` project since they start their own cluster).
 */
const sqliteOnly: Record<string, string> = {
  'server/src/db/backup.spec.ts': 'file backups are SQLite’s; PostgreSQL is backed up with its own tooling',
  'server/src/db/restore.spec.ts': 'restores a SQLite backup file in place of the store',
  'server/src/db/upgrade.spec.ts': 'upgrades a recorded SQLite database file of an earlier version',
  'server/src/privacy/erased-on-disk.spec.ts': 'reads the SQLite file and its WAL for the erased bytes'
};

/**
 * Server specs that start a test server, hence run over whichever store the run names; not the
 * `*.postgres.spec.ts`, which start a cluster of their own (run once, in the `sqlite` project).
 */
function storeSpecs(): string[] {
  const dir = path.join(import.meta.dirname, 'server/src');
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.spec.ts'))
    .map((file) => path.posix.join('server/src', file.split(path.sep).join('/')))
    .filter((file) => !(file in sqliteOnly) && !file.endsWith('.postgres.spec.ts'))
    .filter((file) => fs.readFileSync(file, 'utf8').includes('startTestServer('))
    .sort();
}

const postgresProject = {
  extends: true as const,
  test: {
    // The same server specs over PostgreSQL: one throwaway cluster for the run, a database of its
    // own per test server (`server/src/testing/test-databases.ts`).
    name: 'postgres',
    include: storeSpecs(),
    globalSetup: ['server/src/testing/postgres-global-setup.ts'],
    setupFiles: [...setupFiles, 'server/src/testing/postgres-setup.ts']
  }
};

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: [
            'server/**/*.spec.ts',
            'shared/**/*.spec.ts',
            'printers/**/*.spec.ts',
            'scripts/**/*.spec.ts',
            // The town hall's installation: systemd units, Caddyfile, install.sh.
            'deploy/**/*.spec.ts',
            // Plain modules of the web app (no Svelte component): tested as they are.
            'kiosk/src/lib/**/*.spec.ts'
          ],
          setupFiles: [...setupFiles, 'server/src/testing/sqlite-setup.ts']
        }
      },
      postgresProject
    ]
  }
});
