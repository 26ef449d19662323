/**
 * How Guichet reads a site's own history to say "usually N to M minutes": the wait for a ticket
 * (`wait-estimate.ts`) and for an agent to answer a help call (`calls.service.ts`) look back over
 * the same weeks, say nothing below the same number of samples, and take their range from the
 * same percentile function. The statistics' medians and 90th percentiles use it too.
 */

/** How far back the history goes: four weeks, so each weekday counts as often as the others. */
export const historyDays = 28;

/** Below this many durations, there is nothing honest to say: no range at all. */
export const minSamples = 5;

/**
 * The `p`th percentile (0–100) of sorted values.
 * - `nearest-rank` (the default): always a value that was observed.
 * - `linear`: interpolated between the two nearest ranks, as the help call's range has always
 *   been read (kept so that its announced range stays what it was).
 */
export function percentile(sorted: readonly number[], p: number, method: 'nearest-rank' | 'linear' = 'nearest-rank'): number {
  if (method === 'linear') {
    const i = (sorted.length - 1) * (p / 100);
    const lo = Math.floor(i);
    return sorted[lo]! + (sorted[Math.ceil(i)]! - sorted[lo]!) * (i - lo);
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
