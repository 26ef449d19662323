/**
 * A keystroke and a call command changing the same session at once, on PostgreSQL, where their
 * transactions run side by side. Both read the version from the server's copy of the session; they
 * must take N+1 and N+2, not both N+1 (the second would then fail on the patches' unique key and
 * the citizen's call or keystroke be refused).
 *
 * The overlap is forced, not hoped for: a connection of the spec's own locks the session's row, so
 * the call command's write waits there with its change computed; the keystroke is sent then, and
 * the row let go once the keystroke's transaction is seen open. On a real throwaway cluster.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TerminalIdentity } from '../../../shared/identity';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { ManualClock } from '../clock';
import { openStore, type OpenStore } from '../db/open-store';
import type { After } from '../events/after';
import type { Notifier } from '../events/notifier';
import { createProceduresService } from '../procedures/procedures.service';
import { createStore, type Store } from '../store';
import { createSessionsService } from './sessions.service';

const at = '2026-12-04T09:00:00.000Z';
/** Nothing is broadcast here: what runs after an ack, and every notification, is dropped. */
const after: After = () => {};
const silent = new Proxy({}, { get: () => () => undefined }) as Notifier;

let cluster: PgCluster;
let opened: OpenStore;
let store: Store;
/** A connection of the spec's own, outside the store's pool. */
let observer: pg.Client;

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  opened = await openStore({ databaseUrl: cluster.url, databaseFile: '', backupDir: '', backupsKept: 1 });
  store = createStore(opened.executor, null);
  observer = new pg.Client({ connectionString: cluster.url });
  await observer.connect();
}, 60_000);
afterAll(async () => {
  await observer?.end();
  await opened?.close();
  await cluster?.stop();
});

/** Polls the cluster's own view of its connections until `found` returns a value (no time is asserted). */
async function until<T>(sql: string, found: (rows: Record<string, unknown>[]) => T | undefined): Promise<T> {
  for (;;) {
    // Inside the spec's transaction the statistics views would keep their first reading.
    await observer.query('SELECT pg_stat_clear_snapshot()');
    const value = found((await observer.query(sql)).rows);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The connection waiting for a row another transaction locked, if any. */
const rowWaiter = () =>
  until(
    "SELECT pid FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted",
    (rows) => rows[0]?.pid as number | undefined
  );

it('a keystroke during a call command’s change of the same session waits for it, then takes the next version', async () => {
  const clock = new ManualClock(at);
  const siteId = randomUUID();
  const terminalId = randomUUID();
  await store.sites.insert({
    id: siteId,
    name: 'Mairie',
    address: '',
    phone: '',
    timezone: 'Europe/Paris',
    isDemo: false,
    createdAt: at
  });
  await store.terminals.insert({ id: terminalId, siteId, kind: 'kiosk', name: 'Borne 1', location: '', pairedAt: at });
  const procedures = createProceduresService({
    store,
    clock,
    logger: pino({ level: 'silent' }),
    seed: [],
    publishedChanged: () => {}
  });
  const sessions = createSessionsService({
    store,
    clock,
    procedures,
    notifier: silent,
    limits: { maxBytes: 64 * 1024, patchesKept: 200 }
  });
  const kiosk: TerminalIdentity = { kind: 'terminal', role: 'kiosk', siteId, terminalId, name: 'Borne 1', location: '' };
  const { id: sessionId, version } = await sessions.start(kiosk, { requestId: randomUUID(), locale: 'fr' });
  const stored = (await sessions.find(sessionId))!;

  await observer.query('BEGIN');
  await observer.query('SELECT 1 FROM kiosk_sessions WHERE id = $1 FOR UPDATE', [sessionId]);
  // As `call:create` does: its own writes, then the session's change, in one transaction.
  const command = store.transaction(() =>
    sessions.commit(stored, [{ op: 'agent', agent: { firstName: 'Marie', connected: true } }], { kind: 'system' }, after)
  );
  const commandPid = await rowWaiter();
  const keystroke = sessions.patch(
    kiosk,
    { sessionId, patchId: randomUUID(), ops: [{ op: 'locale', locale: 'en' }] },
    'kiosk-socket',
    after
  );
  // The keystroke started while the command holds the session and waits for its row: it cannot
  // have gone before it. (Its transaction sends nothing to the database until it has the
  // session: BEGIN goes with its first statement, so there is no open transaction to wait for.)
  expect(commandPid).toBeGreaterThan(0);
  await observer.query('COMMIT');

  const results = await Promise.allSettled([command, keystroke]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
  const { rows } = await observer.query<{ version: number }>(
    'SELECT version FROM session_patches WHERE session_id = $1 ORDER BY version',
    [sessionId]
  );
  expect(rows.map((r) => r.version)).toEqual([version + 1, version + 2]);
  const saved = (await store.sessions.findById(sessionId))!.state;
  expect(saved).toMatchObject({ version: version + 2, locale: 'en', agent: { firstName: 'Marie', connected: true } });
});
