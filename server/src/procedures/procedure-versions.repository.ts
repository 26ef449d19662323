/**
 * Data access for `procedure_versions`: every saved version of a site's procedure files, exactly as
 * written. Rows are only ever added (the database refuses an update): a session may be using one.
 */
import type { Db } from '../db/database';

interface VersionRow {
  site_id: string;
  procedure_id: string;
  version: number;
  source: string;
  created_at: string;
  created_by: string | null;
}

export interface ProcedureVersion {
  siteId: string;
  procedureId: string;
  version: number;
  source: string;
  createdAt: string;
  /** The manager's first name; null for a version imported from the catalog folder. */
  createdBy: string | null;
}

const toVersion = (row: VersionRow): ProcedureVersion => ({
  siteId: row.site_id,
  procedureId: row.procedure_id,
  version: row.version,
  source: row.source,
  createdAt: row.created_at,
  createdBy: row.created_by
});

export function createProcedureVersionsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO procedure_versions (site_id, procedure_id, version, source, created_at, created_by)
     VALUES (@siteId, @procedureId, @version, @source, @createdAt, @createdBy)`
  );
  const one = db.prepare('SELECT * FROM procedure_versions WHERE site_id = ? AND procedure_id = ? AND version = ?');
  const latest = db.prepare(
    'SELECT * FROM procedure_versions WHERE site_id = ? AND procedure_id = ? ORDER BY version DESC LIMIT 1'
  );
  // The newest version of each of a site's procedures, without the sources (the list view).
  const latestInSite = db.prepare(
    `SELECT procedure_id, MAX(version) AS version FROM procedure_versions WHERE site_id = ? GROUP BY procedure_id`
  );

  return {
    insert(version: ProcedureVersion): void {
      insert.run(version);
    },
    find(siteId: string, procedureId: string, version: number): ProcedureVersion | null {
      const row = one.get(siteId, procedureId, version) as VersionRow | undefined;
      return row ? toVersion(row) : null;
    },
    latest(siteId: string, procedureId: string): ProcedureVersion | null {
      const row = latest.get(siteId, procedureId) as VersionRow | undefined;
      return row ? toVersion(row) : null;
    },
    /** Procedure id to its newest version number, for every procedure of the site. */
    latestNumbers(siteId: string): Map<string, number> {
      const rows = latestInSite.all(siteId) as { procedure_id: string; version: number }[];
      return new Map(rows.map((r) => [r.procedure_id, r.version]));
    }
  };
}
