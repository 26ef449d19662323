/**
 * One at a time per key, within this process. A command that reads, decides and writes (the next
 * version of a session, a login's failed attempts) must not interleave with another command on the
 * same key once its reads and writes are awaited; commands on other keys still run side by side.
 */
export interface KeyedLock {
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T>;
}

export function createKeyedLock(): KeyedLock {
  /** The last command queued per key; the entry goes once the queue is empty. */
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
      const before = tails.get(key) ?? Promise.resolve();
      const result = before.then(fn, fn) as Promise<T>;
      const tail = result.then(
        () => undefined,
        () => undefined
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    }
  };
}
