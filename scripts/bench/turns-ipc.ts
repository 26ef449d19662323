/**
 * `bench:calls --nodes N` measures Guichet and the relay in turns, as on one node, but both
 * systems' clients (11,000 each) would need more open files than one process may have. So the
 * relay's clients live in a child process of the bench, which the bench drives turn by turn over
 * Node's IPC channel. Every time is still taken inside one process, the one that holds both the
 * sender and the receivers: the channel only says which turn comes next, between measures.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** What the bench asks of the child, one message at a time. */
export type TurnRequest =
  | { id: number; do: 'ring'; i: number; like: unknown }
  | { id: number; do: 'edit'; e: number; like: unknown }
  | { id: number; do: 'joinPairs' }
  | { id: number; do: 'report' };

/** A request before the channel numbers it. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

type TurnReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

/** The child's side: one system's turns, served until the bench goes away. */
export interface ServedTurns<R> {
  ring(i: number, like: unknown): Promise<void>;
  edit(e: number, like: unknown): Promise<void>;
  joinPairs(): Promise<void>;
  report(): R;
}

/** Runs one request on the child's side; its answer, if any. */
async function serve<R>(turns: ServedTurns<R>, request: TurnRequest): Promise<unknown> {
  switch (request.do) {
    case 'ring':
      return turns.ring(request.i, request.like);
    case 'edit':
      return turns.edit(request.e, request.like);
    case 'joinPairs':
      return turns.joinPairs();
    case 'report':
      return turns.report();
  }
}

/** Says it is ready, then answers each request in order; `close` when the bench leaves. */
export function serveTurns<R>(turns: ServedTurns<R>, close: () => Promise<void>): void {
  const send = (message: unknown) => process.send!(message);
  let queue = Promise.resolve();
  process.on('message', (request: TurnRequest) => {
    queue = queue.then(async () => {
      try {
        const value = await serve(turns, request);
        send({ id: request.id, ok: true, value } satisfies TurnReply);
      } catch (error) {
        send({ id: request.id, ok: false, error: String(error) } satisfies TurnReply);
      }
    });
  });
  // The bench closes the channel when it is done with the child, or dies: either way the
  // child's servers go with it.
  process.once('disconnect', () => void close().finally(() => process.exit(0)));
  send({ ready: true });
}

/** The bench's side: the child's turns as calls. */
export interface RemoteTurns<R> {
  ring(i: number, like: unknown): Promise<void>;
  edit(e: number, like: unknown): Promise<void>;
  joinPairs(): Promise<void>;
  report(): Promise<R>;
  /** Closes the channel and waits for the child to stop its servers and exit. */
  close(): Promise<void>;
}

/**
 * Forks `script` with `args` and `env` added (the same Node flags as this process, so TypeScript
 * loads the same way) and waits for its ready message.
 */
export async function forkTurns<R>(script: string, args: string[], env: Record<string, string>): Promise<RemoteTurns<R>> {
  const child: ChildProcess = fork(script, args, { env: { ...process.env, ...env }, execArgv: process.execArgv });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  let failure: Error | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      failure = new Error(`the relay's client process ended (${signal ?? `exit ${code}`})`);
      for (const p of pending.values()) p.reject(failure);
      pending.clear();
      resolve();
    })
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    void exited.then(() => reject(failure));
  });
  child.on('message', (reply: TurnReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  });
  const ask = <T>(request: Unnumbered<TurnRequest>) =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++next;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  return {
    ring: (i, like) => ask({ do: 'ring', i, like }),
    edit: (e, like) => ask({ do: 'edit', e, like }),
    joinPairs: () => ask({ do: 'joinPairs' }),
    report: () => ask<R>({ do: 'report' }),
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    }
  };
}
