/**
 * Data access for `printer_faults`: each time a printer stopped and when it was ready again, for
 * the team's statistics. One open row per printer at most: a fault that changes kind while the
 * printer is still down (paper out, then cover open to refill it) is the same outage.
 */
import type { Executor } from '../db/executor';

export interface PrinterFaultRecord {
  siteId: string;
  printerId: string | null;
  fault: string;
  startedAt: string;
  endedAt: string | null;
}

export function createPrinterFaultsRepository(ex: Executor) {
  return {
    /** Records that the printer stopped, unless an outage of it is already open. True when recorded. */
    async open(siteId: string, printerId: string, fault: string, at: string): Promise<boolean> {
      // The unique index `printer_faults_open` decides: of reports sent at once, only one opens a
      // row, whichever engine, whatever runs alongside.
      const result = await ex
        .db()
        .insertInto('printer_faults')
        .values({ site_id: siteId, printer_id: printerId, fault, started_at: at })
        .onConflict((oc) => oc.column('printer_id').where('ended_at', 'is', null).doNothing())
        .executeTakeFirstOrThrow();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    /** The printer is ready again: its open outage ends. */
    async close(printerId: string, at: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('printer_faults')
        .set({ ended_at: at })
        .where('printer_id', '=', printerId)
        .where('ended_at', 'is', null)
        .executeTakeFirstOrThrow();
      return result.numUpdatedRows === 1n;
    },
    /** Outages of a site that started in [from, to) (ISO instants). */
    async startedBetween(siteId: string, from: string, to: string): Promise<PrinterFaultRecord[]> {
      const rows = await ex
        .db()
        .selectFrom('printer_faults')
        .select(['site_id', 'printer_id', 'fault', 'started_at', 'ended_at'])
        .where('site_id', '=', siteId)
        .where('started_at', '>=', from)
        .where('started_at', '<', to)
        .orderBy('started_at')
        // The row id: outages that started at the same instant, in the order they were recorded.
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        siteId: r.site_id,
        printerId: r.printer_id,
        fault: r.fault,
        startedAt: r.started_at,
        endedAt: r.ended_at
      }));
    }
  };
}
