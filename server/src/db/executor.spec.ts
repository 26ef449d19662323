/**
 * Transactions on the one SQLite connection once commands await: a transaction owns the
 * connection until it ends, other commands' statements wait for it, and its own run at once.
 * On a real database file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database';
import { createSqliteExecutor, type Executor } from './executor';

let dir: string;
let db: Db;
let ex: Executor;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-executor-'));
  db = openDatabase(path.join(dir, 'guichet.sqlite'));
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
  ex = createSqliteExecutor(db);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const insert = (text: string) => ex.turn(() => db.prepare('INSERT INTO notes (text) VALUES (?)').run(text));
const texts = () => (db.prepare('SELECT text FROM notes ORDER BY id').pluck().all() as string[]).join(',');
/** Lets every pending callback run: what another command would do while this one awaits. */
const elsewhere = () => new Promise((resolve) => setImmediate(resolve));

describe('the store executor', () => {
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
    expect(texts()).toBe('a,b');
    expect(db.inTransaction).toBe(false);
  });

  it('makes another command’s write wait until the open transaction ends, so a rollback does not take it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const mine = ex.transaction(async () => {
      await insert('mine');
      await gate;
      throw new Error('rolled back');
    });
    await elsewhere();
    // Another command writes while the transaction awaits.
    const theirs = insert('theirs');
    await elsewhere();
    expect(texts()).toBe('mine');
    release();
    await expect(mine).rejects.toThrow('rolled back');
    await theirs;
    expect(texts()).toBe('theirs');
  });

  it('runs two transactions one after the other, never interleaved', async () => {
    const order: string[] = [];
    const one = ex.transaction(async () => {
      order.push('one:begin');
      await elsewhere();
      await insert('1');
      order.push('one:end');
    });
    const two = ex.transaction(async () => {
      order.push('two:begin');
      await insert('2');
      order.push('two:end');
    });
    await Promise.all([one, two]);
    expect(order).toEqual(['one:begin', 'one:end', 'two:begin', 'two:end']);
    expect(texts()).toBe('1,2');
  });

  it('joins an open transaction: the inner one’s writes are rolled back with the outer one', async () => {
    await expect(
      ex.transaction(async () => {
        await ex.transaction(async () => insert('inner'));
        expect(ex.inTransaction()).toBe(true);
        throw new Error('outer fails');
      })
    ).rejects.toThrow('outer fails');
    expect(texts()).toBe('');
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
        throw new Error('no');
      })
      .catch(() => undefined);
    ex.afterCommit(() => seen.push('at once'));
    expect(seen).toEqual(['committed', 'rolled back', 'at once']);
  });

  it('does not let work left behind by an ended transaction write into the next one, or join it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let late: Promise<unknown> | undefined;
    let lateFails: Promise<unknown> | undefined;
    await ex.transaction(async () => {
      // Scheduled inside this transaction, run after it has committed: it keeps its async context.
      void gate.then(() => {
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
        release();
        await elsewhere();
        expect(late === undefined).toBe(false);
        expect(texts()).toBe('');
        throw new Error('second fails');
      })
    ).rejects.toThrow('second fails');
    await late;
    expect(await lateFails).toBe('late work fails');
    expect(texts()).toBe('late');
  });

  it('runs the query builder’s queries in the same turns: inside the transaction, or after it', async () => {
    const insertBuilt = (text: string) =>
      ex
        .db()
        .insertInto('notes' as never)
        .values({ text } as never)
        .execute();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const mine = ex.transaction(async () => {
      await insertBuilt('mine');
      await gate;
      throw new Error('rolled back');
    });
    await elsewhere();
    const theirs = insertBuilt('theirs');
    await elsewhere();
    expect(texts()).toBe('mine');
    release();
    await expect(mine).rejects.toThrow('rolled back');
    await theirs;
    expect(texts()).toBe('theirs');
    // Prepared once, whatever the number of calls.
    await insertBuilt('again');
    expect(texts()).toBe('theirs,again');
  });
});
