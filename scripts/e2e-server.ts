/**
 * Starts the real server for the browser tests on an empty data folder (a fresh demo site each
 * run), with the shipped catalog plus the test procedures in `e2e/catalog/`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(os.tmpdir(), `guichet-e2e-${process.env.GUICHET_PORT ?? '3917'}`);
fs.rmSync(dataDir, { recursive: true, force: true });
const catalogDir = path.join(dataDir, 'catalog');
fs.mkdirSync(catalogDir, { recursive: true });
for (const dir of ['server/catalog', 'e2e/catalog']) {
  for (const file of fs.readdirSync(path.join(root, dir)))
    fs.copyFileSync(path.join(root, dir, file), path.join(catalogDir, file));
}
process.env.GUICHET_DATA_DIR = dataDir;
process.env.GUICHET_CATALOG_DIR = catalogDir;
await import('../server/src/main');
