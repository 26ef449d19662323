/** Data access for `counters`: where tickets are called to, and the services each calls from now. */
import type { Db } from '../db/database';

interface CounterRow {
  id: string;
  site_id: string;
  name: string;
  services: string;
  position: number;
}

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

export function createCountersRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO counters (id, site_id, name, services, position) VALUES (@id, @siteId, @name, @services, @position)'
  );
  const byId = db.prepare('SELECT * FROM counters WHERE id = ?');
  const inSite = db.prepare('SELECT * FROM counters WHERE site_id = ? ORDER BY position, name');
  const setServices = db.prepare('UPDATE counters SET services = ? WHERE id = ?');
  const rename = db.prepare('UPDATE counters SET name = ? WHERE id = ?');

  return {
    insert(counter: Counter): void {
      insert.run({ ...counter, services: JSON.stringify(counter.services) });
    },
    findById(id: string): Counter | null {
      const row = byId.get(id) as CounterRow | undefined;
      return row ? toCounter(row) : null;
    },
    listInSite: (siteId: string): Counter[] => (inSite.all(siteId) as CounterRow[]).map(toCounter),
    setServices(id: string, services: string[]): void {
      setServices.run(JSON.stringify(services), id);
    },
    rename(id: string, name: string): void {
      rename.run(name, id);
    }
  };
}
