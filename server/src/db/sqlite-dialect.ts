/**
 * The query builder over Guichet's one SQLite connection. Kysely's own SQLite driver is not used
 * for two reasons: it prepares every statement again at each call (preparing costs more than
 * running most of ours), and it would keep a lock of its own beside the executor's, so a query of
 * one command could run inside another command's open transaction. Here each query runs at the
 * executor's turn, checked at the moment it runs, and statements are prepared once.
 */
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Driver,
  type QueryResult
} from 'kysely';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import type { Database } from './schema';

/** More distinct statements than Guichet has: the cache never evicts in normal running. */
const statementsKept = 500;

type Turn = <T>(fn: () => T) => Promise<T>;

function statementCache(db: Db) {
  const kept = new Map<string, Statement>();
  return (sql: string): Statement => {
    let statement = kept.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      if (kept.size >= statementsKept) kept.delete(kept.keys().next().value!);
      kept.set(sql, statement);
    }
    return statement;
  };
}

/**
 * The query builder, and `run`: a compiled query straight to the connection (prepared queries,
 * `prepared.ts`), without Kysely's own round of promises around it.
 */
export function createSqliteKysely(
  db: Db,
  turn: Turn
): { kysely: Kysely<Database>; run: <R>(query: CompiledQuery) => Promise<QueryResult<R>> } {
  const prepare = statementCache(db);
  const connection: DatabaseConnection = {
    executeQuery<R>({ sql, parameters }: CompiledQuery): Promise<QueryResult<R>> {
      return turn(() => {
        const statement = prepare(sql);
        if (statement.reader) return { rows: statement.all(parameters) as R[] };
        const { changes, lastInsertRowid } = statement.run(parameters);
        return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
      });
    },
    streamQuery() {
      throw new Error('Guichet reads rows whole: streaming is not used');
    }
  };
  const refuse = () => {
    throw new Error('Transactions go through store.transaction(), which owns the connection');
  };
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection,
    beginTransaction: async () => refuse(),
    commitTransaction: async () => refuse(),
    rollbackTransaction: async () => refuse(),
    releaseConnection: async () => undefined,
    destroy: async () => undefined
  };
  const kysely = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createQueryCompiler: () => new SqliteQueryCompiler(),
      createIntrospector: (kysely) => new SqliteIntrospector(kysely)
    }
  });
  return { kysely, run: (query) => connection.executeQuery(query) };
}
