/**
 * Data access for `audit_log`: every agent access to a session, and each export or erasure a
 * manager made at a citizen's request. Rows carry no answer values.
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import { prepare } from '../db/prepared';
import type { AuditLogTable } from '../db/schema';
import type { AuditAction, AuditEntry } from '../../../shared/schemas/call';

export interface AuditRecord {
  siteId: string;
  sessionId: string;
  sessionReference: string;
  accountId: string | null;
  actorName: string;
  action: AuditAction;
  detail: string;
  at: string;
}

type AuditRow = Pick<Selectable<AuditLogTable>, 'id' | 'at' | 'actor_name' | 'action' | 'session_reference' | 'detail'>;

const toEntry = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actorName: r.actor_name,
  action: r.action,
  sessionReference: r.session_reference,
  detail: r.detail
});

export function createAuditLogRepository(ex: Executor) {
  const entries = () =>
    ex.db().selectFrom('audit_log').select(['id', 'at', 'actor_name', 'action', 'session_reference', 'detail']);
  // Written as an agent types (one row per step edited): compiled once.
  const insert = prepare(ex, (db, record: AuditRecord) =>
    db.insertInto('audit_log').values({
      site_id: record.siteId,
      session_id: record.sessionId,
      session_reference: record.sessionReference,
      account_id: record.accountId,
      actor_name: record.actorName,
      action: record.action,
      detail: record.detail,
      at: record.at
    })
  );

  return {
    async add(record: AuditRecord): Promise<void> {
      await insert(record);
    },
    async list(siteId: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<AuditEntry[]> {
      const rows = await entries()
        .where('site_id', '=', siteId)
        .where('id', '<', beforeId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toEntry);
    },
    /** The whole log of a site, oldest first: the CSV export. Rows are small and hold no answers. */
    listAll: async (siteId: string): Promise<AuditEntry[]> =>
      (await entries().where('site_id', '=', siteId).orderBy('id').execute()).map(toEntry)
  };
}
