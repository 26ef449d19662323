/**
 * The statistics as CSV (see ../http/csv.ts for the format): a header row, then one line per day,
 * hour and service where something happened. Headers are French, like the console by default.
 *
 * - `service` is the service id, `nom_service` its name; a help call made outside any procedure
 *   has an empty `service` and the name « (sans démarche) ».
 * - Printer faults belong to the site, not to a service: they are on lines of their own, with
 *   `service` `*` and the name « (tout le site) », and only `pannes_imprimante` filled. On service
 *   lines that column is empty. Summing a column in a spreadsheet therefore counts each fact once.
 * - Times are whole seconds; an empty cell means there was nothing to measure.
 */
import type { StatsReport } from '../../../shared/schemas/statistics';
import { toCsv, type CsvCell } from '../http/csv';

export const statsCsvHeader = [
  'date',
  'heure',
  'service',
  'nom_service',
  'appels_aide',
  'appels_repondus',
  'appels_sans_reponse',
  'reponse_mediane_s',
  'reponse_p90_s',
  'tickets_emis',
  'tickets_appeles',
  'attente_mediane_s',
  'attente_p90_s',
  'pannes_imprimante'
] as const;

export function statsCsv(report: StatsReport): string {
  const names = new Map(report.services.map((s) => [s.id, s.name]));
  const lines: { sortKey: string; cells: CsvCell[] }[] = report.rows.map((r) => ({
    sortKey: `${r.day}|${String(r.hour).padStart(2, '0')}|1`,
    cells: [
      r.day,
      r.hour,
      r.service ?? '',
      r.service === null ? '(sans démarche)' : (names.get(r.service) ?? r.service),
      r.helpCalls,
      r.answered,
      r.unanswered,
      r.answerMedianSeconds,
      r.answerP90Seconds,
      r.ticketsIssued,
      r.ticketsCalled,
      r.waitMedianSeconds,
      r.waitP90Seconds,
      null
    ]
  }));
  for (const f of report.printerFaults) {
    lines.push({
      sortKey: `${f.day}|${String(f.hour).padStart(2, '0')}|2`,
      cells: [f.day, f.hour, '*', '(tout le site)', null, null, null, null, null, null, null, null, null, f.faults]
    });
  }
  // A stable sort: within an hour, services keep the report's order, the site's line comes last.
  lines.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return toCsv(
    statsCsvHeader,
    lines.map((l) => l.cells)
  );
}
