/**
 * The store's file on disk: a database made before erased rows were overwritten (no secure delete)
 * still holds them in its free pages; opening it with this version rewrites it once, and only once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database';

const marker = 'Ancien-Effacement-9c1e';
let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-db-'));
  file = path.join(dir, 'guichet.sqlite');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const onDisk = () =>
  ['', '-wal'].filter((suffix) => fs.existsSync(file + suffix) && fs.readFileSync(file + suffix).includes(marker));

describe('openDatabase', () => {
  it('rewrites once a file that still holds erased rows in its free pages', () => {
    // As an earlier version left it: rows deleted without secure delete, then closed.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.pragma('secure_delete = OFF');
    old.exec('CREATE TABLE legacy (text TEXT)');
    const insert = old.prepare('INSERT INTO legacy (text) VALUES (?)');
    for (let i = 0; i < 100; i++) insert.run(`${marker} ${i} ${'x'.repeat(200)}`);
    old.exec('DELETE FROM legacy');
    old.close();
    expect(onDisk()).toEqual(['']);

    const db = openDatabase(file);
    expect(onDisk()).toEqual([]);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    db.close();
    // Marked done in the file itself: the next start finds it so.
    const again = new Database(file, { readonly: true });
    expect(again.pragma('auto_vacuum', { simple: true })).toBe(2);
    again.close();
  });

  it('makes a new file with it from the start', () => {
    const db = openDatabase(file);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(4 * 1024 * 1024);
    db.close();
  });
});
