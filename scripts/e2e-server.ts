/**
 * Starts the real server for the browser tests on an empty data folder (a fresh demo site each
 * run), with the shipped catalog plus the test procedures in `e2e/catalog/`. The demo site gets no
 * opening hours, so help calls do not depend on the hour the tests run. With
 * GUICHET_E2E_KEEP_DATA=1 the data folder is kept: that is how a test restarts the same server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../server/src/clock';
import { openDatabase } from '../server/src/db/database';
import { seedDemoIfEmpty } from '../server/src/demo/seed-demo';
import { createSqliteStore } from '../server/src/store';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(os.tmpdir(), `guichet-e2e-${process.env.GUICHET_PORT ?? '3917'}`);
const catalogDir = path.join(dataDir, 'catalog');
if (process.env.GUICHET_E2E_KEEP_DATA !== '1' || !fs.existsSync(dataDir)) {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(catalogDir, { recursive: true });
  for (const dir of ['server/catalog', 'e2e/catalog']) {
    for (const file of fs.readdirSync(path.join(root, dir)))
      fs.copyFileSync(path.join(root, dir, file), path.join(catalogDir, file));
  }
  const db = openDatabase(path.join(dataDir, 'guichet.sqlite'));
  const store = createSqliteStore(db);
  await seedDemoIfEmpty(store, systemClock);
  await store.sites.setOpeningHours((await store.sites.listAll())[0]!.id, {});
  db.close();
}
process.env.GUICHET_DATA_DIR = dataDir;
process.env.GUICHET_CATALOG_DIR = catalogDir;
// The browser tests set up printers that are listeners on loopback (e2e/new-site.e2e.ts).
process.env.GUICHET_LOOPBACK_PRINTERS = '1';
// The browser suite pairs terminals from this one address, test after test, on one server.
process.env.GUICHET_PAIRINGS_PER_MINUTE ??= '1000';
// The manager's console offers the hall's root certificate (e2e/hall-certificate.e2e.ts).
process.env.GUICHET_HALL_CA_FILE ??= path.resolve(import.meta.dirname, '../e2e/certificates/hall-root.crt');
await import('../server/src/main');
