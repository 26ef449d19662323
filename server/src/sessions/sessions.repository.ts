/** Data access for `kiosk_sessions`: the current state of each kiosk session, stored whole. */
import type { Db } from '../db/database';
import type { SessionState } from '../../../shared/schemas/session';

interface SessionRow {
  id: string;
  site_id: string;
  terminal_id: string | null;
  reference: string;
  status: 'active' | 'ended';
  version: number;
  state: string;
  started_at: string;
  ended_at: string | null;
  end_reason: string | null;
}

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

export function createSessionsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO kiosk_sessions (id, site_id, terminal_id, reference, status, version, state, started_at)
     VALUES (?, ?, ?, ?, 'active', ?, ?, ?)`
  );
  const byId = db.prepare('SELECT * FROM kiosk_sessions WHERE id = ?');
  const activeForTerminal = db.prepare(
    "SELECT * FROM kiosk_sessions WHERE terminal_id = ? AND status = 'active' ORDER BY started_at DESC LIMIT 1"
  );
  const save = db.prepare('UPDATE kiosk_sessions SET version = ?, state = ? WHERE id = ?');
  const ended = db.prepare("SELECT id, ended_at FROM kiosk_sessions WHERE site_id = ? AND status = 'ended'");
  const remove = db.prepare('DELETE FROM kiosk_sessions WHERE id = ?');
  // References are random and sessions short-lived: should two ever match, the latest is meant.
  const byReference = db.prepare(
    'SELECT * FROM kiosk_sessions WHERE site_id = ? AND reference = ? ORDER BY started_at DESC LIMIT 1'
  );
  const end = db.prepare(
    "UPDATE kiosk_sessions SET status = 'ended', ended_at = ?, end_reason = ?, version = ?, state = ? WHERE id = ?"
  );

  return {
    insert(session: StoredSession): void {
      const s = session.state;
      insert.run(session.id, session.siteId, session.terminalId, session.reference, s.version, JSON.stringify(s), s.startedAt);
    },
    findById(id: string): StoredSession | null {
      const row = byId.get(id) as SessionRow | undefined;
      return row ? toStored(row) : null;
    },
    findActiveForTerminal(terminalId: string): StoredSession | null {
      const row = activeForTerminal.get(terminalId) as SessionRow | undefined;
      return row ? toStored(row) : null;
    },
    save(state: SessionState): void {
      save.run(state.version, JSON.stringify(state), state.id);
    },
    /** A site's session by the reference printed for the citizen (« ABC DEF »). */
    findByReference(siteId: string, reference: string): SessionRecord | null {
      const row = byReference.get(siteId, reference) as SessionRow | undefined;
      if (!row) return null;
      return {
        ...toStored(row),
        status: row.status,
        startedAt: row.started_at,
        endedAt: row.ended_at,
        endReason: row.end_reason as SessionRecord['endReason']
      };
    },
    /** Ended sessions of a site, with when they ended: what the retention purge looks at. */
    listEnded(siteId: string): { id: string; endedAt: string }[] {
      return (ended.all(siteId) as { id: string; ended_at: string | null }[]).map((r) => ({
        id: r.id,
        endedAt: r.ended_at ?? ''
      }));
    },
    /** Gone with its patches; calls and print jobs keep their row without it, the audit log its reference. */
    remove(id: string): void {
      remove.run(id);
    },
    end(state: SessionState, endedAt: string, reason: 'finished' | 'inactivity' | 'agent'): void {
      end.run(endedAt, reason, state.version, JSON.stringify(state), state.id);
    }
  };
}
