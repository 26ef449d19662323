// The entry of every timed worker (see timed-worker.ts): loads the job's module and runs each job
// it is sent through that module's `run`. Run from the sources (tsx), the module is TypeScript and
// the worker registers the same loader first; the built server's modules are plain JavaScript
// (build/server/*.worker.js), and tsx, a development tool, is not even installed there.
import { parentPort, workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const job = await import(workerData.module);
parentPort.on('message', async ({ id, input }) => {
  try {
    parentPort.postMessage({ id, ok: true, output: await job.run(input) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
