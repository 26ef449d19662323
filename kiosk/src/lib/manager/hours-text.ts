/**
 * Opening hours typed as text, one day at a time: « 08:30-12:00, 13:30-17:00 », empty for closed.
 * What cannot be read is said, naming the day's text; the server checks the times again.
 */
// A relative path: its spec runs as a plain module, without the app's aliases.
import { weekdays, type Weekday } from '../../../../shared/calendar';
import type { OpeningHours } from '../../../../shared/schemas/site';

export { weekdays, type Weekday };

export function formatDay(hours: OpeningHours, day: Weekday): string {
  return (hours[day] ?? []).map(([a, b]) => `${a}-${b}`).join(', ');
}

/** Each day's text back into hours; `null` with the first day that cannot be read. */
export function parseDays(texts: Record<Weekday, string>): { hours: OpeningHours } | { badDay: Weekday } {
  const hours: OpeningHours = {};
  for (const day of weekdays) {
    const text = texts[day].trim();
    if (!text) {
      hours[day] = [];
      continue;
    }
    const ranges: [string, string][] = [];
    for (const part of text.split(/[,;]/)) {
      const match = /^\s*(\d{1,2})[:h.](\d{2})\s*[-–à]+\s*(\d{1,2})[:h.](\d{2})\s*$/.exec(part);
      if (!match) return { badDay: day };
      const [, h1, m1, h2, m2] = match as unknown as [string, string, string, string, string];
      ranges.push([`${h1.padStart(2, '0')}:${m1}`, `${h2.padStart(2, '0')}:${m2}`]);
    }
    hours[day] = ranges;
  }
  return { hours };
}
