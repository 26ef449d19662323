/**
 * Data access for `audit_log`: every agent access to a session, and each export or erasure a
 * manager made at a citizen's request. Rows carry no answer values.
 */
import type { Db } from '../db/database';
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

interface AuditRow {
  id: number;
  at: string;
  actor_name: string;
  action: AuditAction;
  session_reference: string;
  detail: string;
}

export function createAuditLogRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO audit_log (site_id, session_id, session_reference, account_id, actor_name, action, detail, at)
     VALUES (@siteId, @sessionId, @sessionReference, @accountId, @actorName, @action, @detail, @at)`
  );
  const list = db.prepare(
    `SELECT id, at, actor_name, action, session_reference, detail FROM audit_log
     WHERE site_id = ? AND id < ? ORDER BY id DESC LIMIT ?`
  );

  const all = db.prepare(
    'SELECT id, at, actor_name, action, session_reference, detail FROM audit_log WHERE site_id = ? ORDER BY id'
  );
  const toEntry = (r: AuditRow): AuditEntry => ({
    id: r.id,
    at: r.at,
    actorName: r.actor_name,
    action: r.action,
    sessionReference: r.session_reference,
    detail: r.detail
  });

  return {
    add(record: AuditRecord): void {
      insert.run(record);
    },
    list(siteId: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): AuditEntry[] {
      return (list.all(siteId, beforeId, limit) as AuditRow[]).map(toEntry);
    },
    /** The whole log of a site, oldest first: the CSV export. Rows are small and hold no answers. */
    listAll(siteId: string): AuditEntry[] {
      return (all.all(siteId) as AuditRow[]).map(toEntry);
    }
  };
}
