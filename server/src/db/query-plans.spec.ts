/**
 * No statement reads a whole table that grows with the site's history. Every statement the store
 * prepares is asked for its plan (EXPLAIN QUERY PLAN, on the migrated schema): a `SCAN` of one of
 * these tables means its cost grows with each month of use, on every ring, ticket or print.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store';
import { migrationsDir, openDatabase } from './database';

/** Tables with a row per call, ticket, session, change, print or audited action. */
const growing = [
  'help_calls',
  'tickets',
  'ticket_calls',
  'kiosk_sessions',
  'session_patches',
  'print_jobs',
  'audit_log',
  'printer_faults'
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-plans-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Every statement the store prepares: the repositories that prepare theirs up front do it while
 * the store is made; those written with the query builder prepare a statement when first run, so
 * each of their methods is called once, with arguments that cannot be bound (the statement is
 * prepared, then refused: nothing is read or written).
 */
async function preparedStatements(db: Database.Database): Promise<string[]> {
  const seen: string[] = [];
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    seen.push(sql);
    return prepare.call(this, sql);
  } as typeof prepare;
  // Any field of it is itself; as a value, better-sqlite3 refuses to bind it.
  const unbindable: object = new Proxy(
    {},
    { get: (_target, key) => (key === Symbol.iterator || key === 'toJSON' || key === 'then' ? undefined : unbindable) }
  );
  try {
    const store = createSqliteStore(db);
    for (const repository of Object.values(store)) {
      // The executor is not a repository: its `run` takes a compiled query, any SQL at all.
      if (typeof repository !== 'object' || repository === null || repository === db || repository === store.executor) continue;
      for (const method of Object.values(repository)) {
        if (typeof method !== 'function') continue;
        await Promise.resolve()
          .then(() => method(...Array.from({ length: Math.max(method.length, 4) }, () => unbindable)))
          .catch(() => undefined);
      }
    }
    // A method given a list must be given one (its IN has a placeholder per item), of values that
    // cannot be bound either.
    await store.tickets.waitingCountsIn([unbindable, unbindable] as unknown as string[]).catch(() => undefined);
  } finally {
    Database.prototype.prepare = prepare;
  }
  return [...new Set(seen)];
}

/** The plan's lines, every parameter bound to NULL. */
function plan(db: Database.Database, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((m) => m[1]!))];
  const positional = (sql.replace(/'[^']*'/g, '').match(/\?/g) ?? []).length;
  const args: unknown[] = Array.from({ length: positional }, () => null);
  if (named.length > 0) args.unshift(Object.fromEntries(named.map((n) => [n, null])));
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
}

describe('query plans', () => {
  it('no statement of the store scans a table that grows with history', async () => {
    const db = openDatabase(path.join(dir, 'guichet.sqlite'), migrationsDir);
    const statements = (await preparedStatements(db)).filter((sql) => /^\s*(SELECT|UPDATE|DELETE|WITH)\b/i.test(sql));
    // Not a vacuous pass: the store's reads, changes and deletes are all here.
    expect(statements.length).toBeGreaterThan(80);
    const scans = statements.flatMap((sql) =>
      plan(db, sql)
        .filter((line) => growing.some((table) => new RegExp(`^SCAN ${table}\\b(?! USING (COVERING )?INDEX)`).test(line)))
        .map((line) => `${line}: ${sql.replace(/\s+/g, ' ').trim()}`)
    );
    db.close();
    expect(scans).toEqual([]);
  });
});
