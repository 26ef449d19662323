/**
 * The executor over PostgreSQL, in a module of its own: the `pg` driver is loaded only when a
 * server is given a PostgreSQL URL (a hall on SQLite never loads it, and keeps its memory).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, PostgresDialect, type CompiledQuery, type Transaction } from 'kysely';
import pg from 'pg';
import { transactionHooks, type Executor, type OpenTransaction } from './executor';
import type { Database } from './schema';

/**
 * node-postgres returns int8 (COUNT(*), SUM, identity ids, login_limits' times) as strings, since
 * a JS number cannot hold every int8. Ours all fit: they come back as numbers, as on SQLite, and
 * one that does not fit fails loudly instead of being rounded.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 ${text} is beyond what Guichet reads as a number`);
  return value;
});

interface OpenPgTransaction extends OpenTransaction {
  trx: Transaction<Database>;
}

export interface PostgresExecutor extends Executor {
  readonly engine: 'postgres';
  /** Ends the pool (and its connections). */
  close(): Promise<void>;
}

/**
 * The same executor over a pool of PostgreSQL connections. There, transactions of different
 * commands truly run at once, each on its own connection; what was serialised by the one SQLite
 * connection is now the database's job (row locks, conditional writes, unique indexes). Statements
 * outside a transaction take any free connection. Takes over the pool: `close()` ends it.
 */
export function createPostgresExecutor(poolOrUrl: pg.Pool | string): PostgresExecutor {
  const pool = typeof poolOrUrl === 'string' ? new pg.Pool({ connectionString: poolOrUrl }) : poolOrUrl;
  // An idle connection the server closed (restart, failover) is dropped by the pool, which opens
  // a new one for the next query; unheard, that error would end the process.
  if (typeof poolOrUrl === 'string') pool.on('error', () => undefined);
  const root = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const context = new AsyncLocalStorage<OpenPgTransaction>();

  const current = (): OpenPgTransaction | null => {
    const transaction = context.getStore();
    return transaction?.open ? transaction : null;
  };

  return {
    engine: 'postgres',
    db: () => current()?.trx ?? root,
    run: <R>(query: CompiledQuery) => (current()?.trx ?? root).executeQuery(query as CompiledQuery<R>),

    async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
      if (current()) return fn();
      let transaction: OpenPgTransaction | undefined;
      let result: T;
      try {
        result = await root.transaction().execute((trx) => {
          const open: OpenPgTransaction = { open: true, trx, afterCommit: [], onRollback: [] };
          transaction = open;
          // Closed as soon as `fn` ends, before the COMMIT or ROLLBACK is sent: work it left
          // behind then runs on its own, never on a connection that is finishing its transaction.
          return context.run(open, async () => {
            try {
              return await fn();
            } finally {
              open.open = false;
            }
          });
        });
      } catch (error) {
        if (transaction) {
          for (const undo of transaction.onRollback) undo();
        }
        throw error;
      }
      for (const then of transaction!.afterCommit) then();
      return result;
    },

    turn<T>(): Promise<T> {
      return Promise.reject(
        new Error('turn() runs better-sqlite3 statements, which do not exist on PostgreSQL: write the repository with db()')
      );
    },

    ...transactionHooks(current),

    close: () => root.destroy()
  };
}
