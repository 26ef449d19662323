/**
 * Data access for `printer_faults`: each time a printer stopped and when it was ready again, for
 * the team's statistics. One open row per printer at most: a fault that changes kind while the
 * printer is still down (paper out, then cover open to refill it) is the same outage.
 */
import type { Db } from '../db/database';

export interface PrinterFaultRecord {
  siteId: string;
  printerId: string | null;
  fault: string;
  startedAt: string;
  endedAt: string | null;
}

export function createPrinterFaultsRepository(db: Db) {
  const open = db.prepare(
    `INSERT INTO printer_faults (site_id, printer_id, fault, started_at)
     SELECT @siteId, @printerId, @fault, @at
     WHERE NOT EXISTS (SELECT 1 FROM printer_faults WHERE printer_id = @printerId AND ended_at IS NULL)`
  );
  const close = db.prepare('UPDATE printer_faults SET ended_at = ? WHERE printer_id = ? AND ended_at IS NULL');
  const startedBetween = db.prepare(
    `SELECT site_id, printer_id, fault, started_at, ended_at FROM printer_faults
     WHERE site_id = ? AND started_at >= ? AND started_at < ? ORDER BY started_at`
  );

  return {
    /** Records that the printer stopped, unless an outage of it is already open. True when recorded. */
    open(siteId: string, printerId: string, fault: string, at: string): boolean {
      return open.run({ siteId, printerId, fault, at }).changes === 1;
    },
    /** The printer is ready again: its open outage ends. */
    close(printerId: string, at: string): boolean {
      return close.run(at, printerId).changes === 1;
    },
    /** Outages of a site that started in [from, to) (ISO instants). */
    startedBetween(siteId: string, from: string, to: string): PrinterFaultRecord[] {
      return (
        startedBetween.all(siteId, from, to) as {
          site_id: string;
          printer_id: string | null;
          fault: string;
          started_at: string;
          ended_at: string | null;
        }[]
      ).map((r) => ({
        siteId: r.site_id,
        printerId: r.printer_id,
        fault: r.fault,
        startedAt: r.started_at,
        endedAt: r.ended_at
      }));
    }
  };
}
