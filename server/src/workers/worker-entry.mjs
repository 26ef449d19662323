// The entry of every timed worker (see timed-worker.ts): Guichet's sources are TypeScript, so the
// worker registers the same loader the server runs under, then loads the job's module and runs
// each job it is sent through that module's `run`.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const job = await import(workerData.module);
parentPort.on('message', async ({ id, input }) => {
  try {
    parentPort.postMessage({ id, ok: true, output: await job.run(input) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
