/** The kiosk's wait range, from the site's own service times at this hour. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { createHourlyDurations, type Duration } from './hourly-durations';
import { waitFromDurations } from './wait-estimate';

const at = (iso: string, seconds: number): Duration => ({ at: iso, seconds });

/** The hour's sorted service times at 10:30 in Paris, as the queue keeps them. */
function hourOf(samples: Duration[]): Promise<readonly number[]> {
  const clock = new ManualClock('2026-11-23T09:30:00Z');
  return createHourlyDurations({ clock, load: (_key, from, to) => samples.filter((d) => d.at >= from && d.at < to) }).sorted(
    'site\u0000etat-civil',
    'Europe/Paris'
  );
}

describe('wait estimate', () => {
  it('says nothing until five tickets of that service were served at this hour', async () => {
    const four = [1, 2, 3, 4].map((d) => at(`2026-11-${10 + d}T09:10:00Z`, 300));
    expect(waitFromDurations(await hourOf(four), { peopleAhead: 2, counters: 1 })).toBeNull();
  });

  it('people ahead (and this ticket) times the 25th–75th percentile service time, shared by the counters', async () => {
    const samples = [120, 180, 240, 300, 360, 420, 480, 540].map((s, i) => at(`2026-11-${10 + i}T09:${10 + i}:00Z`, s));
    // Served at another hour: not counted.
    samples.push(at('2026-11-20T14:00:00Z', 3600));
    expect(waitFromDurations(await hourOf(samples), { peopleAhead: 2, counters: 1 })).toEqual({ low: 9, high: 21 });
    expect(waitFromDurations(await hourOf(samples), { peopleAhead: 2, counters: 3 })).toEqual({ low: 3, high: 7 });
  });
});
