/**
 * The store executor on PostgreSQL: the same promises as on SQLite (all or nothing, nested
 * transactions join, after-commit and rollback work, an ended transaction never used again), but
 * transactions of different commands truly run at once, each on its own pooled connection, so what
 * the one SQLite connection serialised now rests on the database: the first accept of a call wins
 * by its conditional UPDATE. On a real throwaway cluster.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { createHelpCallsRepository } from '../calls/help-calls.repository';
import { createPostgresExecutor, type PostgresExecutor } from './postgres-executor';
import { changed, prepare } from './prepared';
import { openStore, type OpenStore } from './open-store';

let cluster: PgCluster;
let store: OpenStore;
let ex: PostgresExecutor;
/** A connection of the spec's own, outside the executor: it sees only what was committed. */
let observer: pg.Client;

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  store = await openStore({ databaseUrl: cluster.url, databaseFile: '', backupDir: '', backupsKept: 1 });
  ex = store.executor as PostgresExecutor;
  observer = new pg.Client({ connectionString: cluster.url });
  await observer.connect();
  await observer.query('CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, text text NOT NULL)');
}, 60_000);
afterAll(async () => {
  await observer?.end();
  await store?.close();
  await cluster?.stop();
});
beforeEach(async () => {
  await observer.query('TRUNCATE notes');
});

const insert = (text: string) => sql`INSERT INTO notes (text) VALUES (${text})`.execute(ex.db());
/** What is committed, as another connection sees it. */
const texts = async () =>
  (await observer.query<{ text: string }>('SELECT text FROM notes ORDER BY id')).rows.map((r) => r.text).join(',');
/** Lets every pending callback run: what another command would do while this one awaits. */
const elsewhere = () => new Promise((resolve) => setImmediate(resolve));
function gate() {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { open, passed };
}

