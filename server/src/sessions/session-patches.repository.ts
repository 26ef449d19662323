/** Data access for `session_patches`: the append-only list of accepted changes of each session. */
import type { Executor } from '../db/executor';
import { first, prepare } from '../db/prepared';
import type { SessionPatch } from '../../../shared/schemas/session';

export function createSessionPatchesRepository(ex: Executor) {
  const parse = (patch: string) => JSON.parse(patch) as SessionPatch;
  // The statements of each keystroke, compiled once.
  const insert = prepare(ex, (db, p: { sessionId: string; version: number; patchId: string | null; patch: string; at: string }) =>
    db
      .insertInto('session_patches')
      .values({ session_id: p.sessionId, version: p.version, patch_id: p.patchId, patch: p.patch, created_at: p.at })
  );
  const byPatchId = prepare(ex, (db, p: { sessionId: string; patchId: string }) =>
    db.selectFrom('session_patches').select('patch').where('session_id', '=', p.sessionId).where('patch_id', '=', p.patchId)
  );
  const ids = prepare(ex, (db, p: { sessionId: string }) =>
    db
      .selectFrom('session_patches')
      .select(['patch_id', 'version'])
      .where('session_id', '=', p.sessionId)
      .where('patch_id', 'is not', null)
  );
  const prune = prepare(ex, (db, p: { sessionId: string; version: number }) =>
    db.deleteFrom('session_patches').where('session_id', '=', p.sessionId).where('version', '<', p.version)
  );

  return {
    async append(patch: SessionPatch, patchId: string | null, at: string): Promise<void> {
      await insert({ sessionId: patch.sessionId, version: patch.version, patchId, patch: JSON.stringify(patch), at });
    },
    /** The patch a command with this id produced, if it was already applied. */
    async findByPatchId(sessionId: string, patchId: string): Promise<SessionPatch | null> {
      const row = await first(byPatchId({ sessionId, patchId }));
      return row ? parse(row.patch) : null;
    },
    /** The client ids of a session's kept patches (a command's replay is found by them). */
    async idsOf(sessionId: string): Promise<{ patchId: string; version: number }[]> {
      const rows = await ids({ sessionId });
      return rows.rows.map((r) => ({ patchId: r.patch_id!, version: r.version }));
    },
    /** Patches after `version`, at most `limit`, in order. */
    async since(sessionId: string, version: number, limit: number): Promise<SessionPatch[]> {
      const rows = await ex
        .db()
        .selectFrom('session_patches')
        .select('patch')
        .where('session_id', '=', sessionId)
        .where('version', '>', version)
        .orderBy('version')
        .limit(limit)
        .execute();
      return rows.map((r) => parse(r.patch));
    },
    /** Every patch kept for a session, with when it was made (a citizen's export of their session). */
    async listAll(sessionId: string): Promise<{ patch: SessionPatch; at: string }[]> {
      const rows = await ex
        .db()
        .selectFrom('session_patches')
        .select(['patch', 'created_at'])
        .where('session_id', '=', sessionId)
        .orderBy('version')
        .execute();
      return rows.map((r) => ({ patch: parse(r.patch), at: r.created_at }));
    },
    /**
     * Drops a session's patches older than `version`: only the recent ones serve (a client's
     * catching-up, a replayed command); one further behind gets the whole state instead.
     */
    async pruneBefore(sessionId: string, version: number): Promise<void> {
      await prune({ sessionId, version });
    },
    async deleteForSession(sessionId: string): Promise<void> {
      await ex.db().deleteFrom('session_patches').where('session_id', '=', sessionId).execute();
    },
    async oldestVersion(sessionId: string): Promise<number | null> {
      const row = await ex
        .db()
        .selectFrom('session_patches')
        .select((eb) => eb.fn.min<number | null>('version').as('v'))
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      return row.v;
    }
  };
}
