/**
 * Folds a burst of changes into one broadcast per key. The first change opens a window; changes
 * during it only mark the key again; when the window ends the broadcast is built once, from the
 * state at that moment, so the last state always goes out and nothing in between is lost.
 *
 * Why the window comes before the first broadcast (trailing) and not after it (leading): when 200
 * kiosks take a ticket in the same instant, a leading broadcast would go out for the first ticket,
 * in the middle of the burst, holding back the other 199 acks while it is written to every socket,
 * and a second one would follow anyway. Waiting one short window lets every ack of the burst go
 * first and sends one broadcast for all of it; ~150 ms on a waiting count or a colleague's status
 * is not noticed. Calls to a counter (`queue:called`) are not coalesced: each one is announced.
 */
export interface Coalescer {
  /**
   * Runs `flush` once when the key's window ends (the latest `flush` given wins). A flush may read
   * the store (and so answer with a promise): its failure goes to `onError` like a throw.
   */
  mark(key: string, flush: () => void | Promise<void>): void;
  /** Drops the pending broadcasts: the server is stopping, nobody is left to hear them. */
  close(): void;
}

export function createCoalescer(windowMs: number, onError: (error: unknown) => void): Coalescer {
  const pending = new Map<string, { flush: () => void | Promise<void>; timer: NodeJS.Timeout }>();
  return {
    mark(key, flush) {
      const open = pending.get(key);
      if (open) {
        open.flush = flush;
        return;
      }
      const timer = setTimeout(() => {
        const entry = pending.get(key);
        pending.delete(key);
        try {
          void Promise.resolve(entry?.flush()).catch(onError);
        } catch (error) {
          onError(error);
        }
      }, windowMs);
      timer.unref();
      pending.set(key, { flush, timer });
    },
    close() {
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
    }
  };
}