describe('the store executor on PostgreSQL', () => {
  it('says its engine and refuses better-sqlite3 statements', async () => {
    expect(store.engine).toBe('postgres');
    expect(ex.engine).toBe('postgres');
    expect(store.sqlite).toBeUndefined();
    await expect(ex.turn(() => 1)).rejects.toThrow(/better-sqlite3.*PostgreSQL/);
  });

  it('commits a transaction’s writes together, and a failure rolls all of them back', async () => {
    await ex.transaction(async () => {
      await insert('a');
      await elsewhere();
      await insert('b');
    });
    await expect(
      ex.transaction(async () => {
        await insert('c');
        await elsewhere();
        throw new Error('disk full');
      })
    ).rejects.toThrow('disk full');
    expect(await texts()).toBe('a,b');
  });

  it('keeps a transaction’s writes unseen by others until it commits', async () => {
    const { open, passed } = gate();
    const mine = ex.transaction(async () => {
      await insert('mine');
      // Inside, the query builder is the transaction's: it reads its own write.
      const inside = await sql<{ n: number }>`SELECT count(*) AS n FROM notes`.execute(ex.db());
      expect(inside.rows[0]!.n).toBe(1);
      await passed;
    });
    await elsewhere();
    expect(await texts()).toBe('');
    open();
    await mine;
    expect(await texts()).toBe('mine');
  });

  it('runs another command’s transaction while one is open, each on its own connection', async () => {
    const { open, passed } = gate();
    const mine = ex.transaction(async () => {
      await insert('mine');
      await passed;
      throw new Error('rolled back');
    });
    await elsewhere();
    // On SQLite this would wait for `mine` to end: here it commits while `mine` is still open.
    await ex.transaction(async () => insert('theirs'));
    expect(await texts()).toBe('theirs');
    open();
    await expect(mine).rejects.toThrow('rolled back');
    expect(await texts()).toBe('theirs');
  });

  it('joins an open transaction: the inner one’s writes are rolled back with the outer one', async () => {
    await expect(
      ex.transaction(async () => {
        const outer = ex.db();
        await ex.transaction(async () => {
          expect(ex.db()).toBe(outer);
          await insert('inner');
        });
        expect(ex.inTransaction()).toBe(true);
        throw new Error('outer fails');
      })
    ).rejects.toThrow('outer fails');
    expect(ex.inTransaction()).toBe(false);
    expect(await texts()).toBe('');
  });

  it('runs after-commit work only on commit and roll-back work only on rollback', async () => {
    const seen: string[] = [];
    await ex.transaction(async () => {
      ex.afterCommit(() => seen.push('committed'));
      ex.onRollback(() => seen.push('wrong'));
      await insert('x');
      expect(seen).toEqual([]);
    });
    await ex
      .transaction(async () => {
        ex.afterCommit(() => seen.push('wrong'));
        ex.onRollback(() => seen.push('rolled back'));
        await insert('y');
        throw new Error('no');
      })
      .catch(() => undefined);
    ex.afterCommit(() => seen.push('at once'));
    ex.onRollback(() => seen.push('wrong'));
    expect(seen).toEqual(['committed', 'rolled back', 'at once']);
    expect(await texts()).toBe('x');
  });

  it('runs roll-back work when the commit itself fails', async () => {
    await observer.query(
      'CREATE TABLE IF NOT EXISTS late_checked (id integer PRIMARY KEY, ref integer NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED)'
    );
    const seen: string[] = [];
    await expect(
      ex.transaction(async () => {
        ex.afterCommit(() => seen.push('wrong'));
        ex.onRollback(() => seen.push('rolled back'));
        // Checked only at COMMIT: the transaction's function succeeds, its commit does not.
        await sql`INSERT INTO late_checked (id, ref) VALUES (1, 1), (2, 1)`.execute(ex.db());
      })
    ).rejects.toThrow(/duplicate key/);
    expect(seen).toEqual(['rolled back']);
  });

  it('does not let work left behind by an ended transaction write into the next one, or join it', async () => {
    const { open, passed } = gate();
    let late: Promise<unknown> | undefined;
    let lateFails: Promise<unknown> | undefined;
    await ex.transaction(async () => {
      // Scheduled inside this transaction, run after it has committed: it keeps its async context.
      void passed.then(() => {
        late = insert('late');
        lateFails = ex
          .transaction(async () => {
            await insert('half');
            throw new Error('late work fails');
          })
          .then(
            () => 'committed',
            (error: Error) => error.message
          );
      });
    });
    await expect(
      ex.transaction(async () => {
        open();
        await elsewhere();
        expect(late === undefined).toBe(false);
        await late;
        throw new Error('second fails');
      })
    ).rejects.toThrow('second fails');
    expect(await lateFails).toBe('late work fails');
    expect(await texts()).toBe('late');
  });

  it('sends BEGIN with a transaction’s first statement, in one round trip, and none for a transaction that does nothing', async () => {
    // An executor of the spec's own, on a pool whose connections count the database's answers
    // that end a round trip (ReadyForQuery).
    const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
    let roundTrips = 0;
    pool.on('connect', (client) => {
      (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('readyForQuery', () => roundTrips++);
    });
    const own = createPostgresExecutor(pool);
    try {
      await sql`SELECT 1`.execute(own.db());
      roundTrips = 0;
      const rows = await own.transaction(async () => {
        const inserted = await sql`INSERT INTO notes (text) VALUES ('premier') RETURNING text`.execute(own.db());
        expect(inserted.numAffectedRows).toBe(1n);
        return inserted.rows;
      });
      expect(rows).toEqual([{ text: 'premier' }]);
      // The first statement with its BEGIN, then the COMMIT.
      expect(roundTrips).toBe(2);
      expect(await texts()).toBe('premier');

      roundTrips = 0;
      expect(await own.transaction(() => Promise.resolve('rien'))).toBe('rien');
      await expect(own.transaction(() => Promise.reject(new Error('refusé')))).rejects.toThrow('refusé');
      expect(roundTrips).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('statements a command sends side by side in a transaction reach its connection one at a time, in order', async () => {
    const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
    // What the connection was still busy with whenever it was handed a statement.
    const busy: number[] = [];
    pool.on('connect', (client) => {
      const raw = client as unknown as { query: (...args: unknown[]) => unknown; activeQuery: unknown; queryQueue: unknown[] };
      const query = raw.query.bind(raw);
      raw.query = (...args: unknown[]) => {
        busy.push((raw.activeQuery ? 1 : 0) + raw.queryQueue.length);
        return query(...args);
      };
    });
    const own = createPostgresExecutor(pool);
    try {
      await own.transaction(() =>
        Promise.all(['un', 'deux', 'trois'].map((text) => sql`INSERT INTO notes (text) VALUES (${text})`.execute(own.db())))
      );
      expect(await texts()).toBe('un,deux,trois');
      expect(busy.length).toBeGreaterThanOrEqual(4);
      expect(busy.every((n) => n === 0)).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('a first statement the database refuses fails with its own error, and its connection serves the next one', async () => {
    const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
    const own = createPostgresExecutor(pool);
    try {
      await expect(own.transaction(() => sql`SELECT * FROM no_such_table`.execute(own.db()))).rejects.toThrow(
        /relation "no_such_table" does not exist/
      );
      // On the same, one connection: had it been left in the failed transaction, this would fail too.
      await own.transaction(() => sql`INSERT INTO notes (text) VALUES ('ensuite')`.execute(own.db()));
      expect(await texts()).toBe('ensuite');
    } finally {
      await own.close();
    }
  });

  it('parses a prepared query once per connection, and gives what the query builder gives', async () => {
    const add = prepare(ex, (db, p: { text: string }) => db.insertInto('notes' as never).values({ text: p.text } as never));
    const byText = prepare(ex, (db, p: { text: string }) =>
      db
        .selectFrom('notes' as never)
        .select('text' as never)
        .where('text' as never, '=', p.text as never)
    );
    const prepared = await ex.transaction(async () => {
      expect(await changed(add({ text: 'a' }))).toBe(1);
      expect(await changed(add({ text: 'b' }))).toBe(1);
      expect((await byText({ text: 'b' })).rows).toEqual([{ text: 'b' }]);
      // Asked on the transaction's own connection: what it holds prepared.
      return (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(ex.db()))
        .rows;
    });
    const insertSql = prepared.filter((p) => p.statement.startsWith('insert into "notes"'));
    expect(insertSql).toHaveLength(1);
    expect(insertSql[0]!.name).toMatch(/^guichet_\d+$/);
    expect(prepared.filter((p) => p.statement.startsWith('select "text" from "notes"'))).toHaveLength(1);
    expect(await texts()).toBe('a,b');
    // Outside a transaction, on any connection of the pool, and after a refused value.
    await expect(add({ text: null as unknown as string })).rejects.toThrow(/null value/);
    expect((await byText({ text: 'a' })).rows).toEqual([{ text: 'a' }]);
    expect((await byText({ text: 'z' })).rows).toEqual([]);
  });

  it('gives int8 values back as numbers, and refuses one a number cannot hold', async () => {
    const counted = await sql<{ n: number }>`SELECT count(*) AS n FROM generate_series(1, 3)`.execute(ex.db());
    expect(counted.rows[0]!.n).toBe(3);
    await expect(sql`SELECT 9007199254740993::bigint AS n`.execute(ex.db())).rejects.toThrow(/9007199254740993/);
  });

  it('lets only the first of two concurrent accepts of a call win', async () => {
    const at = '2026-12-03T09:00:00.000Z';
    await observer.query(`INSERT INTO sites (id, name, created_at) VALUES ('s1', 'Mairie', '${at}')`);
    await observer.query(
      `INSERT INTO accounts (id, site_id, role, login, first_name, secret_hash, created_at) VALUES
       ('a1', 's1', 'agent', 'lea', 'Léa', 'x', '${at}'), ('a2', 's1', 'agent', 'tom', 'Tom', 'x', '${at}')`
    );
    const calls = createHelpCallsRepository(ex);
    await calls.insert({
      id: 'c1',
      siteId: 's1',
      sessionId: null,
      terminalId: null,
      requestId: 'r1',
      reason: 'help',
      service: null,
      status: 'ringing',
      unansweredReason: null,
      createdAt: at,
      ringingSince: at,
      endedAt: null
    });

    const { open, passed } = gate();
    const accepted = gate();
    const first = ex.transaction(async () => {
      const won = await calls.accept('c1', 's1', 'a1', at);
      accepted.open();
      // Holds the row's lock until released: the second accept must wait for this commit.
      await passed;
      return won;
    });
    // The first UPDATE is done (its row locked) before the second starts, however slow the machine.
    await accepted.passed;
    const second = ex.transaction(() => calls.accept('c1', 's1', 'a2', at));
    // The second transaction's UPDATE is running and blocked on the first one's row lock.
    for (;;) {
      const { rows } = await observer.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'update \"help_calls\"%'"
      );
      if (rows[0]!.n === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    open();
    expect(await Promise.all([first, second])).toEqual([true, false]);
    expect((await calls.findById('c1'))?.agentId).toBe('a1');
  });
});
