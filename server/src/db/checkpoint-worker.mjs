// Runs SQLite's WAL checkpoints on its own connection, in a worker thread: the fsync a checkpoint
// needs then never stalls the event loop that relays rings and edits (see checkpointer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
// The same limit as the main connection (database.ts): a checkpoint from here also cuts the WAL back.
db.pragma(`journal_size_limit = ${workerData.journalSizeLimit}`);

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error) });
  }
});
