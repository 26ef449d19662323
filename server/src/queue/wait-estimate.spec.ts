/** The kiosk's wait range, from the site's own service times at this hour. */
import { describe, expect, it } from 'vitest';
import { waitMinutes } from './wait-estimate';

const now = new Date('2026-11-23T09:30:00Z'); // 10:30 in Paris
const at = (iso: string, seconds: number) => ({ calledAt: iso, seconds });

describe('wait estimate', () => {
  it('says nothing until five tickets of that service were served at this hour', () => {
    const four = [1, 2, 3, 4].map((d) => at(`2026-11-${10 + d}T09:10:00Z`, 300));
    expect(waitMinutes({ peopleAhead: 2, counters: 1, samples: four, now, timezone: 'Europe/Paris' })).toBeNull();
  });

  it('people ahead (and this ticket) times the 25th–75th percentile service time, shared by the counters', () => {
    const samples = [120, 180, 240, 300, 360, 420, 480, 540].map((s, i) => at(`2026-11-${10 + i}T09:${10 + i}:00Z`, s));
    // Served at another hour: not counted.
    samples.push(at('2026-11-20T14:00:00Z', 3600));
    expect(waitMinutes({ peopleAhead: 2, counters: 1, samples, now, timezone: 'Europe/Paris' })).toEqual({ low: 9, high: 21 });
    expect(waitMinutes({ peopleAhead: 2, counters: 3, samples, now, timezone: 'Europe/Paris' })).toEqual({ low: 3, high: 7 });
  });
});
