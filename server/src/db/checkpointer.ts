/**
 * Moves WAL checkpoints off the main thread. With `synchronous = NORMAL` a commit does not wait for
 * the disk; a checkpoint does (fsync), and SQLite runs it inside whichever commit crosses the WAL
 * threshold — a few milliseconds added to one ring or one keystroke every few hundred writes. Here
 * automatic checkpoints are turned off and a worker thread with its own connection checkpoints
 * every few seconds (PASSIVE: it never blocks writers). Durability is unchanged: a committed
 * change is in the WAL either way.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './database';

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(db: Db, file: string, logger: Logger, everyMs = 2000): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { file } });
  db.pragma('wal_autocheckpoint = 0');
  worker.on('message', (message: { ok: boolean; error?: string }) => {
    if (!message.ok) logger.warn({ error: message.error }, 'WAL checkpoint failed; retried on the next round');
  });
  worker.on('error', (error) => {
    // Without the worker, SQLite checkpoints by itself again: slower tails, nothing lost.
    logger.error({ err: error }, 'checkpoint worker stopped');
    db.pragma('wal_autocheckpoint = 1000');
  });
  const timer = setInterval(() => worker.postMessage('checkpoint'), everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      worker.postMessage('close');
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        setTimeout(() => void worker.terminate().then(() => resolve()), 2000).unref();
      });
      db.pragma('wal_autocheckpoint = 1000');
    }
  };
}
