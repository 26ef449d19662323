/** Extra sites, accounts and terminals for tests, written through the real data modules. */
import { randomUUID } from 'node:crypto';
import { hashSecret } from '../auth/secrets';
import type { Clock } from '../clock';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Store } from '../store';

export interface SiteFixture {
  siteId: string;
  managerLogin: string;
  agentLogin: string;
  kioskId: string;
}

export const fixturePassword = 'correct-horse-battery';
export const fixturePin = '2468';

export async function addSite(store: Store, clock: Clock, name: string): Promise<SiteFixture> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const [managerHash, agentHash] = await Promise.all([hashSecret(fixturePassword), hashSecret(fixturePin)]);
  const now = clock.now().toISOString();
  const siteId = randomUUID();
  const kioskId = randomUUID();
  await store.transaction(async () => {
    await store.sites.insert({
      id: siteId,
      name,
      address: `1 rue de ${name}`,
      phone: '',
      timezone: 'Europe/Paris',
      isDemo: false,
      createdAt: now
    });
    await store.accounts.insert({
      id: randomUUID(),
      siteId,
      role: 'manager',
      login: `${slug}-manager`,
      firstName: 'Alex',
      secretHash: managerHash,
      active: true,
      createdAt: now
    });
    await store.accounts.insert({
      id: randomUUID(),
      siteId,
      role: 'agent',
      login: `${slug}-agent`,
      firstName: 'Sam',
      secretHash: agentHash,
      active: true,
      createdAt: now
    });
    await store.terminals.insert({ id: kioskId, siteId, kind: 'kiosk', name: `Borne ${name}`, location: '', pairedAt: now });
  });
  return { siteId, managerLogin: `${slug}-manager`, agentLogin: `${slug}-agent`, kioskId };
}

/**
 * Every row of every table, to prove that a refused command changed nothing. Read in one
 * transaction: never halfway through another command's. Rows in the order of all their columns
 * (the primary key among them): a total order, the same on both engines.
 */
export async function snapshot(
  store: Store,
  // Leases are renewed every few seconds whatever the commands do, and the adapter's table is its
  // own: neither is what a command writes. A search of everything passes [].
  skipped: string[] = ['leases', 'socket_io_attachments']
): Promise<Record<string, unknown[]>> {
  const tables = (await store.executor.db().introspection.getTables())
    .filter((t) => !skipped.includes(t.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return store.transaction(async () => {
    const dump: Record<string, unknown[]> = {};
    for (const table of tables) {
      // Table names come from the schema itself, not from the spec: the dynamic form is needed.
      const db = store.executor.db() as unknown as Kysely<Record<string, Record<string, unknown>>>;
      let query = db.selectFrom(table.name).selectAll();
      for (const column of table.columns) query = query.orderBy(column.name);
      dump[table.name] = await query.execute();
    }
    return dump;
  });
}

/** The rows of a spec's own SQL, on either engine (SQL both engines speak). */
export async function rows<T = Record<string, unknown>>(store: Store, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(store.executor.db())).rows;
}

/** The first column of the first row of a spec's own SQL (a count, an id), or undefined. */
export async function value(store: Store, query: RawBuilder<unknown>): Promise<unknown> {
  const [row] = await rows(store, query);
  return row ? Object.values(row as Record<string, unknown>)[0] : undefined;
}

/**
 * Makes every `operation` on `table` fail, as a full disk would, until the returned function is
 * called: a trigger raising an error, in each engine's own form.
 */
export async function refuseWrites(
  store: Store,
  table: string,
  operation: 'INSERT' | 'UPDATE' | 'DELETE',
  message = 'disk full'
): Promise<() => Promise<void>> {
  const name = `refuse_${operation.toLowerCase()}_${table}`;
  const db = store.executor.db();
  if (store.engine === 'sqlite') {
    // TEMP: on this connection only, never written into the database file.
    await sql
      .raw(`CREATE TEMP TRIGGER ${name} BEFORE ${operation} ON ${table} BEGIN SELECT RAISE(ABORT, '${message}'); END`)
      .execute(db);
    return async () => {
      await sql.raw(`DROP TRIGGER ${name}`).execute(store.executor.db());
    };
  }
  await sql
    .raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${message}'; END $$`)
    .execute(db);
  await sql.raw(`CREATE TRIGGER ${name} BEFORE ${operation} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`).execute(db);
  return async () => {
    await sql.raw(`DROP TRIGGER ${name} ON ${table}`).execute(store.executor.db());
    await sql.raw(`DROP FUNCTION ${name}()`).execute(store.executor.db());
  };
}

/** The tables where some row holds `text` (JSON of the row, so any column, any type). */
export async function tablesMentioning(store: Store, text: string): Promise<string[]> {
  return Object.entries(await snapshot(store))
    .filter(([, tableRows]) => JSON.stringify(tableRows).includes(text))
    .map(([table]) => table);
}
