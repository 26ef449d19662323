/** Data access for `services`: each site's queues, with their letter and the priority rule's memory. */
import type { Db } from '../db/database';
import { parseStoredHours, type OpeningHours } from '../../../shared/schemas/site';

interface ServiceRow {
  site_id: string;
  id: string;
  prefix: string;
  name: string;
  position: number;
  regular_streak: number;
  opening_hours: string;
}

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

export function createServicesRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO services (site_id, id, prefix, name, position, opening_hours)
     VALUES (@siteId, @id, @prefix, @name, @position, @openingHours)`
  );
  const update = db.prepare(
    'UPDATE services SET prefix = @prefix, name = @name, opening_hours = @openingHours WHERE site_id = @siteId AND id = @id'
  );
  const inSite = db.prepare('SELECT * FROM services WHERE site_id = ? ORDER BY position, id');
  const one = db.prepare('SELECT * FROM services WHERE site_id = ? AND id = ?');
  const setStreak = db.prepare('UPDATE services SET regular_streak = ? WHERE site_id = ? AND id = ?');

  return {
    insert(service: Omit<Service, 'regularStreak' | 'openingHours'> & { openingHours?: OpeningHours }): void {
      insert.run({ ...service, openingHours: JSON.stringify(service.openingHours ?? {}) });
    },
    update(service: Pick<Service, 'siteId' | 'id' | 'prefix' | 'name' | 'openingHours'>): void {
      update.run({ ...service, openingHours: JSON.stringify(service.openingHours) });
    },
    listInSite: (siteId: string): Service[] => (inSite.all(siteId) as ServiceRow[]).map(toService),
    find(siteId: string, id: string): Service | null {
      const row = one.get(siteId, id) as ServiceRow | undefined;
      return row ? toService(row) : null;
    },
    setStreak(siteId: string, id: string, streak: number): void {
      setStreak.run(streak, siteId, id);
    }
  };
}
