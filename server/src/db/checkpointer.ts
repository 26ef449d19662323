/**
 * Moves WAL checkpoints off the main thread. With `synchronous = NORMAL` a commit does not wait for
 * the disk; a checkpoint does (fsync), and SQLite runs it inside whichever commit crosses the WAL
 * threshold — a few milliseconds added to one ring or one keystroke every few hundred writes. Here
 * automatic checkpoints are turned off and a worker thread with its own connection checkpoints
 * every few seconds (PASSIVE: it never blocks writers). Durability is unchanged: a committed
 * change is in the WAL either way.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { journalSizeLimit, type Db } from './database';

export interface Checkpointer {
  /**
   * Rounds looked at so far, workers started so far, whether one is up now, and checkpoints made
   * on the main thread after a lone write.
   */
  stats(): { rounds: number; started: number; running: boolean; inline: number };
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** How often the WAL is looked at, and checkpointed while the worker runs. */
  everyMs?: number;
  /** The worker stops after this long with nothing written and nothing left to checkpoint. */
  idleMs?: number;
}

interface RoundResult {
  ok: boolean;
  error?: string;
  result?: { busy: number; log: number; checkpointed: number };
}

/**
 * The worker thread costs a V8 isolate (about 10 MB, and memory its thread keeps after it ends),
 * so it runs only while the hall is busy. Each round reads the WAL file's size and modification
 * time with one asynchronous stat:
 * - a lone write (a ticket at night, a start-up's own writes) followed by a quiet round is
 *   checkpointed right here: a few pages, on a server that is doing nothing else;
 * - a second write before that, or a WAL holding frames at start (after a crash, maybe many), starts
 *   the worker, which stops once nothing has been written for `idleMs` and its last round left no
 *   frame behind. A quiet night holds no worker.
 */
export function startCheckpointer(
  db: Db,
  file: string,
  logger: Logger,
  { everyMs = 2000, idleMs = 10_000 }: CheckpointerOptions = {}
): Checkpointer {
  const wal = `${file}-wal`;
  let worker: Worker | null = null;
  let failed = false;
  let stopped = false;
  let quietMs = 0;
  let caughtUp = false;
  // What the WAL looked like at the last round. A WAL with many frames at start (after a crash) is
  // work for the worker; a few (this start's own writes) are a lone write.
  let lastSeen = walAtStart(wal);
  let rounds = 0;
  let started = 0;
  let inline = 0;
  // Written since the last checkpoint, with no worker up: one more write starts one.
  let pending = lastSeen === 'some';
  if (pending) lastSeen = walStat(wal);

  db.pragma('wal_autocheckpoint = 0');

  const fallBack = (error: unknown) => {
    // Without the worker, SQLite checkpoints by itself again: slower tails, nothing lost.
    failed = true;
    clearInterval(timer);
    logger.error({ err: error }, 'checkpoint worker stopped');
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };

  const spawn = () => {
    const w = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { file, journalSizeLimit } });
    w.on('message', (message: RoundResult) => {
      if (!message.ok) {
        caughtUp = false;
        logger.warn({ error: message.error }, 'WAL checkpoint failed; retried on the next round');
        return;
      }
      const r = message.result;
      caughtUp = r !== undefined && r.busy === 0 && r.log === r.checkpointed;
    });
    w.on('error', fallBack);
    return w;
  };

  const retire = () => {
    const w = worker;
    worker = null;
    w?.postMessage('close');
    return w;
  };

  const checkpointHere = () => {
    pending = false;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      inline++;
    } catch (error) {
      // Busy or failed: the next write brings the worker, which retries.
      logger.warn({ err: error }, 'WAL checkpoint failed; retried after the next write');
    }
  };

  const round = () => {
    fs.stat(wal, { bigint: true }, (error, stat) => {
      if (stopped || failed) return;
      rounds++;
      const seen = error ? 'absent' : `${stat.size}:${stat.mtimeNs}`;
      const changed = seen !== lastSeen;
      const seenBefore = lastSeen;
      lastSeen = seen;
      if (changed) {
        quietMs = 0;
        caughtUp = false;
      } else {
        quietMs += everyMs;
      }
      if (!worker) {
        if (error) return;
        if (!changed) {
          if (pending) checkpointHere();
          return;
        }
        if (!pending && seenBefore !== 'work') {
          pending = true;
          return;
        }
        pending = false;
        worker = spawn();
        started++;
      } else if (quietMs >= idleMs && caughtUp) {
        retire();
        return;
      }
      worker.postMessage('checkpoint');
    });
  };
  const timer = setInterval(round, everyMs);
  timer.unref();

  return {
    stats: () => ({ rounds, started, running: worker !== null, inline }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      const w = retire();
      if (w) {
        await new Promise<void>((resolve) => {
          w.once('exit', () => resolve());
          setTimeout(() => void w.terminate().then(() => resolve()), 2000).unref();
        });
      }
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    }
  };
}

/** Beyond this many bytes of WAL at start, checkpointing it is the worker's job, not the main thread's. */
const startWalForWorker = 256 * 1024;

/** The WAL's size and modification time, or `'absent'`. */
function walStat(wal: string): string {
  try {
    const stat = fs.statSync(wal, { bigint: true });
    return `${stat.size}:${stat.mtimeNs}`;
  } catch {
    return 'absent';
  }
}

/** `'work'` when the WAL holds many frames already, `'some'` when it holds a few, else its stat. */
function walAtStart(wal: string): string {
  try {
    const stat = fs.statSync(wal, { bigint: true });
    if (stat.size > BigInt(startWalForWorker)) return 'work';
    return stat.size > 0n ? 'some' : `${stat.size}:${stat.mtimeNs}`;
  } catch {
    return 'absent';
  }
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
