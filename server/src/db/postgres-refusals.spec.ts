/**
 * `npm run backup` and `npm run restore` handle the SQLite file only: on a PostgreSQL store they
 * refuse before touching anything, and name the tooling that backs PostgreSQL up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runScript } from '../testing/scripts';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-pg-refusal-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Nothing listens there: a script that tried to connect would fail otherwise than by refusing.
const env = () => ({ GUICHET_DATA_DIR: dataDir, GUICHET_DATABASE_URL: 'postgres://guichet@127.0.0.1:1/guichet' });

describe('on a PostgreSQL store', () => {
  it('npm run backup refuses, points to pg_dump, and writes no file', async () => {
    const run = await runScript('backup', [], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('store is PostgreSQL');
    expect(run.stderr).toContain('pg_dump');
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('npm run restore refuses, points to pg_restore, and writes no file', async () => {
    const backup = path.join(os.tmpdir(), 'guichet-no-such-backup.sqlite');
    const run = await runScript('restore', [backup], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('store is PostgreSQL');
    expect(run.stderr).toContain('pg_restore');
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
