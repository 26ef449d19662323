/**
 * The team's statistics: per site, day, hour and service — help calls, time to answer, calls nobody
 * could answer, tickets, waits, printer faults. Counted for the team to see where staff is missing,
 * never per agent: no type here has a field that could name one.
 */
import { z } from '../zod';

/** Longest period one request covers (about a quarter). */
const statsMaxDays = 92;

const localDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date is YYYY-MM-DD', abort: true })
  .refine((s) => {
    const time = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().startsWith(s);
  }, 'not a real date');

/** Whole days from `from` to `to`, both counted. */
function daysInRange(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Whether the dates themselves were valid: the period is only checked then. */
const datesValid = (payload: { issues: readonly unknown[] }) => payload.issues.length === 0;

/** A period in the site's own calendar, both days included. */
export const statsGetInput = z
  .object({ from: localDateSchema, to: localDateSchema })
  .strict()
  .refine((r) => r.to >= r.from, { message: 'the period ends before it starts', path: ['to'], when: datesValid })
  .refine((r) => r.to < r.from || daysInRange(r.from, r.to) <= statsMaxDays, {
    message: `at most ${statsMaxDays} days at once`,
    path: ['to'],
    when: datesValid
  });
export type StatsGetInput = z.infer<typeof statsGetInput>;

/** What is counted for any group of calls and tickets. Times in whole seconds; null when none. */
export interface StatsFigures {
  /** Help calls made (answered, unanswered, cancelled by the citizen, or still going on). */
  helpCalls: number;
  answered: number;
  /** Calls nobody could answer (nobody available, site closed, or no answer in time). */
  unanswered: number;
  /** From the call to its first answer. */
  answerMedianSeconds: number | null;
  answerP90Seconds: number | null;
  ticketsIssued: number;
  /** Tickets called to a counter (the waits are theirs). */
  ticketsCalled: number;
  /** From arriving in the queue to being called. */
  waitMedianSeconds: number | null;
  waitP90Seconds: number | null;
}

/** One hour of one day for one service. `service` null: help calls made outside any procedure. */
export interface StatsRow extends StatsFigures {
  day: string;
  hour: number;
  service: string | null;
}

/** Printer faults are the site's, not a service's: their own series. */
interface PrinterFaultsRow {
  day: string;
  hour: number;
  faults: number;
}

export interface StatsReport {
  from: string;
  to: string;
  /** The site's time zone: every day and hour here is local to it. */
  timezone: string;
  /** The site's services, to name the rows. */
  services: { id: string; name: string }[];
  /** Only the hours where something happened, ordered by day, hour, service. */
  rows: StatsRow[];
  printerFaults: PrinterFaultsRow[];
  days: (StatsFigures & { day: string; printerFaults: number })[];
  byService: (StatsFigures & { service: string | null })[];
  /** The period's load by hour of the day (0–23, every hour present). */
  byHour: (StatsFigures & { hour: number; printerFaults: number })[];
  total: StatsFigures & { printerFaults: number };
}
