/** Whether a site is open at a given moment, in the site's own time zone, and when it opens next. */
import type { Weekday } from './calendar';
import type { OpeningHours } from './schemas/site';

// Building a formatter costs far more than using one: one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23'
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

const weekdayFormatters = new Map<string, Intl.DateTimeFormat>();

/** A weekday's name in a language (« lundi », "Monday", « الاثنين »), as the kiosk, console and printed summary show it. */
export function weekdayName(day: Weekday, locale: string): string {
  let formatter = weekdayFormatters.get(locale);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' });
    weekdayFormatters.set(locale, formatter);
  }
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  return formatter.format(new Date(Date.UTC(2024, 0, Number(day))));
}

export function localWeekdayAndTime(at: Date, timezone: string): { weekday: string; time: string } {
  const parts = formatterFor(timezone).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = String(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1);
  return { weekday, time: `${get('hour')}:${get('minute')}` };
}

/** Hours that were never set do not close the site: only a manager's schedule can. */
export function isOpen(hours: OpeningHours, at: Date, timezone: string): boolean {
  if (Object.keys(hours).length === 0) return true;
  const { weekday, time } = localWeekdayAndTime(at, timezone);
  const ranges = hours[weekday as keyof OpeningHours] ?? [];
  return ranges.some(([open, close]) => time >= open && time < close);
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** The site's date (YYYY-MM-DD) at a moment: what "today" means for a date answer. */
export function localDate(at: Date, timezone: string): string {
  // Made once per time zone: a formatter costs far more to make than to use, and the queue asks
  // for today's date on every ticket.
  let formatter = dateFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: timezone });
    dateFormatters.set(timezone, formatter);
  }
  return formatter.format(at);
}

/** The local hour (0–23) of a moment, for "usual at this hour" figures. */
export function localHour(at: Date, timezone: string): number {
  return Number(localWeekdayAndTime(at, timezone).time.slice(0, 2));
}

/** What decides whether a whole site is open: its weekly hours, its closed days, its time zone. */
export interface SiteSchedule {
  openingHours: OpeningHours;
  closedDays: readonly { date: string }[];
  timezone: string;
}

/** A closed day (public holiday…) closes the site all day, whatever its weekly hours say. */
export function isClosedDay(closedDays: readonly { date: string }[], at: Date, timezone: string): boolean {
  if (closedDays.length === 0) return false;
  const today = localDate(at, timezone);
  return closedDays.some((d) => d.date === today);
}

/** The site is open now: not one of its closed days, and within its weekly hours (if it has any). */
export function isSiteOpen(site: SiteSchedule, at: Date): boolean {
  return !isClosedDay(site.closedDays, at, site.timezone) && isOpen(site.openingHours, at, site.timezone);
}

/** A calendar date `days` after `date` (both YYYY-MM-DD), and its ISO weekday. */
function addDays(date: string, days: number): { date: string; weekday: string } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d + days));
  return { date: at.toISOString().slice(0, 10), weekday: String(((at.getUTCDay() + 6) % 7) + 1) };
}

/**
 * When a closed site opens next, in its own time: the date (YYYY-MM-DD) and the opening time, or
 * `time: null` for a site without weekly hours (it opens with the day). Null when it is open now
 * or nothing opens within the next 60 days.
 */
export function nextOpening(site: SiteSchedule, at: Date): { date: string; time: string | null } | null {
  if (isSiteOpen(site, at)) return null;
  const today = localDate(at, site.timezone);
  const now = localWeekdayAndTime(at, site.timezone).time;
  const closed = new Set(site.closedDays.map((d) => d.date));
  const noHours = Object.keys(site.openingHours).length === 0;
  for (let offset = 0; offset <= 60; offset++) {
    const day = addDays(today, offset);
    if (closed.has(day.date)) continue;
    if (noHours) return offset === 0 ? null : { date: day.date, time: null };
    const opens = (site.openingHours[day.weekday as keyof OpeningHours] ?? [])
      .map(([open]) => open)
      .filter((open) => offset > 0 || open > now)
      .sort();
    if (opens[0]) return { date: day.date, time: opens[0] };
  }
  return null;
}
