/**
 * What a site manager sets for the site as a whole: its identity (name, address, phone, logo), the
 * kiosk's languages and inactivity delays, its weekly hours, its closed days and what the kiosk
 * says then. Every change is told to every face of the site (`site:updated`), so open kiosks and
 * displays follow without a reload.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import {
  logoMaxBytes,
  type KioskDelays,
  type OpeningHours,
  type siteClosedDaysInput,
  type SiteInfo,
  type siteSettingsInput
} from '../../../shared/schemas/site';
import type { Clock } from '../clock';
import type { After } from '../events/after';
import type { Store } from '../store';
import type { LogoMime, SiteLogo } from './site-logos.repository';
import { toSiteInfo, type Site } from './sites.repository';

export interface SiteNotifier {
  siteUpdated(siteId: string, site: SiteInfo): void;
}

/** The first bytes each accepted format always starts with. */
const signatures: Record<LogoMime, number[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff]
};

function badLogo(message: string): AppError {
  return new AppError('invalid_payload', `Invalid logo: ${message}`, [{ path: 'logo', message }]);
}

/**
 * The image inside a data URL, checked: the bytes must be what the URL says (a file renamed from
 * .svg or .gif is refused), and no larger than the limit. The schema already checked the shape.
 */
function readLogo(dataUrl: string): SiteLogo {
  const match = /^data:(image\/(?:png|jpeg));base64,(.*)$/s.exec(dataUrl);
  if (!match) throw badLogo('a PNG or JPEG image as a data: URL (base64)');
  const mime = match[1] as LogoMime;
  const data = Buffer.from(match[2]!, 'base64');
  if (data.length === 0) throw badLogo('the image is empty');
  if (data.length > logoMaxBytes) throw badLogo(`the image is larger than ${logoMaxBytes / 1000} kB`);
  const signature = signatures[mime];
  if (!signature.every((byte, i) => data[i] === byte))
    throw badLogo(`the data is not a ${mime === 'image/png' ? 'PNG' : 'JPEG'} image`);
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
  return { mime, data, hash };
}

export type SiteSettingsService = ReturnType<typeof createSiteSettingsService>;

export function createSiteSettingsService({
  store,
  clock,
  kioskDefaults,
  notifier
}: {
  store: Store;
  clock: Clock;
  /** The server's own kiosk delays, for a site that has not set its own. */
  kioskDefaults: KioskDelays;
  notifier: SiteNotifier;
}) {
  async function requireSite(siteId: string): Promise<Site> {
    const site = await store.sites.findById(siteId);
    if (!site) throw new AppError('not_found', 'This site no longer exists');
    return site;
  }

  async function info(siteId: string): Promise<SiteInfo> {
    return toSiteInfo(await requireSite(siteId), kioskDefaults);
  }

  /** The site as it is now, and a broadcast of it once the command is acknowledged. */
  async function changed(siteId: string, after: After): Promise<SiteInfo> {
    const site = await info(siteId);
    after(() => notifier.siteUpdated(siteId, site));
    return site;
  }

  return {
    info,

    async saveSettings(siteId: string, input: z.output<typeof siteSettingsInput>, after: After): Promise<SiteInfo> {
      await requireSite(siteId);
      await store.sites.setSettings(siteId, input);
      return changed(siteId, after);
    },

    async setLogo(siteId: string, dataUrl: string | null, after: After): Promise<SiteInfo> {
      await requireSite(siteId);
      if (dataUrl === null) await store.siteLogos.remove(siteId);
      else await store.siteLogos.set(siteId, readLogo(dataUrl), clock.now().toISOString());
      return changed(siteId, after);
    },

    async setHours(siteId: string, hours: OpeningHours, after: After): Promise<SiteInfo> {
      await requireSite(siteId);
      await store.sites.setOpeningHours(siteId, hours);
      return changed(siteId, after);
    },

    async setClosedDays(siteId: string, input: z.output<typeof siteClosedDaysInput>, after: After): Promise<SiteInfo> {
      await requireSite(siteId);
      await store.sites.setClosedDays(siteId, input.days);
      return changed(siteId, after);
    },

    /**
     * « PIN à 6 chiffres »: checked when an agent's PIN is set. PINs already set keep working (a
     * hall cannot stop while every agent gets a new one); the console points them out.
     */
    async setPinMinLength(siteId: string, minLength: 4 | 6, after: After): Promise<SiteInfo> {
      await requireSite(siteId);
      await store.sites.setPinMinLength(siteId, minLength);
      return changed(siteId, after);
    },

    /** The site's logo image, for the HTTP route that serves it. */
    logo(siteId: string): Promise<SiteLogo | null> {
      return store.siteLogos.find(siteId);
    }
  };
}
