/**
 * Whose turn it is on the store's connection, now that commands await their reads and writes.
 *
 * With a synchronous store, a command ran from start to end without letting another one in, so
 * each transaction was alone on the connection. Once commands await, another command may run
 * while a transaction is open: on the one SQLite connection its statements would silently join
 * that transaction (and be rolled back with it). So a transaction owns the connection until it
 * ends; statements from elsewhere wait for it; statements from inside it (found through the async
 * context, not passed around) run at once. A nested `transaction` joins the one already open.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Db } from './database';
import type { Database } from './schema';
import { createSqliteKysely } from './sqlite-dialect';

interface OpenTransaction {
  /** False once committed or rolled back: work left behind by the command must not use it. */
  open: boolean;
  afterCommit: (() => void)[];
  onRollback: (() => void)[];
}

export type Engine = 'sqlite' | 'postgres';

export interface Executor {
  readonly engine: Engine;
  /** The query builder: inside a transaction, its queries are part of it. */
  db(): Kysely<Database>;
  /** Runs `fn` in one transaction; inside an open one, `fn` joins it. Rolled back if it throws. */
  transaction<T>(fn: () => Promise<T> | T): Promise<T>;
  /**
   * Runs a synchronous statement when the connection is free, or at once inside its own
   * transaction. SQLite only: for the repositories still written with better-sqlite3.
   */
  turn<T>(fn: () => T): Promise<T>;
  /** True inside a transaction of this command (not one another command has open). */
  inTransaction(): boolean;
  /** Runs `fn` once the current transaction commits; at once outside a transaction. */
  afterCommit(fn: () => void): void;
  /** Runs `fn` if the current transaction rolls back; never outside a transaction. */
  onRollback(fn: () => void): void;
}

export function createSqliteExecutor(db: Db): Executor {
  const context = new AsyncLocalStorage<OpenTransaction>();
  /** The transaction that owns the connection now. */
  let holder: OpenTransaction | null = null;
  let waiting: (() => void)[] = [];

  const current = (): OpenTransaction | null => {
    const transaction = context.getStore();
    return transaction?.open ? transaction : null;
  };

  const wait = () => new Promise<void>((resolve) => waiting.push(resolve));

  function release(): void {
    holder = null;
    const wake = waiting;
    waiting = [];
    for (const resolve of wake) resolve();
  }

  function run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  const executor: Executor = {
    engine: 'sqlite',
    db: () => kysely,

    async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
      if (current()) return fn();
      // Checked and taken in the same step: no other command can slip in between.
      while (holder) await wait();
      const transaction: OpenTransaction = { open: true, afterCommit: [], onRollback: [] };
      holder = transaction;
      let result: T;
      try {
        db.exec('BEGIN');
        result = await context.run(transaction, fn);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        transaction.open = false;
        release();
        for (const undo of transaction.onRollback) undo();
        throw error;
      }
      transaction.open = false;
      release();
      for (const then of transaction.afterCommit) then();
      return result;
    },

    turn<T>(fn: () => T): Promise<T> {
      if (!holder || holder === current()) return run(fn);
      return (async () => {
        while (holder && holder !== current()) await wait();
        return fn();
      })();
    },

    inTransaction: () => current() !== null,

    afterCommit(fn: () => void): void {
      const transaction = current();
      if (transaction) transaction.afterCommit.push(fn);
      else fn();
    },

    onRollback(fn: () => void): void {
      current()?.onRollback.push(fn);
    }
  };
  const kysely = createSqliteKysely(db, executor.turn);
  return executor;
}

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

    inTransaction: () => current() !== null,

    afterCommit(fn: () => void): void {
      const transaction = current();
      if (transaction) transaction.afterCommit.push(fn);
      else fn();
    },

    onRollback(fn: () => void): void {
      current()?.onRollback.push(fn);
    },

    close: () => root.destroy()
  };
}
