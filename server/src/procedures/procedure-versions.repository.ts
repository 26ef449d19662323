/**
 * Data access for `procedure_versions`: every saved version of a site's procedure files, exactly as
 * written. Rows are only ever added (the database refuses an update): a session may be using one.
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { ProcedureVersionsTable } from '../db/schema';

type VersionRow = Selectable<ProcedureVersionsTable>;

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

export function createProcedureVersionsRepository(ex: Executor) {
  const versions = (siteId: string, procedureId: string) =>
    ex.db().selectFrom('procedure_versions').selectAll().where('site_id', '=', siteId).where('procedure_id', '=', procedureId);
  const one = (row: VersionRow | undefined) => (row ? toVersion(row) : null);

  return {
    async insert(version: ProcedureVersion): Promise<void> {
      await ex
        .db()
        .insertInto('procedure_versions')
        .values({
          site_id: version.siteId,
          procedure_id: version.procedureId,
          version: version.version,
          source: version.source,
          created_at: version.createdAt,
          created_by: version.createdBy
        })
        .execute();
    },
    find: async (siteId: string, procedureId: string, version: number) =>
      one(await versions(siteId, procedureId).where('version', '=', version).executeTakeFirst()),
    latest: async (siteId: string, procedureId: string) =>
      one(await versions(siteId, procedureId).orderBy('version', 'desc').limit(1).executeTakeFirst()),
    /** Procedure id to its newest version number, for every procedure of the site. */
    async latestNumbers(siteId: string): Promise<Map<string, number>> {
      // The newest version of each of a site's procedures, without the sources (the list view).
      const rows = await ex
        .db()
        .selectFrom('procedure_versions')
        .select((eb) => ['procedure_id', eb.fn.max('version').as('version')])
        .where('site_id', '=', siteId)
        .groupBy('procedure_id')
        .orderBy('procedure_id')
        .execute();
      return new Map(rows.map((r) => [r.procedure_id, r.version]));
    }
  };
}
