/** Data access for `sites`. */
import type { Db } from '../db/database';
import { parseStoredHours, type OpeningHours, type SiteInfo } from '../../../shared/schemas/site';
import type { CallSettings } from '../../../shared/schemas/call';

interface SiteRow {
  id: string;
  name: string;
  address: string;
  phone: string;
  timezone: string;
  is_demo: number;
  created_at: string;
  call_widen_seconds: number;
  priority_every: number;
  retention_days: number;
  announce_locale: 'en' | 'ar' | null;
  call_give_up_seconds: number;
  reception_hint: string;
  opening_hours: string;
}

export interface Site extends SiteInfo {
  isDemo: boolean;
  createdAt: string;
  /** One priority ticket after this many regular ones. */
  priorityEvery: number;
  /** The display's second language for spoken calls, after French. */
  announceLocale: 'en' | 'ar' | null;
}

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    phone: row.phone,
    timezone: row.timezone,
    receptionHint: row.reception_hint,
    openingHours: parseStoredHours(row.opening_hours),
    isDemo: row.is_demo === 1,
    createdAt: row.created_at,
    calls: { widenSeconds: row.call_widen_seconds, giveUpSeconds: row.call_give_up_seconds },
    priorityEvery: row.priority_every,
    retentionDays: row.retention_days,
    announceLocale: row.announce_locale
  };
}

export function toSiteInfo(site: Site): SiteInfo {
  return {
    id: site.id,
    name: site.name,
    address: site.address,
    phone: site.phone,
    timezone: site.timezone,
    receptionHint: site.receptionHint,
    openingHours: site.openingHours,
    calls: site.calls,
    retentionDays: site.retentionDays
  };
}

export type SitesRepository = ReturnType<typeof createSitesRepository>;

export function createSitesRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO sites (id, name, address, phone, timezone, is_demo, created_at, reception_hint, opening_hours)
     VALUES (@id, @name, @address, @phone, @timezone, @isDemo, @createdAt, @receptionHint, @openingHours)`
  );
  const setCalls = db.prepare('UPDATE sites SET call_widen_seconds = ?, call_give_up_seconds = ? WHERE id = ?');
  const setHours = db.prepare('UPDATE sites SET opening_hours = ? WHERE id = ?');
  const setQueue = db.prepare('UPDATE sites SET priority_every = ?, announce_locale = ? WHERE id = ?');
  const setRetention = db.prepare('UPDATE sites SET retention_days = ? WHERE id = ?');
  const byId = db.prepare('SELECT * FROM sites WHERE id = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM sites');
  const demo = db.prepare('SELECT * FROM sites WHERE is_demo = 1');
  const all = db.prepare('SELECT * FROM sites ORDER BY name');

  return {
    insert(
      site: Omit<Site, 'calls' | 'receptionHint' | 'openingHours' | 'priorityEvery' | 'announceLocale' | 'retentionDays'> &
        Partial<Pick<Site, 'receptionHint' | 'openingHours'>>
    ): void {
      insert.run({
        ...site,
        isDemo: site.isDemo ? 1 : 0,
        receptionHint: site.receptionHint ?? '',
        openingHours: JSON.stringify(site.openingHours ?? {})
      });
    },
    setCallSettings(siteId: string, settings: CallSettings): void {
      setCalls.run(settings.widenSeconds, settings.giveUpSeconds, siteId);
    },
    setQueueSettings(siteId: string, settings: { priorityEvery: number; announceLocale: 'en' | 'ar' | null }): void {
      setQueue.run(settings.priorityEvery, settings.announceLocale, siteId);
    },
    setRetention(siteId: string, days: number): void {
      setRetention.run(days, siteId);
    },
    setOpeningHours(siteId: string, hours: OpeningHours): void {
      setHours.run(JSON.stringify(hours), siteId);
    },
    findById(id: string): Site | null {
      const row = byId.get(id) as SiteRow | undefined;
      return row ? toSite(row) : null;
    },
    count(): number {
      return (count.get() as { n: number }).n;
    },
    listAll(): Site[] {
      return (all.all() as SiteRow[]).map(toSite);
    },
    listDemo(): Site[] {
      return (demo.all() as SiteRow[]).map(toSite);
    }
  };
}
