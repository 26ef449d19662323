/** Data access for `procedures`: each site's procedures, which version its kiosks offer, and their order. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { ProceduresTable } from '../db/schema';

type ProcedureRow = Selectable<ProceduresTable>;

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

export function createProceduresRepository(ex: Executor) {
  const procedures = () => ex.db().selectFrom('procedures').selectAll();

  return {
    /**
     * Inserts the procedure unless the site has one by this id; true when inserted. Two inserts
     * at once (a save and the catalog's import) never both insert, and neither fails.
     */
    async insertIfAbsent(procedure: StoredProcedure): Promise<boolean> {
      const result = await ex
        .db()
        .insertInto('procedures')
        .values({
          site_id: procedure.siteId,
          id: procedure.id,
          published_version: procedure.publishedVersion,
          position: procedure.position,
          created_at: procedure.createdAt
        })
        .onConflict((oc) => oc.columns(['site_id', 'id']).doNothing())
        .executeTakeFirstOrThrow();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    /**
     * The procedure, held until the transaction ends (locked on PostgreSQL; on SQLite the
     * transaction has the store to itself): its next version is numbered by one save at a time.
     */
    async lock(siteId: string, id: string): Promise<StoredProcedure | null> {
      const query = procedures().where('site_id', '=', siteId).where('id', '=', id);
      const row = await (ex.engine === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
      return row ? toProcedure(row) : null;
    },
    async listInSite(siteId: string): Promise<StoredProcedure[]> {
      return (await procedures().where('site_id', '=', siteId).orderBy('position').orderBy('id').execute()).map(toProcedure);
    },
    async find(siteId: string, id: string): Promise<StoredProcedure | null> {
      const row = await procedures().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
      return row ? toProcedure(row) : null;
    },
    async setPublished(siteId: string, id: string, version: number | null): Promise<void> {
      await ex
        .db()
        .updateTable('procedures')
        .set({ published_version: version })
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .execute();
    },
    /** Where a new procedure goes: after the others. */
    async nextPosition(siteId: string): Promise<number> {
      const row = await ex
        .db()
        .selectFrom('procedures')
        .select(sql<number>`COALESCE(MAX(position) + 1, 0)`.as('next'))
        .where('site_id', '=', siteId)
        .executeTakeFirstOrThrow();
      return row.next;
    }
  };
}
