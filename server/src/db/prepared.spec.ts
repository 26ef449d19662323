/**
 * Prepared queries on a real SQLite store. On PostgreSQL they run in every server spec of the
 * `postgres` project (the call, keystroke and audit statements are prepared ones).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type Store } from '../store';
import { openDatabase, type Db } from './database';
import { changed, first, prepare } from './prepared';

let db: Db;
let store: Store;

beforeEach(() => {
  db = openDatabase(':memory:');
  store = createSqliteStore(db);
  db.exec(`INSERT INTO sites (id, name, address, phone, timezone, is_demo, created_at, reception_hint, opening_hours)
           VALUES ('s1', 'Mairie', '', '', 'Europe/Paris', 0, '2026-12-01', '', '[]')`);
});
afterEach(() => db.close());

const byName = () =>
  prepare(store.executor, (q, p: { name: string }) =>
    q.selectFrom('sites').select(['id', 'name']).where('name', '=', p.name).where('is_demo', '=', 0).limit(1)
  );

describe('prepare', () => {
  it('compiles once and runs with each call’s values; constants of the query stay', async () => {
    const compiled: string[] = [];
    const find = prepare(store.executor, (q, p: { name: string }) => {
      const query = q.selectFrom('sites').select(['id', 'name']).where('name', '=', p.name).where('is_demo', '=', 0).limit(1);
      compiled.push(query.compile().sql);
      return query;
    });
    expect(await first(find({ name: 'Mairie' }))).toEqual({ id: 's1', name: 'Mairie' });
    expect(await first(find({ name: 'Ailleurs' }))).toBeUndefined();
    db.exec(`UPDATE sites SET is_demo = 1`);
    // The constant 0 is still bound: the demo site is not found any more.
    expect(await first(find({ name: 'Mairie' }))).toBeUndefined();
    expect(compiled).toHaveLength(1);
  });

  it('writes inside the current transaction: rolled back with it', async () => {
    const rename = prepare(store.executor, (q, p: { id: string; name: string }) =>
      q.updateTable('sites').set({ name: p.name }).where('id', '=', p.id)
    );
    await expect(
      store.transaction(async () => {
        expect(await changed(rename({ id: 's1', name: 'Renommée' }))).toBe(1);
        throw new Error('refused later in the command');
      })
    ).rejects.toThrow('refused later');
    expect(await first(byName()({ name: 'Mairie' }))).toEqual({ id: 's1', name: 'Mairie' });
    expect(await changed(rename({ id: 'absent', name: 'x' }))).toBe(0);
  });

  it('refuses a placeholder turned into text or JSON, and a missing value, before anything runs', async () => {
    const stringified = prepare(store.executor, (q, p: { name: string }) =>
      q
        .updateTable('sites')
        .set({ name: JSON.stringify(p.name) })
        .where('id', '=', 's1')
    );
    await expect(stringified({ name: 'x' })).rejects.toThrow('"name" is a placeholder');
    const templated = prepare(store.executor, (q, p: { id: string }) =>
      q
        .updateTable('sites')
        .set({ name: `site ${p.id}` })
        .where('id', '=', 's1')
    );
    await expect(templated({ id: 'x' })).rejects.toThrow('"id" is a placeholder');
    await expect(byName()({} as { name: string })).rejects.toThrow('no value for "name"');
    expect((await sql<{ name: string }>`SELECT name FROM sites`.execute(store.executor.db())).rows).toEqual([{ name: 'Mairie' }]);
  });
});
