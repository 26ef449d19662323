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
