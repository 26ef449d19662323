/** Data access for `services`: each site's queues, with their letter and the priority rule's memory. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { ServicesTable } from '../db/schema';
import { parseStoredHours, type OpeningHours } from '../../../shared/schemas/site';

type ServiceRow = Selectable<ServicesTable>;

export interface Service {
  siteId: string;
  id: string;
  prefix: string;
  name: string;
  position: number;
  /** Regular tickets called since the last priority one. */
  regularStreak: number;
  /** Its own hours; empty: the site's. */
  openingHours: OpeningHours;
}

const toService = (row: ServiceRow): Service => ({
  siteId: row.site_id,
  id: row.id,
  prefix: row.prefix,
  name: row.name,
  position: row.position,
  regularStreak: row.regular_streak,
  openingHours: parseStoredHours(row.opening_hours)
});

export function createServicesRepository(ex: Executor) {
  const services = () => ex.db().selectFrom('services').selectAll();

  return {
    async insert(service: Omit<Service, 'regularStreak' | 'openingHours'> & { openingHours?: OpeningHours }): Promise<void> {
      await ex
        .db()
        .insertInto('services')
        .values({
          site_id: service.siteId,
          id: service.id,
          prefix: service.prefix,
          name: service.name,
          position: service.position,
          opening_hours: JSON.stringify(service.openingHours ?? {})
        })
        .execute();
    },
    async update(service: Pick<Service, 'siteId' | 'id' | 'prefix' | 'name' | 'openingHours'>): Promise<void> {
      await ex
        .db()
        .updateTable('services')
        .set({ prefix: service.prefix, name: service.name, opening_hours: JSON.stringify(service.openingHours) })
        .where('site_id', '=', service.siteId)
        .where('id', '=', service.id)
        .execute();
    },
    /** Every site's services, in one read (the metrics' count per site and service). */
    listAll: async (): Promise<Service[]> =>
      (await services().orderBy('site_id').orderBy('position').orderBy('id').execute()).map(toService),
    listInSite: async (siteId: string): Promise<Service[]> =>
      (await services().where('site_id', '=', siteId).orderBy('position').orderBy('id').execute()).map(toService),
    async find(siteId: string, id: string): Promise<Service | null> {
      const row = await services().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
      return row ? toService(row) : null;
    },
    /**
     * Holds these services until the transaction ends (locked on PostgreSQL, in the order of their
     * ids; on SQLite the transaction has the store to itself): counters calling from the same
     * service pick their next ticket, and move its priority streak, one after the other.
     */
    async lockForCall(siteId: string, ids: string[]): Promise<void> {
      if (ex.engine !== 'postgres' || ids.length === 0) return;
      await ex
        .db()
        .selectFrom('services')
        .select('id')
        .where('site_id', '=', siteId)
        .where('id', 'in', ids)
        .orderBy('id')
        .forUpdate()
        .execute();
    },
    async setStreak(siteId: string, id: string, streak: number): Promise<void> {
      await ex
        .db()
        .updateTable('services')
        .set({ regular_streak: streak })
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .execute();
    }
  };
}
