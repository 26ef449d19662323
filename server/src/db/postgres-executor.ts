/**
 * The executor over PostgreSQL, in a module of its own: the `pg` driver is loaded only when a
 * server is given a PostgreSQL URL (a hall on SQLite never loads it, and keeps its memory).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, PostgresDialect, type CompiledQuery, type QueryResult } from 'kysely';
import pg from 'pg';
import { transactionHooks, type Executor, type OpenTransaction } from './executor';
import { hearConnectionErrors } from './pg-errors';
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
  /** The transaction's connection, as the query builder is given it (see `lazyBegin`). */
  client: TransactionClient;
}

export interface PostgresExecutor extends Executor {
  readonly engine: 'postgres';
  /** Ends the pool (and its connections). */
  close(): Promise<void>;
}

/** What the query builder's driver calls on a connection: `query`, and `release` once done with it. */
interface TransactionClient {
  /** `name`: a prepared statement's (see `run`). */
  query(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult>;
  release(): void;
  /** True once BEGIN has been sent: there is something to commit or roll back. */
  readonly begun: boolean;
}

/**
 * A transaction's connection that sends BEGIN with its first statement, not when the command
 * starts: a command whose first step needs no database (a keystroke sent on from the copy of the
 * session, `sessions.service.ts`) does it before any round trip, and one that ends up reading or
 * writing nothing costs none. The builder releases it after each statement: a no-op, the
 * transaction gives it back to the pool at its end.
 */
function lazyBegin(client: pg.PoolClient): TransactionClient {
  let begun = false;
  // One statement at a time on the connection, in the order they were asked for (statements run
  // side by side in one command, `Promise.all`, wait for each other), as the driver requires.
  let previous: Promise<unknown> = Promise.resolve();
  const send = (text: string, values: unknown[] | undefined, name: string | undefined): Promise<pg.QueryResult> => {
    if (begun) return client.query({ text, values, name });
    begun = true;
    return new Promise((resolve, reject) => {
      const query = new BeginThen(text, values, name, (error, result) => (error ? reject(error) : resolve(result)));
      client.query(query as unknown as pg.Submittable);
    });
  };
  return {
    get begun() {
      return begun;
    },
    query(text, values, name) {
      const result = previous.then(() => send(text, values, name));
      previous = result.catch(() => undefined);
      return result;
    },
    release: () => undefined
  };
}

/** The parts of the driver's connection a statement writes its messages with. */
interface WireConnection {
  parse(message: { text: string }): void;
  bind(message: object): void;
  execute(message: object): void;
}

/**
 * A transaction's first statement, with BEGIN written just before it: in the extended protocol
 * several statements may go before the one Sync that asks for the answers, so both are sent in
 * one write and answered in one round trip. BEGIN's own completion is not the statement's.
 * The driver's own query, told two methods more (the same the driver's cursor uses).
 */
class BeginThen extends (pg.Query as unknown as new (config: pg.QueryConfig & { queryMode: 'extended'; callback: unknown }) => {
  prepare(connection: WireConnection): void;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
}) {
  private beganHere = false;
  constructor(
    text: string,
    values: unknown[] | undefined,
    name: string | undefined,
    callback: (error: Error | null, result: pg.QueryResult) => void
  ) {
    super({ text, values, name, queryMode: 'extended', callback });
  }
  override prepare(connection: WireConnection): void {
    connection.parse({ text: 'BEGIN' });
    connection.bind({});
    connection.execute({});
    super.prepare(connection);
  }
  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (!this.beganHere) {
      this.beganHere = true;
      return;
    }
    super.handleCommandComplete(message, connection);
  }
}

/**
 * The prepared queries' SQL (`prepared.ts`, a fixed set), each with a name: each connection parses
 * it once, and PostgreSQL may keep its plan, instead of parsing and planning it at every run. The
 * statements a ring or a keystroke makes are among them.
 */
const statementNames = new Map<string, string>();
function nameOf(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `guichet_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** A driver's result as the query builder gives it (its PostgreSQL driver does the same). */
function resultOf<R>({ command, rowCount, rows }: pg.QueryResult): QueryResult<R> {
  const written = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
  return { numAffectedRows: written ? BigInt(rowCount ?? 0) : undefined, rows: (rows ?? []) as R[] };
}

/**
 * The same executor over a pool of PostgreSQL connections. There, transactions of different
 * commands truly run at once, each on its own connection; what was serialised by the one SQLite
 * connection is now the database's job (row locks, conditional writes, unique indexes). Statements
 * outside a transaction take any free connection. Takes over the pool: `close()` ends it.
 */
export function createPostgresExecutor(poolOrUrl: pg.Pool | string): PostgresExecutor {
  const pool = typeof poolOrUrl === 'string' ? new pg.Pool({ connectionString: poolOrUrl }) : poolOrUrl;
  // A connection the server closed (restart, failover) must not end the process (see pg-errors).
  if (typeof poolOrUrl === 'string') hearConnectionErrors(pool, () => undefined);
  const context = new AsyncLocalStorage<OpenPgTransaction>();

  const current = (): OpenPgTransaction | null => {
    const transaction = context.getStore();
    return transaction?.open ? transaction : null;
  };

  // One query builder: a statement of a command inside its transaction runs on that transaction's
  // connection, any other on a connection of the pool.
  const routed = {
    connect: () => {
      const transaction = current();
      return transaction ? Promise.resolve(transaction.client) : pool.connect();
    },
    end: () => pool.end()
  };
  const root = new Kysely<Database>({ dialect: new PostgresDialect({ pool: routed as unknown as pg.Pool }) });

  async function end(client: pg.PoolClient, transaction: OpenPgTransaction, failure: unknown): Promise<void> {
    if (!transaction.client.begun) return client.release();
    if (failure === undefined) {
      await client.query('COMMIT');
      return client.release();
    }
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (error) {
      // A connection that cannot even roll back is not given to the next command.
      client.release(error as Error);
    }
  }

  return {
    engine: 'postgres',
    db: () => root,
    async run<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const name = nameOf(query.sql);
      const values = [...query.parameters];
      const transaction = current();
      const result = transaction
        ? await transaction.client.query(query.sql, values, name)
        : await pool.query({ text: query.sql, values, name });
      return resultOf<R>(result);
    },

    async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
      if (current()) return fn();
      const client = await pool.connect();
      const transaction: OpenPgTransaction = { open: true, client: lazyBegin(client), afterCommit: [], onRollback: [] };
      let result: T;
      try {
        try {
          result = await context.run(transaction, fn);
        } finally {
          // Closed as soon as `fn` ends, before the COMMIT or ROLLBACK is sent: work it left
          // behind then runs on its own, never on a connection that is finishing its transaction.
          transaction.open = false;
        }
      } catch (error) {
        await end(client, transaction, error);
        for (const undo of transaction.onRollback) undo();
        throw error;
      }
      try {
        await end(client, transaction, undefined);
      } catch (error) {
        // The COMMIT failed: nothing of the transaction was kept.
        client.release(error as Error);
        for (const undo of transaction.onRollback) undo();
        throw error;
      }
      for (const then of transaction.afterCommit) then();
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
