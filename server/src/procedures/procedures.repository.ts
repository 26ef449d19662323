/** Data access for `procedures`: each site's procedures, which version its kiosks offer, and their order. */
import type { Db } from '../db/database';

interface ProcedureRow {
  site_id: string;
  id: string;
  published_version: number | null;
  position: number;
  created_at: string;
}

export interface StoredProcedure {
  siteId: string;
  id: string;
  /** The version the kiosks offer; null when the procedure is not on the kiosks. */
  publishedVersion: number | null;
  position: number;
  createdAt: string;
}

const toProcedure = (row: ProcedureRow): StoredProcedure => ({
  siteId: row.site_id,
  id: row.id,
  publishedVersion: row.published_version,
  position: row.position,
  createdAt: row.created_at
});

export function createProceduresRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO procedures (site_id, id, published_version, position, created_at)
     VALUES (@siteId, @id, @publishedVersion, @position, @createdAt)`
  );
  const inSite = db.prepare('SELECT * FROM procedures WHERE site_id = ? ORDER BY position, id');
  const one = db.prepare('SELECT * FROM procedures WHERE site_id = ? AND id = ?');
  const setPublished = db.prepare('UPDATE procedures SET published_version = ? WHERE site_id = ? AND id = ?');
  const nextPosition = db.prepare('SELECT COALESCE(MAX(position) + 1, 0) FROM procedures WHERE site_id = ?').pluck();

  return {
    insert(procedure: StoredProcedure): void {
      insert.run(procedure);
    },
    listInSite(siteId: string): StoredProcedure[] {
      return (inSite.all(siteId) as ProcedureRow[]).map(toProcedure);
    },
    find(siteId: string, id: string): StoredProcedure | null {
      const row = one.get(siteId, id) as ProcedureRow | undefined;
      return row ? toProcedure(row) : null;
    },
    setPublished(siteId: string, id: string, version: number | null): void {
      setPublished.run(version, siteId, id);
    },
    /** Where a new procedure goes: after the others. */
    nextPosition(siteId: string): number {
      return nextPosition.get(siteId) as number;
    }
  };
}
