/** Starts the real server for the browser tests on an empty data folder (a fresh demo site each run). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dataDir = path.join(os.tmpdir(), `guichet-e2e-${process.env.GUICHET_PORT ?? '3917'}`);
fs.rmSync(dataDir, { recursive: true, force: true });
process.env.GUICHET_DATA_DIR = dataDir;
await import('../server/src/main');
