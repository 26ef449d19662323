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
import { journalSizeLimit, type Db } from './database';

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(db: Db, file: string, logger: Logger, everyMs = 2000): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { file, journalSizeLimit } });
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

/** Databases with a truncation retry loop running. */
const retrying = new WeakSet<Db>();

/**
 * Checkpoints the whole WAL into the database file and truncates it to zero bytes: after an erase
 * the WAL still holds the earlier versions of the erased rows' pages, and a PASSIVE checkpoint
 * would leave them there until overwritten. Never waits on the event loop: a checkpoint blocked by
 * another connection (the checkpoint worker mid-round, a maintenance script reading) is tried again
 * every `retryMs`, up to `attempts` times, then logged. Returns whether it was done now.
 */
export function truncateWal(db: Db, logger: Logger, { attempts = 20, retryMs = 250 } = {}): boolean {
  const once = (): boolean => {
    const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma('busy_timeout = 0');
    try {
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return row?.busy === 0;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return false;
      throw error;
    } finally {
      db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  };
  if (once()) return true;
  // One retry loop per database: a second erase meanwhile is covered by the loop already running.
  if (retrying.has(db)) return false;
  retrying.add(db);
  let left = attempts;
  const retry = () => {
    let outcome: 'done' | 'busy' | 'failed';
    try {
      // A store closed meanwhile (shutdown) has had its WAL checkpointed and removed by SQLite.
      outcome = !db.open || once() ? 'done' : 'busy';
    } catch (error) {
      logger.error({ err: error }, 'WAL truncation after an erase failed');
      outcome = 'failed';
    }
    if (outcome === 'busy' && --left > 0) {
      setTimeout(retry, retryMs).unref();
      return;
    }
    retrying.delete(db);
    if (outcome === 'done') logger.info({ tries: attempts - left + 2 }, 'WAL truncated after an erase');
    if (outcome === 'busy')
      logger.warn('WAL still in use after an erase: its old pages go at the next erase or when the server stops');
  };
  setTimeout(retry, retryMs).unref();
  return false;
}
