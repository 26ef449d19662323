/** Data access for `agent_presence`: the availability each agent chose, and what to go back to after a call. */
import type { Db } from '../db/database';
import type { AgentStatus } from '../../../shared/schemas/call';

export function createAgentPresenceRepository(db: Db) {
  const get = db.prepare('SELECT status, before_call FROM agent_presence WHERE account_id = ?');
  const upsert = db.prepare(
    `INSERT INTO agent_presence (account_id, status, before_call) VALUES (?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET status = excluded.status, before_call = excluded.before_call`
  );

  // Read for every agent each time a call rings: kept in memory, written through on each change.
  // Inside a transaction nothing is remembered: a rollback would leave the copy ahead of the table.
  const known = new Map<string, { status: AgentStatus; beforeCall: AgentStatus | null }>();

  return {
    /** An agent who never chose is available: they logged in on the tablet to help. */
    get(accountId: string): { status: AgentStatus; beforeCall: AgentStatus | null } {
      const cached = known.get(accountId);
      if (cached) return cached;
      const row = get.get(accountId) as { status: AgentStatus; before_call: AgentStatus | null } | undefined;
      const value = row
        ? { status: row.status, beforeCall: row.before_call }
        : { status: 'available' as const, beforeCall: null };
      if (!db.inTransaction) known.set(accountId, value);
      return value;
    },
    set(accountId: string, status: AgentStatus, beforeCall: AgentStatus | null): void {
      upsert.run(accountId, status, beforeCall);
      if (db.inTransaction) known.delete(accountId);
      else known.set(accountId, { status, beforeCall });
    }
  };
}
