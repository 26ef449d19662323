/** Data access for `printers`: each site's receipt and A4 printers and the URI of their driver. */
import type { Db } from '../db/database';
import type { PrinterKind } from '../../../printers/driver';

interface PrinterRow {
  id: string;
  site_id: string;
  terminal_id: string | null;
  kind: PrinterKind;
  name: string;
  uri: string;
  created_at: string;
}

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

export function createPrintersRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO printers (id, site_id, terminal_id, kind, name, uri, created_at)
     VALUES (@id, @siteId, @terminalId, @kind, @name, @uri, @createdAt)`
  );
  const byId = db.prepare('SELECT * FROM printers WHERE id = ?');
  const all = db.prepare('SELECT * FROM printers ORDER BY site_id, kind, name');
  const inSite = db.prepare('SELECT * FROM printers WHERE site_id = ? ORDER BY kind, name');
  // The terminal's own printer first, then one the site shares.
  const forTerminal = db.prepare(
    `SELECT * FROM printers WHERE site_id = ? AND kind = ? AND (terminal_id = ? OR terminal_id IS NULL)
     ORDER BY terminal_id IS NULL, created_at LIMIT 1`
  );
  const setUri = db.prepare('UPDATE printers SET uri = ? WHERE id = ?');
  const update = db.prepare(
    'UPDATE printers SET name = @name, kind = @kind, uri = @uri, terminal_id = @terminalId WHERE id = @id'
  );

  return {
    insert(printer: Printer, createdAt: string): void {
      insert.run({ ...printer, createdAt });
    },
    findById(id: string): Printer | null {
      const row = byId.get(id) as PrinterRow | undefined;
      return row ? toPrinter(row) : null;
    },
    listAll: (): Printer[] => (all.all() as PrinterRow[]).map(toPrinter),
    listInSite: (siteId: string): Printer[] => (inSite.all(siteId) as PrinterRow[]).map(toPrinter),
    findFor(siteId: string, terminalId: string | null, kind: PrinterKind): Printer | null {
      const row = forTerminal.get(siteId, kind, terminalId) as PrinterRow | undefined;
      return row ? toPrinter(row) : null;
    },
    setUri(id: string, uri: string): void {
      setUri.run(uri, id);
    },
    update(printer: Omit<Printer, 'siteId'>): void {
      update.run(printer);
    }
  };
}
