/**
 * The server specs run twice, over SQLite and over PostgreSQL (vitest's `postgres` project), and
 * the store's PostgreSQL specs start throwaway clusters of their own (`scripts/pg-cluster.ts`), with
 * Debian's postgresql binaries. As root, installs the package with apt when it is missing;
 * otherwise stops with the command that installs it.
 */
import { spawnSync } from 'node:child_process';
import { findPgBin } from './pg-cluster';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function installed(): boolean {
  try {
    findPgBin();
    return true;
  } catch {
    return false;
  }
}

export function ensurePostgres(): void {
  if (installed()) return;
  if (!isRoot) {
    console.error('PostgreSQL is missing for the store tests. Run: sudo apt-get install -y postgresql');
    process.exit(1);
  }
  console.log('The store tests need PostgreSQL: installing Debian’s postgresql with apt…');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', 'postgresql'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  });
  if (!installed()) {
    console.error('Could not install PostgreSQL. Run: apt-get install -y postgresql');
    process.exit(1);
  }
}
