/**
 * Runs CPU-heavy jobs (speaking a text, reading a procedure file) in a worker thread with a time
 * limit, so the event loop that relays rings and keystrokes never waits on them. One worker, jobs
 * one after the other; a job over its time is given up: the worker is terminated (the only way to
 * stop synchronous code) and a fresh one serves the next job.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

export class WorkerTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The job took longer than ${timeoutMs} ms and was stopped`);
    this.name = 'WorkerTimeout';
  }
}

/** More jobs than this waiting: refused at once rather than queued for minutes. */
export class WorkerBusy extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} jobs are already waiting`);
    this.name = 'WorkerBusy';
  }
}

interface Job {
  input: unknown;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

type Reply = { ready: true } | { id: number; ok: true; output: unknown } | { id: number; ok: false; error: string };

export interface TimedWorker<In, Out> {
  run(input: In): Promise<Out>;
  /** Stops the worker and refuses what was waiting (server shutdown). */
  close(): Promise<void>;
}

export function createTimedWorker<In, Out>({
  module,
  name,
  timeoutMs,
  maxWaiting = 50,
  logger
}: {
  /** A module that exports `run(input)`. */
  module: URL;
  name: string;
  timeoutMs: number;
  maxWaiting?: number;
  logger: Logger;
}): TimedWorker<In, Out> {
  const queue: Job[] = [];
  let worker: Worker | null = null;
  let ready = false;
  let busy: { id: number; job: Job; timer: NodeJS.Timeout } | null = null;
  let nextId = 1;
  let closed = false;

  function start(): Worker {
    ready = false;
    const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { module: module.href } });
    // An idle worker does not keep the process (or a test run) alive.
    w.unref();
    w.on('message', (reply: Reply) => {
      if (w !== worker) return;
      if ('ready' in reply) {
        ready = true;
      } else if (busy && reply.id === busy.id) {
        clearTimeout(busy.timer);
        const { job } = busy;
        busy = null;
        if (reply.ok) job.resolve(reply.output);
        else job.reject(new Error(reply.error));
      }
      pump();
    });
    w.on('error', (error) => {
      if (w !== worker) return;
      logger.error({ err: error, worker: name }, 'worker failed; a new one takes the next job');
      fail(error);
    });
    w.on('exit', (code) => {
      if (w !== worker) return;
      fail(new Error(`${name} worker exited (${code})`));
    });
    return w;
  }

  /** The worker is gone: the job it had fails, the next job gets a new worker. */
  function fail(error: Error): void {
    const wasReady = ready;
    worker = null;
    ready = false;
    if (busy) {
      clearTimeout(busy.timer);
      busy.job.reject(error);
      busy = null;
    }
    // A worker that cannot even start would fail again: the waiting jobs fail with it instead.
    if (!wasReady) for (const job of queue.splice(0)) job.reject(error);
    pump();
  }

  function pump(): void {
    if (closed || busy || queue.length === 0) return;
    worker ??= start();
    if (!ready) return;
    const job = queue.shift()!;
    const id = nextId++;
    // The time counts from when the worker gets the job, not from its start-up or the queue.
    const timer = setTimeout(() => {
      const stuck = worker;
      worker = null;
      busy = null;
      logger.warn({ worker: name, timeoutMs }, 'worker job over its time: stopped');
      job.reject(new WorkerTimeout(timeoutMs));
      void stuck?.terminate();
      pump();
    }, timeoutMs);
    busy = { id, job, timer };
    worker.postMessage({ id, input: job.input });
  }

  return {
    run(input: In): Promise<Out> {
      if (closed) return Promise.reject(new Error(`${name} worker is closed`));
      if (queue.length >= maxWaiting) return Promise.reject(new WorkerBusy(queue.length));
      return new Promise<Out>((resolve, reject) => {
        queue.push({ input, resolve: resolve as (output: unknown) => void, reject });
        pump();
      });
    },
    async close(): Promise<void> {
      closed = true;
      const stopping = new Error(`${name} worker stopped with the server`);
      for (const job of queue.splice(0)) job.reject(stopping);
      if (busy) {
        clearTimeout(busy.timer);
        busy.job.reject(stopping);
        busy = null;
      }
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    }
  };
}
