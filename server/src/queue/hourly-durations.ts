/**
 * "Usually N to M minutes at this hour": the durations observed at the current local hour over the
 * last four weeks, per key (a site's answered calls, a service's finished tickets).
 *
 * They are read from the database once per key and local hour, then kept sorted as new durations
 * come in (`add`, when a call is answered or a ticket finished). A ring or a ticket therefore costs
 * one lookup, whatever the site's history; rings that ask while the hour is being read wait for
 * that read rather than start another, and what is added meanwhile is counted once. The hourly
 * read asks only for the hours around this one on each day (an index range each), not the whole
 * month: it costs what those hours hold, with one time zone conversion per quarter hour rather than
 * one per row. Between two reads, a lookup compares numbers only.
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
  /**
   * The durations (seconds, over 0) observed at this local hour in the window, sorted. Read from
   * the store when the hour is not held yet: callers asking while it is read share that one read.
   */
  sorted(key: string, timezone: string): Promise<readonly number[]>;
  /**
   * A new duration, as it is committed (an after-commit hook: later, a read of the hour in between
   * would hold it already): counted at once if it started at the hour being served.
   */
  add(key: string, timezone: string, duration: Duration): void;
}

/** A local hour, and when it began and ends here (ms since the epoch). */
interface Hour {
  hour: number;
  from: number;
  until: number;
  timezone: string;
}

interface Entry extends Hour {
  values: number[];
}

/** An hour being read: durations added meanwhile wait here, since the read may not have seen them. */
interface Reading extends Hour {
  added: Duration[];
  done: Promise<Entry>;
}

const quarterMs = 15 * 60_000;

/** The local hour a moment is in, and when that hour began. */
function hourOfMoment(at: Date, timezone: string): Hour {
  const { time } = localWeekdayAndTime(at, timezone);
  const hour = Number(time.slice(0, 2));
  const start = Math.floor(at.getTime() / 60_000) * 60_000 - Number(time.slice(3, 5)) * 60_000;
  // A local hour lasts an hour of real time: clocks change between two local hours. (Where a change
  // moves them by half an hour, the figures of the hour before serve until its full hour is up.)
  return { hour, from: start, until: start + 3_600_000, timezone };
}

/** The hour is still the one being served (no time zone conversion: two comparisons). */
const serving = (held: Hour, timezone: string, now: number) => held.timezone === timezone && now >= held.from && now < held.until;

/** Only what started during the hour counts for it (the rest is in the database). */
const startedIn = (held: Hour, at: string) => {
  const started = Date.parse(at);
  return started >= held.from && started < held.until;
};

/**
 * The ranges to read: the same hour on each of the last `historyDays` days, and this one (the
 * window stays put for the hour). Each day, from an hour before this hour's start to two after:
 * wide enough for a change of clock between that day and today, narrowed to the exact hour by
 * `hourValues`.
 */
function dayRanges({ from: start }: Hour): { from: string; to: string }[] {
  const since = start - historyDays * 86_400_000;
  const ranges: { from: string; to: string }[] = [];
  for (let day = 0; day <= historyDays; day++) {
    const from = Math.max(since, start - day * 86_400_000 - 3_600_000);
    const to = start - day * 86_400_000 + 2 * 3_600_000;
    ranges.push({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  }
  return ranges;
}

/** The rows' durations that started at the hour's local hour, sorted. */
function hourValues(rows: Duration[], { hour, timezone }: Hour): number[] {
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
  return rows
    .filter((d) => d.seconds > 0 && hourOf(d.at) === hour)
    .map((d) => d.seconds)
    .sort((a, b) => a - b);
}

/**
 * Of the durations added while the hour was read, those the read did not return (committed after
 * it). A duration is its start and its length, computed alike from the row and when it is added.
 */
function notRead(added: Duration[], rows: Duration[]): Duration[] {
  if (added.length === 0) return [];
  const read = new Map<string, number>();
  const id = (d: Duration) => `${d.at}\u0000${d.seconds}`;
  for (const row of rows) read.set(id(row), (read.get(id(row)) ?? 0) + 1);
  return added.filter((d) => {
    const left = read.get(id(d)) ?? 0;
    if (left === 0) return true;
    read.set(id(d), left - 1);
    return false;
  });
}

function insertSorted(values: number[], seconds: number): void {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= seconds) lo = mid + 1;
    else hi = mid;
  }
  values.splice(lo, 0, seconds);
}

export function createHourlyDurations({
  clock,
  load
}: {
  clock: Clock;
  /** Every duration of `key` that started in [from, to) (ISO). */
  load(key: string, from: string, to: string): Promise<Duration[]> | Duration[];
}): HourlyDurations {
  const entries = new Map<string, Entry>();
  /** The read in flight per key: two rings at once read the hour once. */
  const reading = new Map<string, Reading>();

  function read(key: string, hour: Hour): Reading {
    const added: Duration[] = [];
    const rows = Promise.all(dayRanges(hour).map(async ({ from, to }) => load(key, from, to))).then((days) => days.flat());
    const done = rows.then(
      (all) => {
        // From the rows to the held entry in one step: nothing is added in between unseen.
        const values = hourValues(all, hour);
        for (const d of notRead(added, all)) insertSorted(values, d.seconds);
        const entry: Entry = { ...hour, values };
        if (reading.get(key) === pending) {
          reading.delete(key);
          entries.set(key, entry);
        }
        return entry;
      },
      (error: unknown) => {
        if (reading.get(key) === pending) reading.delete(key);
        throw error;
      }
    );
    const pending: Reading = { ...hour, added, done };
    reading.set(key, pending);
    return pending;
  }

  return {
    async sorted(key, timezone) {
      const now = clock.now();
      const entry = entries.get(key);
      if (entry && serving(entry, timezone, now.getTime())) return entry.values;
      let pending = reading.get(key);
      if (!pending || !serving(pending, timezone, now.getTime())) pending = read(key, hourOfMoment(now, timezone));
      return (await pending.done).values;
    },
    add(key, timezone, duration) {
      if (duration.seconds <= 0) return;
      const now = clock.now().getTime();
      // Not read yet, or for another hour: the database has it when that hour is read.
      const entry = entries.get(key);
      if (entry && serving(entry, timezone, now)) {
        if (startedIn(entry, duration.at)) insertSorted(entry.values, duration.seconds);
        return;
      }
      const pending = reading.get(key);
      if (pending && serving(pending, timezone, now) && startedIn(pending, duration.at)) pending.added.push(duration);
    }
  };
}
