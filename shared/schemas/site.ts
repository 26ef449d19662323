import { weekdays } from '../calendar';
import { z } from '../zod';
import { sessionLocale, sessionLocales } from './session';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:MM');
/** Weekly opening hours: ISO weekday → opening ranges. Empty: not set. */
export const openingHoursSchema = z.partialRecord(
  z.enum(weekdays),
  z.array(z.tuple([time, time]).refine(([a, b]) => a < b, 'a range closes after it opens')).max(4)
);
export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** Hours as stored (JSON). One that no longer parses closes nothing: better open than a dead end. */
export function parseStoredHours(json: string): OpeningHours {
  try {
    const parsed = openingHoursSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

// A date that rolls over (« 2026-02-30 » is read as 2 March) is not a real one.
function isRealDate(date: string): boolean {
  const at = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(date);
}

/** A day the whole site is closed whatever its weekly hours (a public holiday, a bridge day). */
const closedDaySchema = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD')
      .refine(isRealDate, 'not a real date'),
    /** Shown beside the date, e.g. « 11 novembre ». */
    label: z.string().trim().max(60).default('')
  })
  .strict();
export type ClosedDay = z.infer<typeof closedDaySchema>;

// Built once: a schema built at each read would cost more than the read itself.
const storedClosedDays = z.array(closedDaySchema);
const storedLanguages = z.array(sessionLocale);

/** Closed days as stored (JSON). One that no longer parses closes nothing, as for hours. */
export function parseStoredClosedDays(json: string): ClosedDay[] {
  try {
    const parsed = storedClosedDays.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The kiosk languages a site offers, as stored (JSON). French is always there. */
export function parseStoredLanguages(json: string): KioskLanguage[] {
  try {
    const parsed = storedLanguages.safeParse(JSON.parse(json));
    const languages = parsed.success ? parsed.data : [...sessionLocales];
    return sessionLocales.filter((l) => l === 'fr' || languages.includes(l));
  } catch {
    return [...sessionLocales];
  }
}

export type KioskLanguage = (typeof sessionLocales)[number];

/** Kiosk inactivity: a countdown starts after `idleSeconds` untouched, the session is wiped after it. */
const kioskDelaysSchema = z.object({ idleSeconds: z.number(), countdownSeconds: z.number() });
export type KioskDelays = z.infer<typeof kioskDelaysSchema>;

/** @public The shape the server sends; the code uses its type. */
export const siteInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  phone: z.string(),
  timezone: z.string(),
  receptionHint: z.string(),
  openingHours: openingHoursSchema,
  /** Help-call escalation: ring busy agents too after `widenSeconds`, give up after `giveUpSeconds`. */
  calls: z.object({ widenSeconds: z.number(), giveUpSeconds: z.number() }),
  /** Days an ended session's answers and notes are kept after the day it ended (0: until its end). */
  retentionDays: z.number(),
  /** Agents' PINs have at least this many digits (4, or 6 where the site requires it). */
  pinMinLength: z.union([z.literal(4), z.literal(6)]),
  /** Where the site's logo is served (its URL changes with the image); null without one. */
  logoUrl: z.string().nullable(),
  /** The languages offered on the kiosks, French first and always. */
  languages: z.array(sessionLocale),
  /** The kiosk's inactivity delays, the site's own or the server's defaults. */
  kiosk: kioskDelaysSchema,
  closedDays: z.array(closedDaySchema),
  /** What the kiosk says when the site is closed; '' for the default sentence. */
  closedMessage: z.string()
});
export type SiteInfo = z.infer<typeof siteInfoSchema>;

/** How long an ended session's answers and notes are kept: days after the day it ended (0: until its end). */
export const retentionInput = z.object({ days: z.number().int().min(0).max(90) }).strict();

/** « PIN à 6 chiffres »: new and reset agent PINs must then have 6 digits or more. */
export const pinLengthInput = z.object({ minLength: z.union([z.literal(4), z.literal(6)]) }).strict();

/** Identity and kiosk settings, set together from the console's « Réglages du site ». */
export const siteSettingsInput = z
  .object({
    name: z.string().trim().min(1, 'a name is required').max(80),
    address: z.string().trim().max(200),
    phone: z
      .string()
      .trim()
      .max(30)
      .regex(/^[0-9+().\s-]*$/, 'a phone number has only digits, spaces and + ( ) . -'),
    /** Where the reception desk is, said by the kiosk when nobody could come. */
    receptionHint: z.string().trim().max(200),
    languages: z
      .array(sessionLocale)
      .min(1)
      .max(sessionLocales.length)
      .refine((l) => l.includes('fr'), 'French is always offered')
      .refine((l) => new Set(l).size === l.length, 'a language is listed twice'),
    // The same bounds as the server's own settings (GUICHET_KIOSK_IDLE_SECONDS and the like).
    idleSeconds: z.number().int().min(20).max(3600),
    countdownSeconds: z.number().int().min(20).max(300),
    closedMessage: z.string().trim().max(500)
  })
  .strict();

/** Largest logo accepted, in bytes of the image: kept small, it is sent to every terminal. */
export const logoMaxBytes = 150_000;
/** Base64 makes 3 bytes into 4 characters. */
const logoMaxChars = 'data:image/jpeg;base64,'.length + Math.ceil(logoMaxBytes / 3) * 4;

/** A PNG or JPEG as a data URL, or null to remove the logo. SVG is refused: it can carry scripts. */
export const siteLogoInput = z
  .object({
    logo: z
      .string()
      .max(logoMaxChars, `the image is larger than ${logoMaxBytes / 1000} kB`)
      .regex(/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}$/, 'a PNG or JPEG image as a data: URL (base64)')
      .nullable()
  })
  .strict();

export const siteHoursInput = z.object({ openingHours: openingHoursSchema }).strict();

export const siteClosedDaysInput = z
  .object({
    days: z
      .array(closedDaySchema)
      .max(100)
      .refine((days) => new Set(days.map((d) => d.date)).size === days.length, 'a date is listed twice')
  })
  .strict();
