/** Data access for `sites`. */
import type { Db } from '../db/database';
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
  pin_min_length: 4 | 6;
  announce_locale: 'en' | 'ar' | null;
  call_give_up_seconds: number;
  reception_hint: string;
  opening_hours: string;
  kiosk_languages: string;
  kiosk_idle_seconds: number | null;
  kiosk_countdown_seconds: number | null;
  closed_days: string;
  closed_message: string;
  /** From site_logos (joined): the logo's hash, null without one. */
  logo_hash: string | null;
}

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
    announceLocale: row.announce_locale,
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

export function createSitesRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO sites (id, name, address, phone, timezone, is_demo, created_at, reception_hint, opening_hours)
     VALUES (@id, @name, @address, @phone, @timezone, @isDemo, @createdAt, @receptionHint, @openingHours)`
  );
  const setCalls = db.prepare('UPDATE sites SET call_widen_seconds = ?, call_give_up_seconds = ? WHERE id = ?');
  const setHours = db.prepare('UPDATE sites SET opening_hours = ? WHERE id = ?');
  const setQueue = db.prepare('UPDATE sites SET priority_every = ?, announce_locale = ? WHERE id = ?');
  const setRetention = db.prepare('UPDATE sites SET retention_days = ? WHERE id = ?');
  const setPinMinLength = db.prepare('UPDATE sites SET pin_min_length = ? WHERE id = ?');
  const setSettings = db.prepare(
    `UPDATE sites SET name = @name, address = @address, phone = @phone, reception_hint = @receptionHint,
       kiosk_languages = @languages, kiosk_idle_seconds = @idleSeconds, kiosk_countdown_seconds = @countdownSeconds,
       closed_message = @closedMessage
     WHERE id = @siteId`
  );
  const setClosedDays = db.prepare('UPDATE sites SET closed_days = ? WHERE id = ?');
  // The logo's hash comes along (a primary-key lookup); the image itself never does.
  const select = 'SELECT s.*, l.hash AS logo_hash FROM sites s LEFT JOIN site_logos l ON l.site_id = s.id';
  const byId = db.prepare(`${select} WHERE s.id = ?`);
  const count = db.prepare('SELECT COUNT(*) AS n FROM sites');
  const demo = db.prepare(`${select} WHERE s.is_demo = 1`);
  const all = db.prepare(`${select} ORDER BY s.name`);

  return {
    insert(
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
    setPinMinLength(siteId: string, minLength: 4 | 6): void {
      setPinMinLength.run(minLength, siteId);
    },
    setOpeningHours(siteId: string, hours: OpeningHours): void {
      setHours.run(JSON.stringify(hours), siteId);
    },
    setSettings(siteId: string, settings: SiteSettingsUpdate): void {
      setSettings.run({ ...settings, siteId, languages: JSON.stringify(settings.languages) });
    },
    /** Kept in date order, so lists and the kiosk read them as a calendar. */
    setClosedDays(siteId: string, days: ClosedDay[]): void {
      setClosedDays.run(JSON.stringify([...days].sort((a, b) => a.date.localeCompare(b.date))), siteId);
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
