/**
 * `npm start`: builds the web app when it is missing or older than its sources, then starts the
 * server. A town hall's machine can simply run `npm start` after each update.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'kiosk/build/handler.js');
const sources = [
  'kiosk/src',
  'kiosk/messages',
  'kiosk/static',
  'shared',
  'svelte.config.js',
  'vite.config.ts',
  'package-lock.json'
];

function newestMtime(p: string): number {
  const full = path.join(root, p);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
    // The generated translation modules change on every build; they are not sources.
    if (entry.name === 'paraglide' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

const builtAt = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (builtAt === 0 || sources.some((s) => newestMtime(s) > builtAt)) {
  console.log('Building the web app…');
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawnSync('npx', ['tsx', 'server/src/main.ts'], { cwd: root, stdio: 'inherit' });
process.exit(server.status ?? 1);
