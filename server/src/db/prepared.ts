/**
 * Queries built and compiled once, then run with new values. On the hot paths (a keystroke, a
 * ring) building Kysely's operation tree and compiling it to SQL at every call cost more than
 * SQLite takes to run most of the statements, and made garbage at every call.
 *
 *   const byId = prepare(ex, (db, p: { id: string }) => db.selectFrom('help_calls').selectAll().where('id', '=', p.id));
 *   const row = await first(byId({ id }));
 *
 * `p` hands out placeholders: the query is compiled with them once, on first use, and each run
 * puts the values given in their places. A placeholder must reach the builder as it is: turned
 * into text or JSON it throws, since the SQL compiled from it would not hold the value.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Executor } from './executor';
import type { Database } from './schema';

class Placeholder {
  constructor(readonly name: string) {}
  private refuse(): never {
    throw new Error(`prepare: the parameter "${this.name}" is a placeholder; pass the value the SQL needs as it is`);
  }
  toJSON(): never {
    return this.refuse();
  }
  toString(): never {
    return this.refuse();
  }
  valueOf(): never {
    return this.refuse();
  }
}

const placeholders = new Proxy({} as Record<string, Placeholder>, {
  get: (_target, name) => new Placeholder(String(name))
});

interface Compiled {
  sql: string;
  /** For each SQL parameter, where its value comes from: a named value of the call, or a constant. */
  values: ({ name: string } | { constant: unknown })[];
}

function compile<P, R>(db: Kysely<Database>, build: (db: Kysely<Database>, p: P) => Compilable<R>): Compiled {
  const { sql, parameters } = build(db, placeholders as P).compile();
  return {
    sql,
    values: parameters.map((value) => (value instanceof Placeholder ? { name: value.name } : { constant: value }))
  };
}

export type Prepared<P, R> = (params: P) => Promise<QueryResult<R>>;

export function prepare<P extends object, R>(ex: Executor, build: (db: Kysely<Database>, p: P) => Compilable<R>): Prepared<P, R> {
  let compiled: Compiled | null = null;
  return (params: P): Promise<QueryResult<R>> => {
    let query: CompiledQuery;
    try {
      compiled ??= compile(ex.db(), build);
      const values = compiled.values.map((source) => {
        if ('constant' in source) return source.constant;
        const value = (params as Record<string, unknown>)[source.name];
        // Kysely leaves an undefined column out of an INSERT; a prepared one has it already.
        if (value === undefined) throw new Error(`prepare: no value for "${source.name}" (null, not undefined, writes NULL)`);
        return value;
      });
      query = CompiledQuery.raw(compiled.sql, values);
    } catch (error) {
      // Refused as a query's failure is: a rejected promise, never a throw at the call.
      return Promise.reject(error as Error);
    }
    return ex.run<R>(query);
  };
}

/** The first row, if any: `executeTakeFirst` for a prepared query. */
export async function first<R>(result: Promise<QueryResult<R>>): Promise<R | undefined> {
  return (await result).rows[0];
}

/** The rows changed by a prepared write. */
export async function changed(result: Promise<QueryResult<unknown>>): Promise<number> {
  return Number((await result).numAffectedRows ?? 0n);
}
