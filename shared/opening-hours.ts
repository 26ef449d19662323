/** Whether a site is open at a given moment, in the site's own time zone. */
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

/** The site's date (YYYY-MM-DD) at a moment: what "today" means for a date answer. */
export function localDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(at);
}

/** The local hour (0–23) of a moment, for "usual at this hour" figures. */
export function localHour(at: Date, timezone: string): number {
  return Number(localWeekdayAndTime(at, timezone).time.slice(0, 2));
}
