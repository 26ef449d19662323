/**
 * `npm run restore` against real servers: it refuses what it must (a running server's folder, a
 * damaged file, a newer version's file, a file that is not a Guichet store), leaving the store
 * as it was, and restores a good backup that a server started on the folder then serves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase } from './backup';
import { migrationsDir } from './database';
import { readMigrations } from './migrate';
import { restoreDatabase, RestoreError } from './restore';
import { command, connect, login, pairTerminal, startTestServer, type TestServer } from '../testing/test-server';
import { ok, openHall, rid } from '../testing/hall';
import { runScript, ticketLabels } from '../testing/scripts';

const latest = readMigrations(migrationsDir).length;

let servers: TestServer[] = [];
let dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-restore-'));
  dirs.push(dir);
  return dir;
};
beforeEach(() => {
  servers = [];
  dirs = [];
});
afterEach(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(dataDir?: string): Promise<TestServer> {
  const server = await startTestServer({}, dataDir ? { dataDir } : {});
  servers.push(server);
  return server;
}

async function closeKeepingData(server: TestServer): Promise<void> {
  servers = servers.filter((s) => s !== server);
  await server.close({ keepData: true });
  dirs.push(server.dataDir);
}

describe('npm run restore', () => {
  /** A server with one ticket taken, its backup, then a second ticket the backup does not have. */
  async function serverWithBackup(): Promise<{ server: TestServer; backup: string; labels: [string, string] }> {
    const server = await start();
    const hall = await openHall(server);
    const first = ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    const backup = await backupDatabase(server.store.sqlite!, { dir: path.join(tempDir(), 'backups'), kept: 7 });
    const second = ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    return { server, backup, labels: [first.label, second.label] };
  }

  it('refuses the folder of a running server, which keeps its store and keeps working', async () => {
    const { server, backup, labels } = await serverWithBackup();
    const run = await runScript('restore', [backup], { GUICHET_DATA_DIR: server.dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Restore refused: .*open in a running Guichet server .*stop it first/);
    expect(fs.readdirSync(server.dataDir).filter((f) => f.includes('before-restore') || f.includes('restoring'))).toEqual([]);
    expect(ticketLabels(server.config.databaseFile)).toEqual(labels);
    const kiosk = await connect(server, 'kiosk', await pairKiosk(server));
    ok(await command(kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  }, 60_000);

  it('restores a good backup into a stopped server folder; the server started on it sees its data', async () => {
    const { server, backup, labels } = await serverWithBackup();
    await closeKeepingData(server);
    const run = await runScript('restore', [backup], { GUICHET_DATA_DIR: server.dataDir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const keptAside = fs.readdirSync(server.dataDir).filter((f) => /^guichet\.sqlite\.before-restore-\d{8}T\d{9}Z$/.test(f));
    expect(keptAside).toHaveLength(1);
    expect(run.stdout).toContain(keptAside[0]);
    // The replaced store is whole and still has the ticket taken after the backup.
    expect(ticketLabels(path.join(server.dataDir, keptAside[0]!))).toEqual(labels);
    expect(fs.statSync(server.config.databaseFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(server.dataDir).filter((f) => /-wal$|-shm$|restoring/.test(f))).toEqual([]);

    const restarted = await start(server.dataDir);
    expect(restarted.store.sqlite!.prepare('SELECT label FROM tickets').pluck().all()).toEqual([labels[0]]);
    const kiosk = await connect(restarted, 'kiosk', await pairKiosk(restarted));
    ok(await command(kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    expect(restarted.store.sqlite!.prepare('SELECT COUNT(*) FROM tickets').pluck().get()).toBe(2);
  }, 60_000);

  /** Restores and expects a refusal that leaves the store as it was. */
  async function expectRefused(tamper: (copy: string) => void, message: RegExp): Promise<void> {
    const { server, backup, labels } = await serverWithBackup();
    await closeKeepingData(server);
    const copy = path.join(tempDir(), 'tampered.sqlite');
    fs.copyFileSync(backup, copy);
    tamper(copy);
    const databaseBefore = fs.readFileSync(server.config.databaseFile);
    expect(() => restoreDatabase(copy, server.config.databaseFile)).toThrow(RestoreError);
    expect(() => restoreDatabase(copy, server.config.databaseFile)).toThrow(message);
    expect(fs.readFileSync(server.config.databaseFile).equals(databaseBefore)).toBe(true);
    expect(fs.readdirSync(server.dataDir).filter((f) => /before-restore|restoring/.test(f))).toEqual([]);
    expect(ticketLabels(server.config.databaseFile)).toEqual(labels);
  }

  it('refuses a file that is not a database at all', async () => {
    await expectRefused((copy) => fs.writeFileSync(copy, 'garbage '.repeat(4096)), /not a readable SQLite database/);
  });

  it('refuses a truncated backup', async () => {
    await expectRefused((copy) => {
      const bytes = fs.readFileSync(copy);
      fs.writeFileSync(copy, bytes.subarray(0, Math.floor(bytes.length / 2)));
    }, /damaged|not a readable SQLite database/);
  });

  it('refuses a backup with pages overwritten', async () => {
    await expectRefused((copy) => {
      const bytes = fs.readFileSync(copy);
      const pageSize = bytes.readUInt16BE(16);
      // Every page after the first few: table and index pages alike.
      for (let at = 3 * pageSize; at < bytes.length; at += pageSize) bytes.fill(0x5a, at + 8, at + 64);
      fs.writeFileSync(copy, bytes);
    }, /damaged|not a readable SQLite database/);
  });

  it('refuses a database made by a newer version of Guichet', async () => {
    await expectRefused((copy) => {
      const db = new Database(copy);
      db.prepare(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, '9999_future.sql', 'x', 'now')"
      ).run(latest + 1);
      db.close();
    }, /newer version of Guichet \(migration 9999_future\.sql/);
  });

  it('refuses a database that is not a Guichet store', async () => {
    await expectRefused((copy) => {
      fs.rmSync(copy);
      const db = new Database(copy);
      db.exec('CREATE TABLE t (x)');
      db.close();
    }, /not a Guichet database/);
  });
});

/** Pairs a new kiosk through the manager, as the hall helpers do. */
async function pairKiosk(server: TestServer): Promise<string> {
  const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
  return pairTerminal(server, managerToken, 'kiosk', `Borne ${rid().slice(0, 8)}`);
}
