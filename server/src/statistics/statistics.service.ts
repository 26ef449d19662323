/**
 * The team's statistics for a site and a period of its own calendar: per day, hour and service —
 * help calls, time to answer, calls nobody could answer, tickets issued and their waits — and the
 * site's printer faults. Days and hours are the site's local ones (a call at 23:30 UTC in winter
 * counts at 00:30 the next day in Paris). Medians and 90th percentiles are nearest-rank, like the
 * kiosk's wait estimate: always a time that was really observed.
 *
 * Grouping rules, decided once:
 * - a help call counts at the hour it was made, in the service of the procedure in progress (none
 *   when the citizen called from the catalog); its time to answer runs to its first acceptance;
 * - a ticket counts at the hour it was issued, in the service that issued it (a transfer does not
 *   move it); its wait runs from its arrival in the queue to its call at a counter;
 * - a printer fault counts at the hour it started, for the whole site (a printer serves every
 *   service), in its own series.
 * Nothing here can say who answered or who called: the facts read carry no person.
 */
import { localDate, localHour } from '../../../shared/opening-hours';
import type { StatsFigures, StatsGetInput, StatsReport, StatsRow } from '../../../shared/schemas/statistics';
import { AppError } from '../../../shared/errors';
import { percentile } from '../queue/site-history';
import type { Store } from '../store';
import type { CallFact, TicketFact } from './statistics.repository';

/** What a group of facts adds up to before its figures are computed. */
class Tally {
  helpCalls = 0;
  answered = 0;
  unanswered = 0;
  answerSeconds: number[] = [];
  ticketsIssued = 0;
  waitSeconds: number[] = [];
  printerFaults = 0;

  addCall(call: CallFact): void {
    this.helpCalls++;
    if (call.status === 'unanswered') this.unanswered++;
    if (call.answeredAt) {
      this.answered++;
      this.answerSeconds.push(seconds(call.createdAt, call.answeredAt));
    }
  }

  addTicket(ticket: TicketFact): void {
    this.ticketsIssued++;
    if (ticket.calledAt) this.waitSeconds.push(seconds(ticket.queuedAt, ticket.calledAt));
  }

  figures(): StatsFigures {
    const answers = [...this.answerSeconds].sort((a, b) => a - b);
    const waits = [...this.waitSeconds].sort((a, b) => a - b);
    return {
      helpCalls: this.helpCalls,
      answered: this.answered,
      unanswered: this.unanswered,
      answerMedianSeconds: answers.length ? percentile(answers, 50) : null,
      answerP90Seconds: answers.length ? percentile(answers, 90) : null,
      ticketsIssued: this.ticketsIssued,
      ticketsCalled: waits.length,
      waitMedianSeconds: waits.length ? percentile(waits, 50) : null,
      waitP90Seconds: waits.length ? percentile(waits, 90) : null
    };
  }
}

const seconds = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** The ISO instant of midnight UTC `days` after a date (YYYY-MM-DD). */
function utcMidnight(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString();
}

function tallyIn<K>(map: Map<K, Tally>, key: K): Tally {
  let tally = map.get(key);
  if (!tally) {
    tally = new Tally();
    map.set(key, tally);
  }
  return tally;
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;

export function createStatisticsService({ store }: { store: Store }) {
  return {
    async report(siteId: string, { from, to }: StatsGetInput): Promise<StatsReport> {
      const site = await store.sites.findById(siteId);
      if (!site) throw new AppError('not_found', 'No such site');
      const timezone = site.timezone;
      // A day longer on each side covers every time zone; each fact is then placed by its local date.
      const since = utcMidnight(from, -1);
      const until = utcMidnight(to, 2);
      const placeOf = (iso: string) => {
        const at = new Date(iso);
        const day = localDate(at, timezone);
        return day < from || day > to ? null : { day, hour: localHour(at, timezone) };
      };

      const rows = new Map<string, { day: string; hour: number; service: string | null; tally: Tally }>();
      const days = new Map<string, Tally>();
      const services = new Map<string | null, Tally>();
      const hours = new Map<number, Tally>();
      const faults = new Map<string, { day: string; hour: number; faults: number }>();
      const total = new Tally();

      const tallies = (day: string, hour: number, service: string | null): Tally[] => {
        const key = `${day}|${String(hour).padStart(2, '0')}|${service ?? ''}`;
        let row = rows.get(key);
        if (!row) {
          row = { day, hour, service, tally: new Tally() };
          rows.set(key, row);
        }
        return [row.tally, tallyIn(days, day), tallyIn(services, service), tallyIn(hours, hour), total];
      };

      for (const call of await store.statistics.calls(siteId, since, until)) {
        const place = placeOf(call.createdAt);
        if (place) for (const t of tallies(place.day, place.hour, call.service)) t.addCall(call);
      }
      for (const ticket of await store.statistics.tickets(siteId, since, until)) {
        const place = placeOf(ticket.createdAt);
        if (place) for (const t of tallies(place.day, place.hour, ticket.service)) t.addTicket(ticket);
      }
      for (const fault of await store.printerFaults.startedBetween(siteId, since, until)) {
        const place = placeOf(fault.startedAt);
        if (!place) continue;
        const key = `${place.day}|${String(place.hour).padStart(2, '0')}`;
        const row = faults.get(key) ?? { ...place, faults: 0 };
        row.faults++;
        faults.set(key, row);
        for (const t of [tallyIn(days, place.day), tallyIn(hours, place.hour), total]) t.printerFaults++;
      }

      const known = await store.services.listInSite(siteId);
      const order = new Map(known.map((s, i) => [s.id, i]));
      // Services in the site's order (unknown ones after, by id); calls outside any procedure last.
      const serviceRank = (id: string | null) => (id === null ? Number.MAX_SAFE_INTEGER : (order.get(id) ?? known.length));
      const byServiceOrder = (a: string | null, b: string | null) =>
        serviceRank(a) - serviceRank(b) || String(a).localeCompare(String(b));
      const sortedKeys = <V>(map: Map<string, V>) => [...map.keys()].sort();
      const serviceRows: StatsRow[] = [...rows.values()]
        .sort((a, b) => a.day.localeCompare(b.day) || a.hour - b.hour || byServiceOrder(a.service, b.service))
        .map(({ day, hour, service, tally }) => ({ day, hour, service, ...tally.figures() }));

      return {
        from,
        to,
        timezone,
        services: known.map((s) => ({ id: s.id, name: s.name })),
        rows: serviceRows,
        printerFaults: sortedKeys(faults).map((key) => faults.get(key)!),
        days: sortedKeys(days).map((day) => {
          const tally = days.get(day)!;
          return { day, ...tally.figures(), printerFaults: tally.printerFaults };
        }),
        byService: [...services.entries()]
          .filter(([, tally]) => tally.helpCalls > 0 || tally.ticketsIssued > 0)
          .sort(([a], [b]) => byServiceOrder(a, b))
          .map(([service, tally]) => ({ service, ...tally.figures() })),
        byHour: Array.from({ length: 24 }, (_, hour) => {
          const tally = hours.get(hour) ?? new Tally();
          return { hour, ...tally.figures(), printerFaults: tally.printerFaults };
        }),
        total: { ...total.figures(), printerFaults: total.printerFaults }
      };
    }
  };
}
