/**
 * Without GUICHET_DATABASE_URL the store stays the SQLite file in the data folder, opened as
 * `openDatabase` opens it. (PostgreSQL's side is opened by `executor.postgres.spec.ts`.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { readMigrations } from './migrate';
import { migrationsDir } from './database';
import { openStore } from './open-store';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-store-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('opens the SQLite file of the data folder, migrated, when no database URL is set', async () => {
    const config = parseConfig({ GUICHET_DATA_DIR: dir });
    const store = await openStore(config);
    expect(store.engine).toBe('sqlite');
    expect(store.executor.engine).toBe('sqlite');
    expect(store.sqlite?.name).toBe(path.join(dir, 'guichet.sqlite'));
    expect(store.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal');
    const applied = await store.executor.db().selectFrom('schema_migrations').select('name').orderBy('version').execute();
    expect(applied.map((m) => m.name)).toEqual(readMigrations(migrationsDir).map((m) => m.name));
    await store.close();
    expect(store.sqlite?.open).toBe(false);
  });
});
