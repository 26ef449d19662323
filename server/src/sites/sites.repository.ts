/** Data access for `sites`. */
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import { first, prepare } from '../db/prepared';
import type { Database, SitesTable } from '../db/schema';
import {
  parseStoredClosedDays,
  parseStoredHours,
  parseStoredLanguages,
  type ClosedDay,
  type KioskDelays,
  type KioskLanguage,
  type OpeningHours,
  type SiteInfo
} from '../../../shared/schemas/site';
import type { CallSettings } from '../../../shared/schemas/call';

type SiteRow = Selectable<SitesTable> & {
  /** From site_logos (joined): the logo's hash, null without one. */
  logo_hash: string | null;
};

export interface Site extends Omit<SiteInfo, 'logoUrl' | 'kiosk'> {
  isDemo: boolean;
  createdAt: string;
  /** One priority ticket after this many regular ones. */
  priorityEvery: number;
  /** The display's second language for spoken calls, after French. */
  announceLocale: 'en' | 'ar' | null;
  /** The site's own kiosk delays; null: the server's defaults. */
  kioskIdleSeconds: number | null;
  kioskCountdownSeconds: number | null;
  logoHash: string | null;
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
    pinMinLength: row.pin_min_length,
    // Only ever written from the settings' 'en' | 'ar' | null.
    announceLocale: row.announce_locale as 'en' | 'ar' | null,
    languages: parseStoredLanguages(row.kiosk_languages),
    kioskIdleSeconds: row.kiosk_idle_seconds,
    kioskCountdownSeconds: row.kiosk_countdown_seconds,
    closedDays: parseStoredClosedDays(row.closed_days),
    closedMessage: row.closed_message,
    logoHash: row.logo_hash
  };
}

/** The server's own kiosk delays (configuration), for the sites that keep them. */
export function kioskDefaults(config: { kioskIdleSeconds: number; kioskCountdownSeconds: number }): KioskDelays {
  return { idleSeconds: config.kioskIdleSeconds, countdownSeconds: config.kioskCountdownSeconds };
}

/**
 * What every face may know of a site. `kioskDefaults` are the server's own inactivity delays
 * (configuration), used while the site has not set its own.
 */
export function toSiteInfo(site: Site, kioskDefaults: KioskDelays): SiteInfo {
  return {
    id: site.id,
    name: site.name,
    address: site.address,
    phone: site.phone,
    timezone: site.timezone,
    receptionHint: site.receptionHint,
    openingHours: site.openingHours,
    calls: site.calls,
    retentionDays: site.retentionDays,
    pinMinLength: site.pinMinLength,
    logoUrl: site.logoHash ? `/api/site-logo?v=${site.logoHash}` : null,
    languages: site.languages,
    kiosk: {
      idleSeconds: site.kioskIdleSeconds ?? kioskDefaults.idleSeconds,
      countdownSeconds: site.kioskCountdownSeconds ?? kioskDefaults.countdownSeconds
    },
    closedDays: site.closedDays,
    closedMessage: site.closedMessage
  };
}

/** What the manager sets on « Réglages du site » (identity and kiosk). */
export interface SiteSettingsUpdate {
  name: string;
  address: string;
  phone: string;
  receptionHint: string;
  languages: KioskLanguage[];
  idleSeconds: number;
  countdownSeconds: number;
  closedMessage: string;
}

