/**
 * `schema.ts` is written by hand: this compares it with the database the migrations build, so a
 * migration that adds, drops or changes a column cannot leave the query builder's view behind.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database';

interface Column {
  name: string;
  nullable: boolean;
  generated: boolean;
}

/** Each `table: XxxTable` of `Database`, with the columns of that interface. */
function declared(): Map<string, Column[]> {
  const source = fs.readFileSync(new URL('./schema.ts', import.meta.url), 'utf8');
  const bodies = new Map([...source.matchAll(/export interface (\w+) \{([^}]*)\}/g)].map(([, name, body]) => [name, body]));
  const fields = (body: string) => [...body.matchAll(/^\s+(\w+): (.+);$/gm)].map(([, name, type]) => ({ name, type }));
  return new Map(
    fields(bodies.get('Database')!).map(({ name: table, type: tableType }) => [
      table,
      fields(bodies.get(tableType)!).map(({ name, type }) => ({
        name,
        nullable: /\| null\b/.test(type),
        generated: type.startsWith('Generated<')
      }))
    ])
  );
}

function migrated(): Map<string, Column[]> {
  const db = openDatabase(':memory:');
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const out = new Map<string, Column[]>();
  for (const table of tables) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as {
      name: string;
      type: string;
      notnull: number;
      pk: number;
      dflt_value: string | null;
    }[];
    const rowid = columns.filter((c) => c.pk).length === 1;
    out.set(
      table,
      columns.map((c) => ({
        name: c.name,
        nullable: !c.notnull && !c.pk,
        generated: c.dflt_value !== null || (rowid && c.pk > 0 && c.type === 'INTEGER')
      }))
    );
  }
  db.close();
  return out;
}

describe('the query builder’s tables', () => {
  it('are the migrated tables, column by column, with the same nullability and defaults', () => {
    const want = migrated();
    const have = declared();
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [table, columns] of want) {
      expect({ table, columns: have.get(table) }).toEqual({ table, columns });
    }
  });
});
