/**
 * The throwaway cluster the specs, benches and CI use: it starts empty and reachable, says what
 * to install when PostgreSQL is missing, picks the newest version, and leaves nothing behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { findPgBin, startPgCluster } from './pg-cluster';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('startPgCluster', () => {
  it('says to install Debian’s postgresql package when no PostgreSQL is installed', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-no-pg-'));
    expect(() => findPgBin(root)).toThrow(/install Debian's postgresql package/);
  });

  it('takes the newest version installed', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-pg-versions-'));
    for (const version of ['9.6', '15', '13']) {
      fs.mkdirSync(path.join(root, version, 'bin'), { recursive: true });
      fs.writeFileSync(path.join(root, version, 'bin', 'postgres'), '');
    }
    fs.mkdirSync(path.join(root, '17', 'bin'), { recursive: true });
    expect(findPgBin(root)).toBe(path.join(root, '15', 'bin'));
  });

  it('starts an empty guichet database on 127.0.0.1, then stops it and removes its folder', async () => {
    const cluster = await startPgCluster({ durable: false });
    const url = new URL(cluster.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/guichet');
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const { rows } = await client.query<{ fsync: string; collation: string; tables: number }>(
      `SELECT current_setting('fsync') AS fsync, datcollate AS collation,
         (SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'public') AS tables
       FROM pg_database WHERE datname = current_database()`
    );
    expect(rows).toEqual([{ fsync: 'off', collation: 'C', tables: 0 }]);
    const dataDir = (await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")).rows[0]!.dir;
    await client.end();
    await cluster.stop();
    expect(fs.existsSync(dataDir)).toBe(false);
    const late = new pg.Client({ connectionString: cluster.url });
    await expect(late.connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});
