/**
 * A connection the server cuts (a restart of PostgreSQL, a failover, `pg_terminate_backend`, a
 * network drop) is reported by pg as an `error` event on its client, and an `error` event nobody
 * listens to ends the process. pg-pool listens only while a client sits idle in the pool (and then
 * tells the pool's own `error` listeners); while a client is checked out, for a transaction or for
 * good as the socket.io adapter's LISTEN connection, the error is its holder's to hear.
 */
import type { Pool } from 'pg';

/**
 * Hears every connection error of `pool`, idle or checked out, for the whole life of each client.
 * The statement in flight still fails, and says so; the pool drops the broken client when it is
 * given back, and opens a new one for the next statement.
 */
export function hearConnectionErrors(pool: Pool, onError: (error: Error) => void): void {
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
}