export function createSitesRepository(ex: Executor) {
  // The logo's hash comes along (a primary-key lookup); the image itself never does.
  const withLogo = (db: Kysely<Database>) =>
    db.selectFrom('sites as s').leftJoin('site_logos as l', 'l.site_id', 's.id').selectAll('s').select('l.hash as logo_hash');
  const sites = () => withLogo(ex.db());
  const update = () => ex.db().updateTable('sites');
  /** Told each committed change of what decides whether a site is open (see `onOpeningChange`). */
  const openingListeners: ((siteId: string) => void)[] = [];
  const openingChanged = (siteId: string) =>
    ex.afterCommit(() => {
      lastRead.delete(siteId);
      for (const fn of openingListeners) fn(siteId);
    });
  /**
   * Each site as this process last read it, once that read's transaction committed: what a call
   * rings from before its own read of the site answers (calls.service `ringBeforeWritten`), which
   * then checks it. Dropped when the site's opening changes, here or on another node (`forget`).
   */
  const lastRead = new Map<string, Site>();
  // Read by every call and every ticket: compiled once.
  const byId = prepare(ex, (db, p: { id: string }) => withLogo(db).where('s.id', '=', p.id));

  return {
    async insert(
      site: Omit<
        Site,
        | 'calls'
        | 'receptionHint'
        | 'openingHours'
        | 'priorityEvery'
        | 'announceLocale'
        | 'retentionDays'
        | 'pinMinLength'
        // Settings a new site starts without: every language, the server's delays, no closed day, no logo.
        | 'languages'
        | 'kioskIdleSeconds'
        | 'kioskCountdownSeconds'
        | 'closedDays'
        | 'closedMessage'
        | 'logoHash'
      > &
        Partial<Pick<Site, 'receptionHint' | 'openingHours'>>
    ): Promise<void> {
      await ex
        .db()
        .insertInto('sites')
        .values({
          id: site.id,
          name: site.name,
          address: site.address,
          phone: site.phone,
          timezone: site.timezone,
          is_demo: site.isDemo ? 1 : 0,
          created_at: site.createdAt,
          reception_hint: site.receptionHint ?? '',
          opening_hours: JSON.stringify(site.openingHours ?? {})
        })
        .execute();
    },
    async setCallSettings(siteId: string, settings: CallSettings): Promise<void> {
      await update()
        .set({ call_widen_seconds: settings.widenSeconds, call_give_up_seconds: settings.giveUpSeconds })
        .where('id', '=', siteId)
        .execute();
    },
    async setQueueSettings(
      siteId: string,
      settings: { priorityEvery: number; announceLocale: 'en' | 'ar' | null }
    ): Promise<void> {
      await update()
        .set({ priority_every: settings.priorityEvery, announce_locale: settings.announceLocale })
        .where('id', '=', siteId)
        .execute();
    },
    async setRetention(siteId: string, days: number): Promise<void> {
      await update().set({ retention_days: days }).where('id', '=', siteId).execute();
    },
    async setPinMinLength(siteId: string, minLength: 4 | 6): Promise<void> {
      await update().set({ pin_min_length: minLength }).where('id', '=', siteId).execute();
    },
    async setOpeningHours(siteId: string, hours: OpeningHours): Promise<void> {
      await update()
        .set({ opening_hours: JSON.stringify(hours) })
        .where('id', '=', siteId)
        .execute();
      openingChanged(siteId);
    },
    async setSettings(siteId: string, settings: SiteSettingsUpdate): Promise<void> {
      await update()
        .set({
          name: settings.name,
          address: settings.address,
          phone: settings.phone,
          reception_hint: settings.receptionHint,
          kiosk_languages: JSON.stringify(settings.languages),
          kiosk_idle_seconds: settings.idleSeconds,
          kiosk_countdown_seconds: settings.countdownSeconds,
          closed_message: settings.closedMessage
        })
        .where('id', '=', siteId)
        .execute();
    },
    /** Kept in date order, so lists and the kiosk read them as a calendar. */
    async setClosedDays(siteId: string, days: ClosedDay[]): Promise<void> {
      const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
      await update()
        .set({ closed_days: JSON.stringify(sorted) })
        .where('id', '=', siteId)
        .execute();
      openingChanged(siteId);
    },
    /** `fn` is told, once committed, each change of a site's opening hours or closed days. */
    onOpeningChange(fn: (siteId: string) => void): void {
      openingListeners.push(fn);
    },
    async findById(id: string): Promise<Site | null> {
      const row = await first(byId({ id }));
      if (!row) return null;
      const site = toSite(row);
      ex.afterCommit(() => lastRead.set(id, site));
      return site;
    },
    /** The site as this process last read it, if it did since it was last changed (see `lastRead`). */
    lastRead: (id: string): Site | undefined => lastRead.get(id),
    /** Another node changed this site's opening: read it again. */
    forget(id: string): void {
      lastRead.delete(id);
    },
    async count(): Promise<number> {
      const row = await ex
        .db()
        .selectFrom('sites')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Every site's id (the leases a node claims): no settings, no logo. */
    async listIds(): Promise<string[]> {
      return (await ex.db().selectFrom('sites').select('id').orderBy('id').execute()).map((r) => r.id);
    },
    async listAll(): Promise<Site[]> {
      return (await sites().orderBy('s.name').orderBy('s.id').execute()).map(toSite);
    },
    /** In the order the sites were made: said, since without an ORDER BY another engine may answer in any order. */
    async listDemo(): Promise<Site[]> {
      return (await sites().where('s.is_demo', '=', 1).orderBy('s.created_at').orderBy('s.id').execute()).map(toSite);
    }
  };
}
