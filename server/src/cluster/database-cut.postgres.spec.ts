/**
 * PostgreSQL cuts every connection of both nodes at once, as a restart or a failover of the
 * database does (`pg_terminate_backend`, the same FATAL 57P01 a fast shutdown sends). Neither node
 * may fall: pg reports each cut as an `error` event on the client, and the clients checked out at
 * that moment (the socket.io adapter's LISTEN connection always is) had nobody listening. Once they
 * have connected again, a call made on one node still rings the tablet on the other. Closing the
 * nodes after the test (the hook) checks the adapter gave its dead connection back to its pool: a
 * pool ends only once every connection it lent is back.
 */
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, nextEvent, type TestClient } from '../testing/test-server';
import { twoNodesOnOneDatabase } from '../testing/two-nodes';

const nodes = twoNodesOnOneDatabase();
let hall: Hall;
/** Marie's tablet, on the second node. */
let marie: TestClient;
/** What reached the process unheard: an `error` event with no listener ends up here. */
const uncaught: unknown[] = [];
const hear = (error: unknown) => uncaught.push(error);

beforeEach(async () => {
  uncaught.length = 0;
  process.on('uncaughtException', hear);
  hall = await openHall(nodes.first, { procedureId: 'essai-saisies' });
  hall.marie.disconnect();
  hall.karim.disconnect();
  marie = await connect(nodes.second, 'agent', hall.marieToken);
});

afterEach(() => {
  process.off('uncaughtException', hear);
});

/** Ends every other connection to the nodes' database; returns how many. */
async function cutEveryConnection(): Promise<number> {
  const admin = new pg.Client({ connectionString: nodes.databaseUrl });
  await admin.connect();
  try {
    // The list first: a filter in the same WHERE may be applied after the termination.
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'`
    );
    for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    return rows.length;
  } finally {
    await admin.end();
  }
}

it('neither node falls when the database cuts their connections, and a call rings across them again', async () => {
  const [siteId] = await nodes.first.store.sites.listIds();
  await expect.poll(() => nodes.first.app.services.agents.connectedCount(siteId!)).toBe(1);

  // At least each node's LISTEN connection and a connection of each node's store.
  expect(await cutEveryConnection()).toBeGreaterThanOrEqual(4);

  // A call made once the nodes are connected again rings Marie's tablet on the other node.
  await expect
    .poll(
      async () => {
        const ring = nextEvent(marie, 'call:ring', 1000).catch(() => null);
        const made = await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() });
        if (!made.ok) return 'refused';
        const rung = await ring;
        ok(await command(hall.kiosk, 'call:cancel', { callId: made.data.id }));
        return rung?.callId === made.data.id ? 'rung' : 'not rung';
      },
      { timeout: 20_000, interval: 200 }
    )
    .toBe('rung');
  expect(uncaught).toEqual([]);
}, 45_000);
