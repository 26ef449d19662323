/** Data access for `counters`: where tickets are called to, and the services each calls from now. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { CountersTable } from '../db/schema';

type CounterRow = Selectable<CountersTable>;

export interface Counter {
  id: string;
  siteId: string;
  name: string;
  services: string[];
  position: number;
}

function parseServices(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

const toCounter = (row: CounterRow): Counter => ({
  id: row.id,
  siteId: row.site_id,
  name: row.name,
  services: parseServices(row.services),
  position: row.position
});

export function createCountersRepository(ex: Executor) {
  const counters = () => ex.db().selectFrom('counters').selectAll();

  return {
    async insert(counter: Counter): Promise<void> {
      await ex
        .db()
        .insertInto('counters')
        .values({
          id: counter.id,
          site_id: counter.siteId,
          name: counter.name,
          services: JSON.stringify(counter.services),
          position: counter.position
        })
        .execute();
    },
    async findById(id: string): Promise<Counter | null> {
      const row = await counters().where('id', '=', id).executeTakeFirst();
      return row ? toCounter(row) : null;
    },
    listInSite: async (siteId: string): Promise<Counter[]> =>
      (await counters().where('site_id', '=', siteId).orderBy('position').orderBy('name').execute()).map(toCounter),
    /**
     * The request id of the counter's last « next », its row then locked until the transaction
     * ends on PostgreSQL (another node's « next » for this counter waits); undefined: no counter.
     */
    async lockForNext(id: string): Promise<string | null | undefined> {
      let query = ex.db().selectFrom('counters').select('last_next_request').where('id', '=', id);
      if (ex.engine === 'postgres') query = query.forUpdate();
      return (await query.executeTakeFirst())?.last_next_request;
    },
    async setLastNext(id: string, requestId: string): Promise<void> {
      await ex.db().updateTable('counters').set({ last_next_request: requestId }).where('id', '=', id).execute();
    },
    async setServices(id: string, services: string[]): Promise<void> {
      await ex
        .db()
        .updateTable('counters')
        .set({ services: JSON.stringify(services) })
        .where('id', '=', id)
        .execute();
    },
    async rename(id: string, name: string): Promise<void> {
      await ex.db().updateTable('counters').set({ name }).where('id', '=', id).execute();
    }
  };
}
