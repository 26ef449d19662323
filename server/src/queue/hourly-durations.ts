/**
 * "Usually N to M minutes at this hour": the durations observed at the current local hour over the
 * last four weeks, per key (a site's answered calls, a service's finished tickets).
 *
 * They are read from the database once per key and local hour, then kept sorted as new durations
 * come in (`add`, when a call is answered or a ticket finished). A ring or a ticket therefore costs
 * one lookup, whatever the site's history. The hourly read asks only for the hours around this one
 * on each day (an index range each), not the whole month: it costs what those hours hold, with one
 * time zone conversion per quarter hour rather than one per row. Between two reads, a lookup
 * compares numbers only.
 */
import { localHour, localWeekdayAndTime } from '../../../shared/opening-hours';
import type { Clock } from '../clock';
import { historyDays } from './site-history';

export interface Duration {
  /** When it started (ISO): its local hour is the hour it counts for. */
  at: string;
  seconds: number;
}

export interface HourlyDurations {
  /** The durations (seconds, over 0) observed at this local hour in the window, sorted. */
  sorted(key: string, timezone: string): readonly number[];
  /** A new duration: counted at once if it started at the hour being served. */
  add(key: string, timezone: string, duration: Duration): void;
}

interface Entry {
  /** The local hour it holds, and when that hour began and ends here (ms since the epoch). */
  hour: number;
  from: number;
  until: number;
  timezone: string;
  values: number[];
}

const quarterMs = 15 * 60_000;

export function createHourlyDurations({
  clock,
  load
}: {
  clock: Clock;
  /** Every duration of `key` that started in [from, to) (ISO). */
  load(key: string, from: string, to: string): Duration[];
}): HourlyDurations {
  const entries = new Map<string, Entry>();

  /** The local hour a moment is in, and when that hour began. */
  const hourOfMoment = (at: Date, timezone: string) => {
    const { time } = localWeekdayAndTime(at, timezone);
    const hour = Number(time.slice(0, 2));
    const start = Math.floor(at.getTime() / 60_000) * 60_000 - Number(time.slice(3, 5)) * 60_000;
    return { hour, start };
  };

  /** The entry's hour is still the one being served (no time zone conversion: two comparisons). */
  const serving = (entry: Entry, timezone: string, now: number) =>
    entry.timezone === timezone && now >= entry.from && now < entry.until;

  function read(key: string, timezone: string, hour: number, start: number): Entry {
    // The same hour on each of the last `historyDays` days, and this one: the window stays put for the hour.
    const since = start - historyDays * 86_400_000;
    // Offsets from UTC are whole quarter hours everywhere: one conversion per quarter hour.
    const hours = new Map<number, number>();
    const hourOf = (at: string) => {
      const quarter = Math.floor(Date.parse(at) / quarterMs);
      let h = hours.get(quarter);
      if (h === undefined) {
        h = localHour(new Date(quarter * quarterMs), timezone);
        hours.set(quarter, h);
      }
      return h;
    };
    // Each day, from an hour before this hour's start to two after: wide enough for a change of
    // clock between that day and today, narrowed to the exact hour below.
    const rows: Duration[] = [];
    for (let day = 0; day <= historyDays; day++) {
      const from = Math.max(since, start - day * 86_400_000 - 3_600_000);
      const to = start - day * 86_400_000 + 2 * 3_600_000;
      rows.push(...load(key, new Date(from).toISOString(), new Date(to).toISOString()));
    }
    const values = rows
      .filter((d) => d.seconds > 0 && hourOf(d.at) === hour)
      .map((d) => d.seconds)
      .sort((a, b) => a - b);
    // A local hour lasts an hour of real time: clocks change between two local hours. (Where a change
    // moves them by half an hour, the figures of the hour before serve until its full hour is up.)
    return { hour, from: start, until: start + 3_600_000, timezone, values };
  }

  return {
    sorted(key, timezone) {
      const now = clock.now();
      let entry = entries.get(key);
      if (!entry || !serving(entry, timezone, now.getTime())) {
        const { hour, start } = hourOfMoment(now, timezone);
        entry = read(key, timezone, hour, start);
        entries.set(key, entry);
      }
      return entry.values;
    },
    add(key, timezone, { at, seconds }) {
      const entry = entries.get(key);
      // Not read yet, or for another hour: the database has it when that hour is read. Only what
      // started during the hour being served counts for it (the rest is in the database).
      if (!entry || seconds <= 0 || !serving(entry, timezone, clock.now().getTime())) return;
      const started = Date.parse(at);
      if (started < entry.from || started >= entry.until) return;
      let lo = 0;
      let hi = entry.values.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (entry.values[mid]! <= seconds) lo = mid + 1;
        else hi = mid;
      }
      entry.values.splice(lo, 0, seconds);
    }
  };
}
