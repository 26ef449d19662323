/**
 * The hour's durations, kept between rings: read once per key and local hour, new ones added in
 * order, the next hour read again; the same figures as reading every row each time, in a time zone
 * whose offset is not a whole hour too.
 */
import { describe, expect, it } from 'vitest';
import { localHour, localWeekdayAndTime } from '../../../shared/opening-hours';
import { ManualClock } from '../clock';
import { createHourlyDurations, type Duration } from './hourly-durations';

/** A month of durations every 7 minutes and 13 seconds, of 30 s to about 10 min. */
function month(end: Date): Duration[] {
  const out: Duration[] = [];
  for (let t = end.getTime() - 30 * 86_400_000, i = 0; t < end.getTime(); t += 433_000, i++) {
    out.push({ at: new Date(t).toISOString(), seconds: 30 + ((i * 37) % 570) });
  }
  return out;
}

/** What reading every row at every ring gives: the hour on each of the last 28 days, and today's. */
function everyRow(all: Duration[], now: Date, timezone: string): number[] {
  const minutesIntoHour = Number(localWeekdayAndTime(now, timezone).time.slice(3, 5));
  const since = Math.floor(now.getTime() / 60_000) * 60_000 - minutesIntoHour * 60_000 - 28 * 86_400_000;
  const hour = localHour(now, timezone);
  return all
    .filter((d) => Date.parse(d.at) >= since && d.seconds > 0 && localHour(new Date(d.at), timezone) === hour)
    .map((d) => d.seconds)
    .sort((a, b) => a - b);
}

describe('hourly durations', () => {
  for (const timezone of ['Europe/Paris', 'Asia/Kathmandu', 'America/St_Johns']) {
    it(`gives what reading every row gives, in ${timezone}`, async () => {
      const clock = new ManualClock('2026-11-23T09:40:00Z');
      const all = month(clock.now());
      const durations = createHourlyDurations({
        clock,
        load: (_key, from, to) => all.filter((d) => d.at >= from && d.at < to)
      });
      for (let i = 0; i < 6; i++) {
        expect(await durations.sorted('site', timezone)).toEqual(everyRow(all, clock.now(), timezone));
        clock.advance(41 * 60_000);
      }
    });
  }

  for (const [change, start] of [
    ['back', '2026-10-24T23:50:00Z'],
    ['forward', '2027-03-27T23:50:00Z']
  ] as const) {
    it(`gives what reading every row gives when the clocks go ${change}`, async () => {
      const clock = new ManualClock(start);
      const all = month(new Date(Date.parse(start) + 3 * 3_600_000));
      const durations = createHourlyDurations({
        clock,
        load: (_key, from, to) => all.filter((d) => d.at >= from && d.at < to)
      });
      for (let i = 0; i < 12; i++) {
        expect(await durations.sorted('site', 'Europe/Paris')).toEqual(everyRow(all, clock.now(), 'Europe/Paris'));
        clock.advance(17 * 60_000);
      }
    });
  }

  it('reads once per hour, and counts a new duration of the hour without reading again', async () => {
    const clock = new ManualClock('2026-11-23T09:10:00Z'); // 10:10 in Paris
    const all = month(clock.now());
    // Each hourly read asks for one range per day: this one and the 28 before.
    let ranges = 0;
    const durations = createHourlyDurations({
      clock,
      load: (_key, from, to) => {
        ranges++;
        return all.filter((d) => d.at >= from && d.at < to);
      }
    });
    const reads = () => ranges / 29;
    const first = [...(await durations.sorted('site', 'Europe/Paris'))];
    for (let i = 0; i < 100; i++) await durations.sorted('site', 'Europe/Paris');
    expect(reads()).toBe(1);

    // A call answered now, after 95 s; one from 9:50 answered at 10:12, counted at 9 o'clock.
    clock.advance(2 * 60_000);
    const now = { at: clock.now().toISOString(), seconds: 95 };
    durations.add('site', 'Europe/Paris', now);
    durations.add('site', 'Europe/Paris', { at: '2026-11-23T08:50:00Z', seconds: 1320 });
    all.push(now, { at: '2026-11-23T08:50:00Z', seconds: 1320 });
    expect(await durations.sorted('site', 'Europe/Paris')).toEqual([...first, 95].sort((a, b) => a - b));
    expect(await durations.sorted('site', 'Europe/Paris')).toEqual(everyRow(all, clock.now(), 'Europe/Paris'));
    expect(reads()).toBe(1);

    // Another key is its own; the next hour is read again.
    await durations.sorted('other site', 'Europe/Paris');
    expect(reads()).toBe(2);
    clock.advance(60 * 60_000);
    expect(await durations.sorted('site', 'Europe/Paris')).toEqual(everyRow(all, clock.now(), 'Europe/Paris'));
    expect(reads()).toBe(3);
  });

  it('reads once for rings that ask together, and counts once what is added while it reads', async () => {
    const clock = new ManualClock('2026-11-23T09:10:00Z'); // 10:10 in Paris
    const all = month(clock.now());
    const before = { at: '2026-11-23T09:01:00Z', seconds: 61 };
    const after = { at: '2026-11-23T09:02:00Z', seconds: 62 };
    all.push(before);
    let ranges = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const durations = createHourlyDurations({
      clock,
      load: async (_key, from, to) => {
        ranges++;
        // Every range is taken now, as the store would at the read's turn; the answer comes later.
        const rows = all.filter((d) => d.at >= from && d.at < to);
        await gate;
        return rows;
      }
    });
    const asks = [1, 2, 3].map(() => durations.sorted('site', 'Europe/Paris'));
    // Committed before the read (the read has it) and after it (it has not): each counted once.
    durations.add('site', 'Europe/Paris', before);
    all.push(after);
    durations.add('site', 'Europe/Paris', after);
    release();
    const answers = await Promise.all(asks);
    expect(ranges).toBe(29);
    expect(answers[0]).toEqual(everyRow(all, clock.now(), 'Europe/Paris'));
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toBe(answers[0]);
    expect(await durations.sorted('site', 'Europe/Paris')).toEqual(everyRow(all, clock.now(), 'Europe/Paris'));
    expect(ranges).toBe(29);
  });

  it('reads again after a read that failed', async () => {
    const clock = new ManualClock('2026-11-23T09:10:00Z');
    let fail = true;
    const durations = createHourlyDurations({
      clock,
      load: (_key, from, to) =>
        fail
          ? Promise.reject(new Error('store closed'))
          : Promise.resolve([{ at: '2026-11-23T09:05:00Z', seconds: 40 }].filter((d) => d.at >= from && d.at < to))
    });
    await expect(durations.sorted('site', 'Europe/Paris')).rejects.toThrow('store closed');
    fail = false;
    expect(await durations.sorted('site', 'Europe/Paris')).toEqual([40]);
  });
});
