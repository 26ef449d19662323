/**
 * Backups against a real server: `npm run backup` while the server writes, the newest N kept,
 * and the copy taken before an upgrade.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, backupFileName, BackupError, listBackups } from './backup';
import { migrationsDir, openDatabase } from './database';
import { appliedMigrationCount, readMigrations } from './migrate';
import { command, startTestServer, type TestServer } from '../testing/test-server';
import { ok, openHall, rid } from '../testing/hall';
import { integrity, readOnly, runScript, ticketLabels } from '../testing/scripts';

const latest = readMigrations(migrationsDir).length;
const pad = (n: number) => String(n).padStart(4, '0');

let servers: TestServer[] = [];
let dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-backup-'));
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

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}

describe('npm run backup', () => {
  it('copies the store of a server that keeps writing: whole, with what was committed before it started', async () => {
    // The writer below sends commands as fast as the server acks them: above the flood limits.
    const server = await start({ GUICHET_COMMANDS_PER_SECOND: '100000', GUICHET_COMMAND_BURST: '1000000' });
    const hall = await openHall(server, { procedureId: 'changement-adresse' });
    const before = ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    // The kiosk keeps answering, one acked write after another, until the backup is done.
    let writes = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        ok(
          await command(hall.kiosk, 'session:patch', {
            sessionId: hall.session.id,
            patchId: rid(),
            ops: [{ op: 'answer', stepId: 'logement', value: writes % 2 ? 'locataire' : 'proprietaire' }]
          })
        );
        writes++;
      }
    })();
    const writesBefore = writes;
    const run = await runScript('backup', [], { GUICHET_DATA_DIR: server.dataDir });
    const writesAfter = writes;
    stop = true;
    await writer;

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The server was writing all along, and still is.
    expect(writesAfter).toBeGreaterThan(writesBefore);
    ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));

    const [file, ...others] = listBackups(path.join(server.dataDir, 'backups'));
    expect(others).toEqual([]);
    expect(path.basename(file!)).toMatch(new RegExp(`^guichet-\\d{8}T\\d{9}Z-m${pad(latest)}\\.sqlite$`));
    expect(run.stdout).toContain(file);
    // Citizens' data: readable by its owner only; a file of its own, no WAL beside it.
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(integrity(file!)).toBe('ok');
    expect(readOnly(file!, (db) => db.pragma('journal_mode', { simple: true }))).toBe('delete');
    expect(ticketLabels(file!)).toContain(before.label);
    const saved = readOnly(file!, (db) =>
      db.prepare('SELECT state FROM kiosk_sessions WHERE id = ?').pluck().get(hall.session.id)
    );
    expect(saved).toBeTypeOf('string');
    expect(readOnly(file!, (db) => appliedMigrationCount(db))).toBe(latest);
  }, 60_000);

  it('keeps the newest N backups and deletes the older ones, and only files named as backups', async () => {
    const server = await start();
    const dir = path.join(server.dataDir, 'backups');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a backup');
    const made: string[] = [];
    for (let day = 1; day <= 5; day++) {
      made.push(await backupDatabase(server.store.sqlite!, { dir, kept: 3 }, new Date(`2026-03-0${day}T02:00:00Z`)));
    }
    expect(listBackups(dir)).toEqual(made.slice(2));
    expect(fs.readdirSync(dir).sort()).toEqual([...made.slice(2).map((f) => path.basename(f)), 'notes.txt'].sort());
    // Two in the same millisecond do not overwrite each other.
    const at = new Date('2026-03-06T02:00:00Z');
    const [a, b] = [
      await backupDatabase(server.store.sqlite!, { dir, kept: 3 }, at),
      await backupDatabase(server.store.sqlite!, { dir, kept: 3 }, at)
    ];
    expect(a).not.toBe(b);
    expect(listBackups(dir)).toEqual([made[4], a, b]);
  });

  it('removes the leftover of a backup whose process died while writing it', async () => {
    const server = await start();
    const dir = path.join(server.dataDir, 'backups');
    fs.mkdirSync(dir);
    // A process that has exited: its pid names no running process.
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '0']);
      child.on('exit', () => resolve(child.pid!));
    });
    const leftover = path.join(dir, `.guichet-20260301T020000000Z-m${pad(latest)}-p${dead}.partial`);
    fs.writeFileSync(leftover, 'half a copy of citizens data');
    await backupDatabase(server.store.sqlite!, { dir, kept: 3 });
    expect(fs.existsSync(leftover)).toBe(false);
    expect(listBackups(dir)).toHaveLength(1);
  });

  it('refuses a file that is not a Guichet store', async () => {
    const dir = tempDir();
    const other = new Database(path.join(dir, 'other.sqlite'));
    other.exec('CREATE TABLE t (x)');
    await expect(backupDatabase(other, { dir: path.join(dir, 'backups'), kept: 3 })).rejects.toThrow(/not a Guichet database/);
    other.close();
    expect(listBackups(path.join(dir, 'backups'))).toEqual([]);
  });
});

describe('the backup before an upgrade', () => {
  /** A folder holding the shipped migrations up to `last`. */
  function migrationsUpTo(dir: string, last: number): string {
    const out = path.join(dir, `migrations-${last}`);
    fs.mkdirSync(out, { recursive: true });
    for (const f of fs.readdirSync(migrationsDir)) {
      if (Number(f.slice(0, 4)) <= last) fs.copyFileSync(path.join(migrationsDir, f), path.join(out, f));
    }
    return out;
  }

  it('is taken when a store with data has migrations to apply, named after the level it came from', () => {
    const dir = tempDir();
    const file = path.join(dir, 'guichet.sqlite');
    const backups = { dir: path.join(dir, 'backups'), kept: 7 };
    // A new store: nothing to back up.
    openDatabase(file, migrationsUpTo(dir, latest - 1), backups).close();
    expect(listBackups(backups.dir)).toEqual([]);
    const old = openDatabase(file, migrationsUpTo(dir, latest - 1), backups);
    old.prepare("INSERT INTO sites (id, name, created_at) VALUES ('s', 'Mairie', '2026-01-05')").run();
    old.close();
    expect(listBackups(backups.dir)).toEqual([]);

    const upgraded = openDatabase(file, migrationsDir, backups);
    expect(appliedMigrationCount(upgraded)).toBe(latest);
    upgraded.close();
    const [copy, ...others] = listBackups(backups.dir);
    expect(others).toEqual([]);
    expect(path.basename(copy!)).toMatch(new RegExp(`-m${pad(latest - 1)}-before-m${pad(latest)}\\.sqlite$`));
    expect(backupFileName.test(path.basename(copy!))).toBe(true);
    expect(fs.statSync(copy!).mode & 0o777).toBe(0o600);
    expect(integrity(copy!)).toBe('ok');
    expect(readOnly(copy!, (db) => appliedMigrationCount(db))).toBe(latest - 1);
    expect(readOnly(copy!, (db) => db.prepare('SELECT name FROM sites').pluck().all())).toEqual(['Mairie']);

    // Up to date: no new copy at the next start.
    openDatabase(file, migrationsDir, backups).close();
    expect(listBackups(backups.dir)).toHaveLength(1);
  });

  it('goes to GUICHET_BACKUP_DIR when a server starts on a store with migrations to apply', async () => {
    const dataDir = tempDir();
    const old = openDatabase(path.join(dataDir, 'guichet.sqlite'), migrationsUpTo(tempDir(), latest - 1));
    old.prepare("INSERT INTO sites (id, name, created_at) VALUES ('s', 'Mairie', '2026-01-05')").run();
    old.close();
    const elsewhere = path.join(tempDir(), 'copies');
    const server = await startTestServer({ GUICHET_BACKUP_DIR: elsewhere, GUICHET_DEMO: 'no' }, { dataDir });
    servers.push(server);
    expect(appliedMigrationCount(server.store.sqlite!)).toBe(latest);
    expect(listBackups(elsewhere).map((f) => path.basename(f))).toEqual([
      expect.stringMatching(new RegExp(`-m${pad(latest - 1)}-before-m${pad(latest)}\\.sqlite$`))
    ]);
    expect(fs.existsSync(path.join(dataDir, 'backups'))).toBe(false);
  });

  it('not being possible, the store is not upgraded and the reason is given', () => {
    const dir = tempDir();
    const file = path.join(dir, 'guichet.sqlite');
    const old = openDatabase(file, migrationsUpTo(dir, latest - 1));
    old.prepare("INSERT INTO sites (id, name, created_at) VALUES ('s', 'Mairie', '2026-01-05')").run();
    old.close();
    // The backup folder cannot be made: a file has its name.
    const blocked = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocked, '');
    expect(() => openDatabase(file, migrationsDir, { dir: blocked, kept: 7 })).toThrow(BackupError);
    expect(() => openDatabase(file, migrationsDir, { dir: blocked, kept: 7 })).toThrow(/GUICHET_BACKUP_DIR/);
    expect(readOnly(file, (db) => appliedMigrationCount(db))).toBe(latest - 1);
  });
});
