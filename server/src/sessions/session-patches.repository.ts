/** Data access for `session_patches`: the append-only list of accepted changes of each session. */
import type { Db } from '../db/database';
import type { SessionPatch } from '../../../shared/schemas/session';

export function createSessionPatchesRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO session_patches (session_id, version, patch_id, patch, created_at) VALUES (?, ?, ?, ?, ?)'
  );
  const byPatchId = db.prepare('SELECT patch FROM session_patches WHERE session_id = ? AND patch_id = ?');
  const since = db.prepare('SELECT patch FROM session_patches WHERE session_id = ? AND version > ? ORDER BY version LIMIT ?');
  const oldest = db.prepare('SELECT MIN(version) AS v FROM session_patches WHERE session_id = ?');
  const all = db.prepare('SELECT patch, created_at FROM session_patches WHERE session_id = ? ORDER BY version');
  const removeAll = db.prepare('DELETE FROM session_patches WHERE session_id = ?');
  const removeBefore = db.prepare('DELETE FROM session_patches WHERE session_id = ? AND version < ?');

  return {
    append(patch: SessionPatch, patchId: string | null, at: string): void {
      insert.run(patch.sessionId, patch.version, patchId, JSON.stringify(patch), at);
    },
    /** The patch a command with this id produced, if it was already applied. */
    findByPatchId(sessionId: string, patchId: string): SessionPatch | null {
      const row = byPatchId.get(sessionId, patchId) as { patch: string } | undefined;
      return row ? (JSON.parse(row.patch) as SessionPatch) : null;
    },
    /** Patches after `version`, at most `limit`, in order. */
    since(sessionId: string, version: number, limit: number): SessionPatch[] {
      return (since.all(sessionId, version, limit) as { patch: string }[]).map((r) => JSON.parse(r.patch) as SessionPatch);
    },
    /** Every patch kept for a session, with when it was made (a citizen's export of their session). */
    listAll(sessionId: string): { patch: SessionPatch; at: string }[] {
      return (all.all(sessionId) as { patch: string; created_at: string }[]).map((r) => ({
        patch: JSON.parse(r.patch) as SessionPatch,
        at: r.created_at
      }));
    },
    /**
     * Drops a session's patches older than `version`: only the recent ones serve (a client's
     * catching-up, a replayed command); one further behind gets the whole state instead.
     */
    pruneBefore(sessionId: string, version: number): void {
      removeBefore.run(sessionId, version);
    },
    deleteForSession(sessionId: string): void {
      removeAll.run(sessionId);
    },
    oldestVersion(sessionId: string): number | null {
      return (oldest.get(sessionId) as { v: number | null }).v;
    }
  };
}
