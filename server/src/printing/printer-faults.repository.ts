/**
 * Data access for `printer_faults`: each time a printer stopped and when it was ready again, for
 * the team's statistics. One open row per printer at most: a fault that changes kind while the
 * printer is still down (paper out, then cover open to refill it) is the same outage.
 */
import { sql } from 'kysely';
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
      // One statement, so that two reports of the same outage cannot both open a row.
      const db = ex.db();
      const result = await db
        .insertInto('printer_faults')
        .columns(['site_id', 'printer_id', 'fault', 'started_at'])
        .expression(
          db
            .selectNoFrom((eb) => [
              eb.val(siteId).as('site_id'),
              eb.val(printerId).as('printer_id'),
              eb.val(fault).as('fault'),
              eb.val(at).as('started_at')
            ])
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('printer_faults')
                    .select(sql.lit(1).as('one'))
                    .where('printer_id', '=', printerId)
                    .where('ended_at', 'is', null)
                )
              )
            )
        )
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
