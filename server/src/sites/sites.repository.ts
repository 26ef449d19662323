/** Data access for `sites`. */
import type { Db } from '../db/database';
import type { SiteInfo } from '../../../shared/schemas/site';

interface SiteRow {
  id: string;
  name: string;
  address: string;
  phone: string;
  timezone: string;
  is_demo: number;
  created_at: string;
}

export interface Site extends SiteInfo {
  isDemo: boolean;
  createdAt: string;
}

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    phone: row.phone,
    timezone: row.timezone,
    isDemo: row.is_demo === 1,
    createdAt: row.created_at
  };
}

export function toSiteInfo(site: Site): SiteInfo {
  return { id: site.id, name: site.name, address: site.address, phone: site.phone, timezone: site.timezone };
}

export type SitesRepository = ReturnType<typeof createSitesRepository>;

export function createSitesRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO sites (id, name, address, phone, timezone, is_demo, created_at) VALUES (@id, @name, @address, @phone, @timezone, @isDemo, @createdAt)'
  );
  const byId = db.prepare('SELECT * FROM sites WHERE id = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM sites');

  return {
    insert(site: Site): void {
      insert.run({ ...site, isDemo: site.isDemo ? 1 : 0 });
    },
    findById(id: string): Site | null {
      const row = byId.get(id) as SiteRow | undefined;
      return row ? toSite(row) : null;
    },
    count(): number {
      return (count.get() as { n: number }).n;
    }
  };
}
