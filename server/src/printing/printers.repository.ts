/** Data access for `printers`: each site's receipt and A4 printers and the URI of their driver. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { PrintersTable } from '../db/schema';
import type { PrinterKind } from '../../../printers/driver';

type PrinterRow = Selectable<PrintersTable>;

export interface Printer {
  id: string;
  siteId: string;
  /** The kiosk this printer is attached to; null when the site's terminals share it. */
  terminalId: string | null;
  kind: PrinterKind;
  name: string;
  uri: string;
}

const toPrinter = (row: PrinterRow): Printer => ({
  id: row.id,
  siteId: row.site_id,
  terminalId: row.terminal_id,
  kind: row.kind,
  name: row.name,
  uri: row.uri
});

export function createPrintersRepository(ex: Executor) {
  const printers = () => ex.db().selectFrom('printers').selectAll();
  const one = (row: PrinterRow | undefined) => (row ? toPrinter(row) : null);

  return {
    async insert(printer: Printer, createdAt: string): Promise<void> {
      await ex
        .db()
        .insertInto('printers')
        .values({
          id: printer.id,
          site_id: printer.siteId,
          terminal_id: printer.terminalId,
          kind: printer.kind,
          name: printer.name,
          uri: printer.uri,
          created_at: createdAt
        })
        .execute();
    },
    findById: async (id: string): Promise<Printer | null> => one(await printers().where('id', '=', id).executeTakeFirst()),
    listAll: async (): Promise<Printer[]> =>
      (await printers().orderBy('site_id').orderBy('kind').orderBy('name').orderBy('id').execute()).map(toPrinter),
    listInSite: async (siteId: string): Promise<Printer[]> =>
      (await printers().where('site_id', '=', siteId).orderBy('kind').orderBy('name').orderBy('id').execute()).map(toPrinter),
    async findFor(siteId: string, terminalId: string | null, kind: PrinterKind): Promise<Printer | null> {
      // The terminal's own printer first, then one the site shares.
      const row = await printers()
        .where('site_id', '=', siteId)
        .where('kind', '=', kind)
        .where((eb) => eb.or([eb('terminal_id', '=', terminalId), eb('terminal_id', 'is', null)]))
        .orderBy(sql`terminal_id IS NULL`)
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return one(row);
    },
    async setUri(id: string, uri: string): Promise<void> {
      await ex.db().updateTable('printers').set({ uri }).where('id', '=', id).execute();
    },
    async update(printer: Omit<Printer, 'siteId'>): Promise<void> {
      await ex
        .db()
        .updateTable('printers')
        .set({ name: printer.name, kind: printer.kind, uri: printer.uri, terminal_id: printer.terminalId })
        .where('id', '=', printer.id)
        .execute();
    }
  };
}
