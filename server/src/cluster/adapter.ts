/**
 * Broadcasts across nodes: socket.io's own PostgreSQL adapter (@socket.io/postgres-adapter,
 * maintained by the socket.io project), over the database the nodes already share, rather than
 * Redis: one service fewer to install, secure, back up and watch in a town hall's hosting, and a
 * hall's traffic (a few hundred small messages a second at most) is far below what LISTEN/NOTIFY
 * carries. A broadcast too large for a NOTIFY (8,000 bytes) goes through the
 * `socket_io_attachments` table (migration 0016).
 *
 * Two changes to how the adapter sends, both about this node's own sockets:
 * - they are served at once, then the other nodes are told. The adapter as published waits for
 *   the NOTIFY's round trip before it delivers even here: every keystroke and ring would wait for
 *   the database, and two broadcasts whose NOTIFYs came back in the other order would reach a
 *   tablet in that order;
 * - the NOTIFYs leave one after the other on one connection (a pool of two: the other one stays
 *   in LISTEN), so the other nodes get them in the order they were made.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Adapter, MessageType, type BroadcastOptions, type ClusterAdapter, type Room } from 'socket.io-adapter';
import { hearConnectionErrors } from '../db/pg-errors';
import type { GuichetServer } from '../socket/types';

type Published = { publish(message: unknown): void };

function encode(opts: BroadcastOptions) {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags };
}

/** This node's sockets first (the in-memory adapter's own code), then the other nodes. */
function serveHereFirst(adapter: ClusterAdapter): void {
  const local = Adapter.prototype;
  const others = adapter as unknown as Published;
  adapter.broadcast = async (packet: unknown, opts: BroadcastOptions) => {
    local.broadcast.call(adapter, packet, opts);
    if (!opts.flags?.local) others.publish({ type: MessageType.BROADCAST, data: { packet, opts: encode(opts) } });
  };
  adapter.addSockets = async (opts: BroadcastOptions, rooms: Room[]) => {
    local.addSockets.call(adapter, opts, rooms);
    if (!opts.flags?.local) others.publish({ type: MessageType.SOCKETS_JOIN, data: { opts: encode(opts), rooms } });
  };
  adapter.delSockets = async (opts: BroadcastOptions, rooms: Room[]) => {
    local.delSockets.call(adapter, opts, rooms);
    if (!opts.flags?.local) others.publish({ type: MessageType.SOCKETS_LEAVE, data: { opts: encode(opts), rooms } });
  };
  adapter.disconnectSockets = async (opts: BroadcastOptions, close: boolean) => {
    local.disconnectSockets.call(adapter, opts, close);
    if (!opts.flags?.local) others.publish({ type: MessageType.DISCONNECT_SOCKETS, data: { opts: encode(opts), close } });
  };
}

/**
 * The adapter holds its LISTEN connection for good and, when the server cuts it, takes a new one
 * without giving the dead one back: the pool would count it for ever (two such fill this pool of
 * two, and `end()` waits for it at shutdown). A connection still out a second after it ended is
 * given back, with its error, so the pool forgets it; a statement's own connection is given back by
 * pg at once, long before.
 */
function giveBackEnded(pool: Pool): void {
  const out = new Set<PoolClient>();
  pool.on('acquire', (client) => out.add(client));
  pool.on('release', (_error, client) => out.delete(client));
  pool.on('connect', (client) =>
    client.once('end', () => {
      setTimeout(() => {
        if (out.delete(client)) client.release(new Error('connection ended'));
      }, 1000).unref();
    })
  );
}

export async function attachPostgresAdapter(
  io: GuichetServer,
  databaseUrl: string,
  logger: Logger
): Promise<{ close(): Promise<void> }> {
  const [{ createAdapter }, pg] = await Promise.all([import('@socket.io/postgres-adapter'), import('pg')]);
  const pool = new pg.default.Pool({ connectionString: databaseUrl, max: 2 });
  // Its LISTEN connection is checked out for good: cut by the server, it must not end the process.
  // The adapter hears it end, and listens again on a new connection within 3 s.
  hearConnectionErrors(pool, (error) => logger.error({ err: error }, 'socket.io adapter connection failed'));
  giveBackEnded(pool);
  const make = createAdapter(pool, {
    // Nodes tell each other they are alive every 2 s and forget one silent for 6 s, as the leases do.
    heartbeatInterval: 2000,
    heartbeatTimeout: 6000,
    errorHandler: (error) => logger.error({ err: error }, 'socket.io adapter failed')
  });
  // socket.io builds the adapter with `new`: a function returning an object gives that object.
  function GuichetAdapter(nsp: unknown) {
    const adapter = make(nsp);
    serveHereFirst(adapter);
    return adapter;
  }
  io.adapter(GuichetAdapter as unknown as Parameters<GuichetServer['adapter']>[0] & {});
  return {
    async close() {
      await pool.end();
    }
  };
}
