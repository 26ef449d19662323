/**
 * The kiosk's honest wait: the people ahead in the service times how long a ticket of that service
 * took at its counter, at this hour, over the last four weeks (25th to 75th percentile), shared
 * among the counters calling from the service now. From the site's own history, never from any one
 * agent; none at all until there are enough tickets to say.
 */
import { minSamples, percentile } from './site-history';

/** From the hour's service times, sorted (see hourly-durations.ts). */
export function waitFromDurations(
  sorted: readonly number[],
  { peopleAhead, counters }: { peopleAhead: number; counters: number }
): { low: number; high: number } | null {
  if (sorted.length < minSamples) return null;
  const share = (peopleAhead + 1) / Math.max(1, counters);
  return {
    low: Math.max(1, Math.floor((percentile(sorted, 25) * share) / 60)),
    high: Math.max(1, Math.ceil((percentile(sorted, 75) * share) / 60))
  };
}
