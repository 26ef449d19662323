/** The administrator's npm scripts as child processes, and read-only looks into SQLite files, for tests. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';

const root = path.resolve(import.meta.dirname, '../../..');

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/<name>.ts` as its own process (as `npm run <name>` does), with only PATH and `env`. */
export function runScript(name: string, args: string[], env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, `scripts/${name}.ts`), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, GUICHET_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Reads a database file through a read-only connection of its own. */
export function readOnly<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export const integrity = (file: string) => readOnly(file, (db) => db.pragma('integrity_check', { simple: true }) as string);

export const ticketLabels = (file: string) =>
  readOnly(file, (db) => db.prepare('SELECT label FROM tickets ORDER BY label').pluck().all() as string[]);
