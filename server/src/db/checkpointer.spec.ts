/**
 * Emptying the WAL after an erase, on a real database file: deleted text leaves the file (secure
 * delete) and the WAL (TRUNCATE checkpoint), even while another connection reads or the checkpoint
 * worker runs its own rounds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { startCheckpointer, truncateWal } from './checkpointer';
import { openDatabase, type Db } from './database';

const logger = createLogger('silent');
const marker = 'Quetzalcoatl-7f3a';
let dir: string;
let file: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-wal-'));
  file = path.join(dir, 'guichet.sqlite');
  db = openDatabase(file);
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
  // Many versions of the row, as a session edited keystroke by keystroke leaves in the WAL.
  const insert = db.prepare('INSERT INTO notes (id, text) VALUES (1, ?)');
  const update = db.prepare('UPDATE notes SET text = ? WHERE id = 1');
  insert.run(marker);
  for (let i = 0; i < 50; i++) update.run(`${marker} ${i}`);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const onDisk = () =>
  ['', '-wal', '-shm'].filter((suffix) => fs.existsSync(file + suffix) && fs.readFileSync(file + suffix).includes(marker));

describe('truncateWal', () => {
  it('after a delete, neither the database file nor the WAL holds the text', () => {
    expect(onDisk()).toContain('-wal');
    db.prepare('DELETE FROM notes').run();
    expect(truncateWal(db, logger)).toBe(true);
    expect(fs.statSync(`${file}-wal`).size).toBe(0);
    expect(onDisk()).toEqual([]);
  });

  it('blocked by an open reader, it is tried again until the reader is done', async () => {
    const reader = new Database(file);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM notes').get();
    db.prepare('DELETE FROM notes').run();
    expect(truncateWal(db, logger, { retryMs: 10, attempts: 1000 })).toBe(false);
    // The store is not held up meanwhile: writes go on.
    db.prepare('INSERT INTO notes (id, text) VALUES (2, ?)').run('autre');
    reader.exec('COMMIT');
    reader.close();
    await expect.poll(() => fs.statSync(`${file}-wal`).size, { timeout: 10_000 }).toBe(0);
    expect(onDisk()).toEqual([]);
    expect(db.prepare('SELECT text FROM notes').pluck().all()).toEqual(['autre']);
  });

  it('works beside the checkpoint worker', async () => {
    const checkpointer = startCheckpointer(db, file, logger, { everyMs: 5 });
    try {
      db.prepare('DELETE FROM notes').run();
      truncateWal(db, logger, { retryMs: 10, attempts: 1000 });
      await expect.poll(() => onDisk(), { timeout: 10_000 }).toEqual([]);
    } finally {
      await checkpointer.stop();
    }
  });
});

describe('startCheckpointer', () => {
  const inDatabaseFile = (text: string) => fs.readFileSync(file).includes(text);

  it('checkpoints a lone write itself, and runs its worker only while writes keep coming', async () => {
    // Everything written so far goes to the database file: the WAL starts empty, as after a restart.
    db.pragma('wal_checkpoint(TRUNCATE)');
    const checkpointer = startCheckpointer(db, file, logger, { everyMs: 100, idleMs: 400 });
    try {
      // A quiet hall: rounds go by without a worker or a checkpoint.
      await expect.poll(() => checkpointer.stats().rounds, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      expect(checkpointer.stats()).toMatchObject({ started: 0, inline: 0 });

      // A lone write, just after a round (so no round sees it half done): checkpointed on this
      // thread at the first quiet round after it, without a worker.
      const after = checkpointer.stats().rounds;
      await expect.poll(() => checkpointer.stats().rounds, { timeout: 10_000 }).toBeGreaterThan(after);
      db.prepare('INSERT INTO notes (id, text) VALUES (2, ?)').run('Tlaloc-lone');
      expect(inDatabaseFile('Tlaloc-lone')).toBe(false);
      await expect.poll(() => inDatabaseFile('Tlaloc-lone'), { timeout: 10_000 }).toBe(true);
      expect(checkpointer.stats()).toMatchObject({ started: 0, inline: 1, running: false });

      // Writes that keep coming, as in a busy hall: the worker starts, checkpoints them, and stops
      // once they have stopped.
      let n = 3;
      const writer = setInterval(() => db.prepare('INSERT INTO notes (id, text) VALUES (?, ?)').run(n, `Tlaloc-${n++}`), 10);
      try {
        await expect.poll(() => checkpointer.stats().started, { timeout: 10_000 }).toBe(1);
      } finally {
        clearInterval(writer);
      }
      const last = `Tlaloc-${n - 1}`;
      await expect.poll(() => inDatabaseFile(last), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => checkpointer.stats().running, { timeout: 10_000 }).toBe(false);
      expect(checkpointer.stats().inline).toBe(1);
    } finally {
      await checkpointer.stop();
    }
  });

  it('starts at once on a WAL left with many frames in it (after a crash)', async () => {
    const update = db.prepare('UPDATE notes SET text = ? WHERE id = 1');
    for (let i = 50; i < 120; i++) update.run(`${marker} ${i}`);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(256 * 1024);
    expect(inDatabaseFile(`${marker} 119`)).toBe(false);
    const checkpointer = startCheckpointer(db, file, logger, { everyMs: 5, idleMs: 40 });
    try {
      await expect.poll(() => inDatabaseFile(`${marker} 119`), { timeout: 10_000 }).toBe(true);
      expect(checkpointer.stats().started).toBe(1);
    } finally {
      await checkpointer.stop();
    }
  });

  it("checkpoints a start-up's few frames itself, without a worker", async () => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    // What a start writes before the checkpointer is set up: a page or two.
    db.prepare('INSERT INTO notes (id, text) VALUES (2, ?)').run('Tlaloc-start');
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    const checkpointer = startCheckpointer(db, file, logger, { everyMs: 100, idleMs: 400 });
    try {
      await expect.poll(() => inDatabaseFile('Tlaloc-start'), { timeout: 10_000 }).toBe(true);
      expect(checkpointer.stats()).toMatchObject({ started: 0, inline: 1 });
    } finally {
      await checkpointer.stop();
    }
  });
});
