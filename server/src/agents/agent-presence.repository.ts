/** Data access for `agent_presence`: the availability each agent chose, and what to go back to after a call. */
import type { Executor } from '../db/executor';
import type { AgentStatus } from '../../../shared/schemas/call';

type Presence = { status: AgentStatus; beforeCall: AgentStatus | null };

/** An agent who never chose is available: they logged in on the tablet to help. */
const neverChose: Presence = Object.freeze({ status: 'available', beforeCall: null });

export function createAgentPresenceRepository(ex: Executor) {
  // Read for every agent each time a call rings: kept in memory, written through on each change.
  // Inside a transaction the copy is only written once it commits: a rollback would leave the copy
  // ahead of the table.
  const known = new Map<string, Presence>();
  // Reads and writes wait for their turn, so their answers may come back in another order than
  // they were made: a read or write that started before the latest change must not put its older
  // value in the copy (it is then read from the table again, next time).
  let changes = 0;
  /** Told each committed change (the other nodes then drop their copy of that agent's). */
  const listeners: ((accountId: string) => void)[] = [];
  const remember = (accountId: string, value: Presence, seen: number) =>
    ex.afterCommit(() => {
      if (changes === seen) known.set(accountId, value);
    });

  return {
    async get(accountId: string): Promise<Presence> {
      const cached = known.get(accountId);
      if (cached) return cached;
      const seen = changes;
      const row = await ex
        .db()
        .selectFrom('agent_presence')
        .select(['status', 'before_call'])
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      const value: Presence = row ? { status: row.status, beforeCall: row.before_call } : neverChose;
      remember(accountId, value, seen);
      return value;
    },
    /**
     * Reads into the copy, in one statement, the agents not in it yet: a node hears of a tablet
     * that connected to another node (`node:presence`) and knows that agent's availability before
     * a call has to ring them, instead of reading it then, one agent after the other.
     */
    async warm(accountIds: readonly string[]): Promise<void> {
      const missing = accountIds.filter((id) => !known.has(id));
      if (missing.length === 0) return;
      const seen = changes;
      const rows = await ex
        .db()
        .selectFrom('agent_presence')
        .select(['account_id', 'status', 'before_call'])
        .where('account_id', 'in', missing)
        .execute();
      const read = new Map(rows.map((r) => [r.account_id, { status: r.status, beforeCall: r.before_call }]));
      for (const id of missing) remember(id, read.get(id) ?? neverChose, seen);
    },
    /** This node's copy of an agent's availability, if it has one. */
    cached: (accountId: string): Presence | undefined => known.get(accountId),
    async set(accountId: string, status: AgentStatus, beforeCall: AgentStatus | null): Promise<void> {
      const seen = ++changes;
      known.delete(accountId);
      await ex
        .db()
        .insertInto('agent_presence')
        .values({ account_id: accountId, status, before_call: beforeCall })
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            before_call: eb.ref('excluded.before_call')
          }))
        )
        .execute();
      remember(accountId, { status, beforeCall }, seen);
      ex.afterCommit(() => {
        for (const fn of listeners) fn(accountId);
      });
    },
    /** `fn` is told each agent whose availability a committed change set here. */
    onChange(fn: (accountId: string) => void): void {
      listeners.push(fn);
    },
    /** Another node changed it: read from the table next time. */
    forget(accountId: string): void {
      changes++;
      known.delete(accountId);
    }
  };
}
