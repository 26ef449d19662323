/** Data access for `site_logos`: each site's logo image (PNG or JPEG), apart from the site's row. */
import type { Executor } from '../db/executor';

export type LogoMime = 'image/png' | 'image/jpeg';

export interface SiteLogo {
  mime: LogoMime;
  data: Buffer;
  hash: string;
}

export function createSiteLogosRepository(ex: Executor) {
  return {
    async set(siteId: string, logo: SiteLogo, at: string): Promise<void> {
      await ex
        .db()
        .insertInto('site_logos')
        .values({ site_id: siteId, mime: logo.mime, data: logo.data, hash: logo.hash, updated_at: at })
        .onConflict((oc) =>
          oc.column('site_id').doUpdateSet((eb) => ({
            mime: eb.ref('excluded.mime'),
            data: eb.ref('excluded.data'),
            hash: eb.ref('excluded.hash'),
            updated_at: eb.ref('excluded.updated_at')
          }))
        )
        .execute();
    },
    async remove(siteId: string): Promise<void> {
      await ex.db().deleteFrom('site_logos').where('site_id', '=', siteId).execute();
    },
    async find(siteId: string): Promise<SiteLogo | null> {
      const row = await ex
        .db()
        .selectFrom('site_logos')
        .select(['mime', 'data', 'hash'])
        .where('site_id', '=', siteId)
        .executeTakeFirst();
      return row ? { mime: row.mime, data: row.data, hash: row.hash } : null;
    }
  };
}
