/**
 * The audit log as CSV (format in ../http/csv.ts): who accessed which session, when, and what they
 * did, oldest first. `action` is the stable code the console translates (accept, view, edit, note,
 * handover, release, end, stopped, lost, export, erase); `detail` says which step or to whom,
 * never an answer. The moment is given in UTC and in the site's local date and time.
 */
import { localDate, localWeekdayAndTime } from '../../../shared/opening-hours';
import type { AuditEntry } from '../../../shared/schemas/call';
import { toCsv } from '../http/csv';

export const auditCsvHeader = ['horodatage_utc', 'date', 'heure', 'qui', 'action', 'detail', 'reference_session'] as const;

export function auditCsv(entries: readonly AuditEntry[], timezone: string): string {
  return toCsv(
    auditCsvHeader,
    entries.map((e) => {
      const at = new Date(e.at);
      return [
        e.at,
        localDate(at, timezone),
        localWeekdayAndTime(at, timezone).time,
        e.actorName,
        e.action,
        e.detail,
        e.sessionReference
      ];
    })
  );
}
