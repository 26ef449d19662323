/** Data access for `site_logos`: each site's logo image (PNG or JPEG), apart from the site's row. */
import type { Db } from '../db/database';

export type LogoMime = 'image/png' | 'image/jpeg';

export interface SiteLogo {
  mime: LogoMime;
  data: Buffer;
  hash: string;
}

export function createSiteLogosRepository(db: Db) {
  const upsert = db.prepare(
    `INSERT INTO site_logos (site_id, mime, data, hash, updated_at) VALUES (@siteId, @mime, @data, @hash, @at)
     ON CONFLICT (site_id) DO UPDATE SET mime = excluded.mime, data = excluded.data, hash = excluded.hash,
       updated_at = excluded.updated_at`
  );
  const remove = db.prepare('DELETE FROM site_logos WHERE site_id = ?');
  const bySite = db.prepare('SELECT mime, data, hash FROM site_logos WHERE site_id = ?');

  return {
    set(siteId: string, logo: SiteLogo, at: string): void {
      upsert.run({ siteId, ...logo, at });
    },
    remove(siteId: string): void {
      remove.run(siteId);
    },
    find(siteId: string): SiteLogo | null {
      return (bySite.get(siteId) as SiteLogo | undefined) ?? null;
    }
  };
}
