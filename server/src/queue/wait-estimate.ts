/**
 * The kiosk's honest wait: the people ahead in the service times how long a ticket of that service
 * took at its counter, at this hour, over the last four weeks (25th to 75th percentile), shared
 * among the counters calling from the service now. From the site's own history, never from any one
 * agent; none at all until there are enough tickets to say.
 */
import { localHour } from '../../../shared/opening-hours';

const minSamples = 5;
const days = 28;

/** Nearest-rank percentile of sorted values: always a value that was observed. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function waitMinutes(input: {
  peopleAhead: number;
  counters: number;
  samples: { calledAt: string; seconds: number }[];
  now: Date;
  timezone: string;
}): { low: number; high: number } | null {
  const hour = localHour(input.now, input.timezone);
  const durations = input.samples
    .filter((s) => s.seconds > 0 && localHour(new Date(s.calledAt), input.timezone) === hour)
    .map((s) => s.seconds)
    .sort((a, b) => a - b);
  if (durations.length < minSamples) return null;
  const share = (input.peopleAhead + 1) / Math.max(1, input.counters);
  return {
    low: Math.max(1, Math.floor((percentile(durations, 25) * share) / 60)),
    high: Math.max(1, Math.ceil((percentile(durations, 75) * share) / 60))
  };
}

export const estimateWindowStart = (now: Date): string => new Date(now.getTime() - days * 86_400_000).toISOString();
