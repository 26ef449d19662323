/**
 * `npm run check:prod-tree`: proves a built tree runs without the development tools. Copies the
 * checkout (its tracked files, with build/ and kiosk/build/) to a temporary folder, installs with
 * `npm ci --omit=dev` there (from the registry: a minute or more), checks that no build tool got
 * in, then starts `node build/server/main.js` and asks for /healthz, a kiosk page, one of its
 * scripts and a spoken text (a worker thread), and runs `npm run demo:lock`.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../server/src/testing/processes';

const root = path.resolve(import.meta.dirname, '..');

function run(command: string, args: string[], options: SpawnSyncOptions): void {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status})`);
}

function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

if (!fs.existsSync(path.join(root, 'build/server/main.js')) || !fs.existsSync(path.join(root, 'kiosk/build/handler.js'))) {
  run('npm', ['run', 'build', '--silent'], { cwd: root });
}

const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-prod-'));
const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
for (const file of tracked) {
  if (!fs.existsSync(path.join(root, file))) continue;
  fs.mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
  fs.copyFileSync(path.join(root, file), path.join(tree, file));
}
// The current package files, even uncommitted.
for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, file), path.join(tree, file));
fs.cpSync(path.join(root, 'build'), path.join(tree, 'build'), { recursive: true });
fs.cpSync(path.join(root, 'kiosk/build'), path.join(tree, 'kiosk/build'), { recursive: true });

let server: ReturnType<typeof spawn> | null = null;
try {
  const began = Date.now();
  run('npm', ['ci', '--omit=dev', '--ignore-scripts=false', '--no-audit', '--no-fund'], { cwd: tree });
  console.log(`npm ci --omit=dev: ${Math.round((Date.now() - began) / 1000)} s`);
  for (const tool of ['tsx', 'vite', 'svelte', '@sveltejs/kit', 'esbuild', 'typescript', 'vitest']) {
    check(!fs.existsSync(path.join(tree, 'node_modules', tool)), `${tool} is not installed`);
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? tree, GUICHET_PORT: String(port), GUICHET_LOG_LEVEL: 'warn' };
  server = spawn(process.execPath, ['build/server/main.js'], { cwd: tree, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Guichet is running'), 30_000);

  check((await fetch(`${base}/healthz`)).status === 200, '/healthz answers 200');
  const paired = await fetch(`${base}/borne`, { redirect: 'manual' });
  const cookie = paired.headers.get('set-cookie')?.split(';')[0] ?? '';
  const page = await fetch(`${base}/borne`, { headers: { cookie } });
  const html = await page.text();
  check(page.status === 200, '/borne answers 200');
  const script = /\/_app\/immutable\/[^"]+\.js/.exec(html)?.[0];
  check(!!script && (await fetch(`${base}${script}`)).status === 200, `a script of the page answers 200 (${script})`);
  const speech = await fetch(`${base}/api/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ text: 'Bonjour', lang: 'fr' })
  });
  check(speech.status === 200, 'speech (a worker thread) answers 200');
  server.kill('SIGTERM');
  await new Promise((resolve) => server!.once('exit', resolve));
  server = null;

  const lock = spawnSync('npm', ['run', '--silent', 'demo:lock'], { cwd: tree, env, encoding: 'utf8' });
  check(lock.status === 0 && lock.stdout.includes('Deactivated'), `npm run demo:lock runs: ${lock.stdout.trim()}${lock.stderr}`);
} finally {
  server?.kill('SIGKILL');
  fs.rmSync(tree, { recursive: true, force: true });
}
console.log(process.exitCode ? 'check prod-tree: FAILED' : 'check prod-tree: ok');
