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
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Db } from './database';
import type { Database } from './schema';
import { createSqliteKysely } from './sqlite-dialect';

export interface OpenTransaction {
  /** False once committed or rolled back: work left behind by the command must not use it. */
  open: boolean;
  afterCommit: (() => void)[];
  onRollback: (() => void)[];
  /** What a service keeps for the length of this transaction (`transactionLocal`). */
  locals?: Map<object, unknown>;
}

export type Engine = 'sqlite' | 'postgres';

export interface Executor {
  readonly engine: Engine;
  /** The query builder: inside a transaction, its queries are part of it. */
  db(): Kysely<Database>;
  /** Runs a compiled query, in the current transaction if there is one (see `prepared.ts`). */
  run<R>(query: CompiledQuery): Promise<QueryResult<R>>;
  /** Runs `fn` in one transaction; inside an open one, `fn` joins it. Rolled back if it throws. */
  transaction<T>(fn: () => Promise<T> | T): Promise<T>;
  /**
   * Runs a synchronous statement when the connection is free, or at once inside its own
   * transaction. SQLite only: for the repositories still written with better-sqlite3.
   */
  turn<T>(fn: () => T): Promise<T>;
  /** True inside a transaction of this command (not one another command has open). */
  inTransaction(): boolean;
  /**
   * A value kept for the length of the current transaction, made by `init` on first use under
   * `key`; null outside a transaction.
   */
  transactionLocal<T>(key: object, init: () => T): T | null;
  /** Runs `fn` once the current transaction commits; at once outside a transaction. */
  afterCommit(fn: () => void): void;
  /** Runs `fn` if the current transaction rolls back; never outside a transaction. */
  onRollback(fn: () => void): void;
}

/** What both executors do alike with the command's open transaction (`current`), if any. */
export function transactionHooks(
  current: () => OpenTransaction | null
): Pick<Executor, 'inTransaction' | 'transactionLocal' | 'afterCommit' | 'onRollback'> {
  return {
    inTransaction: () => current() !== null,

    transactionLocal<T>(key: object, init: () => T): T | null {
      const transaction = current();
      if (!transaction) return null;
      transaction.locals ??= new Map();
      if (!transaction.locals.has(key)) transaction.locals.set(key, init());
      return transaction.locals.get(key) as T;
    },

    afterCommit(fn: () => void): void {
      const transaction = current();
      if (transaction) transaction.afterCommit.push(fn);
      else fn();
    },

    onRollback(fn: () => void): void {
      current()?.onRollback.push(fn);
    }
  };
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

  // Prepared once: `exec` would parse the statement again at every command.
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

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
    db: () => sqlite.kysely,
    run: (query) => sqlite.run(query),

    async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
      if (current()) return fn();
      // Checked and taken in the same step: no other command can slip in between.
      while (holder) await wait();
      const transaction: OpenTransaction = { open: true, afterCommit: [], onRollback: [] };
      holder = transaction;
      let result: T;
      try {
        begin.run();
        result = await context.run(transaction, fn);
        commit.run();
      } catch (error) {
        if (db.inTransaction) rollback.run();
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

    ...transactionHooks(current)
  };
  const sqlite = createSqliteKysely(db, executor.turn);
  return executor;
}
