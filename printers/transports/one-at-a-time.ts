/**
 * Runs tasks one after another: a printer gets one job (or status request) at a time, whatever
 * callers do. A task that fails does not stop the ones queued after it.
 */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}
