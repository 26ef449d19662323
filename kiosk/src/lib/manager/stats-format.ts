/**
 * Small pure helpers for the statistics page: which hours the load chart shows, the busiest hour,
 * how a duration reads, and the download addresses. Kept out of the components so they are tested.
 */
import type { StatsReport } from '$shared/schemas/statistics';

export type HourFigures = StatsReport['byHour'][number];

/** Hours always shown (a usual day at a town hall), widened to any hour where something happened. */
const usualFirst = 8;
const usualLast = 18;

const load = (h: HourFigures) => h.helpCalls + h.ticketsIssued + h.printerFaults;

export function shownHours(byHour: readonly HourFigures[]): HourFigures[] {
  const active = byHour.filter((h) => load(h) > 0).map((h) => h.hour);
  const first = Math.min(usualFirst, ...active);
  const last = Math.max(usualLast, ...active);
  return byHour.filter((h) => h.hour >= first && h.hour <= last);
}

/** The hour with the most help calls and tickets together; null when nothing happened. */
export function busiestHour(byHour: readonly HourFigures[]): HourFigures | null {
  let best: HourFigures | null = null;
  for (const h of byHour) {
    if (h.helpCalls + h.ticketsIssued === 0) continue;
    if (!best || h.helpCalls + h.ticketsIssued > best.helpCalls + best.ticketsIssued) best = h;
  }
  return best;
}

/** Whole minutes and the seconds left over. */
export function splitDuration(totalSeconds: number): { minutes: number; seconds: number } {
  const s = Math.max(0, Math.round(totalSeconds));
  return { minutes: Math.floor(s / 60), seconds: s % 60 };
}

export const statsCsvUrl = (from: string, to: string) =>
  `/api/stats.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

/** The export of a session; the reference's space is left out of the address (the server accepts both). */
export const sessionJsonUrl = (reference: string) => `/api/sessions/${encodeURIComponent(reference.replace(/[\s-]/g, ''))}.json`;
