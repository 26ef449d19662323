/** Data access for `session_patches`: the append-only list of accepted changes of each session. */
import type { Db } from '../db/database';
import type { SessionPatch } from '../../../shared/schemas/session';

export type SessionPatchesRepository = ReturnType<typeof createSessionPatchesRepository>;

export function createSessionPatchesRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO session_patches (session_id, version, patch_id, patch, created_at) VALUES (?, ?, ?, ?, ?)'
  );
  const byPatchId = db.prepare('SELECT version FROM session_patches WHERE session_id = ? AND patch_id = ?');
  const since = db.prepare('SELECT patch FROM session_patches WHERE session_id = ? AND version > ? ORDER BY version LIMIT ?');
  const oldest = db.prepare('SELECT MIN(version) AS v FROM session_patches WHERE session_id = ?');

  return {
    append(patch: SessionPatch, patchId: string | null, at: string): void {
      insert.run(patch.sessionId, patch.version, patchId, JSON.stringify(patch), at);
    },
    /** The version a command with this id produced, if it was already applied. */
    versionOf(sessionId: string, patchId: string): number | null {
      const row = byPatchId.get(sessionId, patchId) as { version: number } | undefined;
      return row?.version ?? null;
    },
    /** Patches after `version`, at most `limit`, in order. */
    since(sessionId: string, version: number, limit: number): SessionPatch[] {
      return (since.all(sessionId, version, limit) as { patch: string }[]).map((r) => JSON.parse(r.patch) as SessionPatch);
    },
    oldestVersion(sessionId: string): number | null {
      return (oldest.get(sessionId) as { v: number | null }).v;
    }
  };
}
