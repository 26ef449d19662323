/** Data access for `kiosk_sessions`: the current state of each kiosk session, stored whole. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import { first, prepare } from '../db/prepared';
import type { KioskSessionsTable } from '../db/schema';
import type { SessionState } from '../../../shared/schemas/session';

type SessionRow = Selectable<KioskSessionsTable>;

export interface StoredSession {
  id: string;
  siteId: string;
  terminalId: string | null;
  reference: string;
  state: SessionState;
}

function toStored(row: SessionRow): StoredSession {
  const state = JSON.parse(row.state) as SessionState;
  return { id: row.id, siteId: row.site_id, terminalId: row.terminal_id, reference: row.reference, state };
}

/** A session with its lifecycle, as a manager finds it by its reference. */
export interface SessionRecord extends StoredSession {
  status: 'active' | 'ended';
  startedAt: string;
  endedAt: string | null;
  endReason: 'finished' | 'inactivity' | 'agent' | null;
}

export function createSessionsRepository(ex: Executor) {
  const sessions = () => ex.db().selectFrom('kiosk_sessions').selectAll();
  const one = (row: SessionRow | undefined) => (row ? toStored(row) : null);
  // Written at every change of a session (each keystroke): compiled once.
  const saveState = prepare(ex, (db, p: { id: string; version: number; state: string }) =>
    db.updateTable('kiosk_sessions').set({ version: p.version, state: p.state }).where('id', '=', p.id)
  );
  // Taken before every change of a session on PostgreSQL (see `lockForChange`): compiled once.
  const lockRow = prepare(ex, (db, p: { id: string }) => {
    const row = db.selectFrom('kiosk_sessions').select(['version', 'status']).where('id', '=', p.id);
    return ex.engine === 'postgres' ? row.forUpdate() : row;
  });

  // Read before a session is read from a node's memory on PostgreSQL (see `versionOf`).
  const versionRow = prepare(ex, (db, p: { id: string }) =>
    db.selectFrom('kiosk_sessions').select(['version', 'status']).where('id', '=', p.id)
  );

  return {
    async insert(session: StoredSession): Promise<void> {
      const s = session.state;
      await ex
        .db()
        .insertInto('kiosk_sessions')
        .values({
          id: session.id,
          site_id: session.siteId,
          terminal_id: session.terminalId,
          reference: session.reference,
          status: 'active',
          version: s.version,
          state: JSON.stringify(s),
          started_at: s.startedAt
        })
        .execute();
    },
    findById: async (id: string) => one(await sessions().where('id', '=', id).executeTakeFirst()),
    findActiveForTerminal: async (terminalId: string) =>
      one(
        await sessions()
          .where('terminal_id', '=', terminalId)
          .where('status', '=', sql.lit('active'))
          .orderBy('started_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst()
      ),
    /**
     * Locks the session's row until the transaction ends (another one, of this process or any
     * other, then waits to lock or write it) and gives the version and status stored now; null if
     * there is no such session. On PostgreSQL: SQLite has no `FOR UPDATE` (there it only reads the
     * row), and its open transaction already keeps every other writer out.
     */
    async lockForChange(id: string): Promise<{ version: number; status: 'active' | 'ended' } | null> {
      return (await first(lockRow({ id }))) ?? null;
    },
    /** A session's stored version and status, without locking it; null if there is no such session. */
    async versionOf(id: string): Promise<{ version: number; status: 'active' | 'ended' } | null> {
      return (await first(versionRow({ id }))) ?? null;
    },
    async save(state: SessionState): Promise<void> {
      await saveState({ id: state.id, version: state.version, state: JSON.stringify(state) });
    },
    /** A site's session by the reference printed for the citizen (« ABC DEF »). */
    async findByReference(siteId: string, reference: string): Promise<SessionRecord | null> {
      // References are random and sessions short-lived: should two ever match, the latest is meant.
      const row = await sessions()
        .where('site_id', '=', siteId)
        .where('reference', '=', reference)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!row) return null;
      return {
        ...toStored(row),
        status: row.status,
        startedAt: row.started_at,
        endedAt: row.ended_at,
        endReason: row.end_reason
      };
    },
    /** Ended sessions of a site, with when they ended: what the retention purge looks at. */
    async listEnded(siteId: string): Promise<{ id: string; endedAt: string }[]> {
      const rows = await ex
        .db()
        .selectFrom('kiosk_sessions')
        .select(['id', 'ended_at'])
        .where('site_id', '=', siteId)
        .where('status', '=', sql.lit('ended'))
        // The order the site's index gives, made total: the same on every engine.
        .orderBy('started_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, endedAt: r.ended_at ?? '' }));
    },
    /** Gone with its patches; calls and print jobs keep their row without it, the audit log its reference. */
    async remove(id: string): Promise<void> {
      await ex.db().deleteFrom('kiosk_sessions').where('id', '=', id).execute();
    },
    async end(state: SessionState, endedAt: string, reason: 'finished' | 'inactivity' | 'agent'): Promise<void> {
      await ex
        .db()
        .updateTable('kiosk_sessions')
        .set({ status: 'ended', ended_at: endedAt, end_reason: reason, version: state.version, state: JSON.stringify(state) })
        .where('id', '=', state.id)
        .execute();
    }
  };
}
