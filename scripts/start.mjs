// `npm start`: runs the built server (build/server/main.js) in this very process, with node alone:
// no TypeScript loader, no bundler in the serving process. `node scripts/start.mjs demo-lock`
// (`npm run demo:lock`) runs the built build/server/demo-lock.js the same way, and so do
// `backup` and `restore FILE`.
//
// It builds only when there is no build yet: the first start after `git clone && npm install`.
// After an update, `npm run build` then a restart puts the new version in service; a start never
// rebuilds by itself (a rebuild takes a minute and needs the development tools, which an
// installation made with `npm ci --omit=dev` does not have).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const entry = process.argv[2] ?? 'main';
if (!/^[a-z-]+$/.test(entry)) throw new Error(`No built entry named ${entry}`);
// The entry's own arguments follow its name (`restore FILE`): it reads them from argv[2] on.
if (process.argv.length > 2) process.argv.splice(2, 1);
const server = path.join(root, `build/server/${entry}.js`);
// A web app elsewhere (GUICHET_KIOSK_BUILD) is the operator's: only the default one is built here.
const kit = process.env.GUICHET_KIOSK_BUILD ? null : path.join(root, 'kiosk/build/handler.js');

if (!fs.existsSync(server) || (kit && !fs.existsSync(kit))) {
  if (!fs.existsSync(path.join(root, 'node_modules/vite'))) {
    console.error(
      'Guichet is not built, and the build tools are not installed here (npm ci --omit=dev).\n' +
        'Build on a machine with them ("npm ci && npm run build") and copy the build/ and kiosk/build/ folders, ' +
        'or run "npm ci" then "npm run build" here.'
    );
    process.exit(1);
  }
  console.log('First start: building Guichet (once; after an update, run "npm run build")…');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// Same working directory as ever: relative settings (GUICHET_DATA_DIR=./data…) are read from the root.
process.chdir(root);
await import(pathToFileURL(server).href);
