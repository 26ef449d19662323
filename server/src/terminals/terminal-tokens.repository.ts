/** Data access for `terminal_tokens`: hashes of the device tokens each terminal holds. */
import type { Executor } from '../db/executor';

export interface TerminalToken {
  terminalId: string;
  createdAt: string;
  /** Updated at most once an hour: see terminals.service.ts. */
  lastUsedAt: string;
  /** Set once a newer token replaced this one: it works until then. */
  replacedUntil: string | null;
}

export function createTerminalTokensRepository(ex: Executor) {
  return {
    async insert(tokenHash: string, terminalId: string, at: string): Promise<void> {
      await ex
        .db()
        .insertInto('terminal_tokens')
        .values({ token_hash: tokenHash, terminal_id: terminalId, created_at: at, last_used_at: at })
        .execute();
    },
    async find(tokenHash: string): Promise<TerminalToken | null> {
      const row = await ex
        .db()
        .selectFrom('terminal_tokens')
        .select(['terminal_id', 'created_at', 'last_used_at', 'replaced_until'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row
        ? {
            terminalId: row.terminal_id,
            createdAt: row.created_at,
            // Written with every token, and by migration 0011 for the tokens made before it.
            lastUsedAt: row.last_used_at!,
            replacedUntil: row.replaced_until
          }
        : null;
    },
    async touch(tokenHash: string, at: string): Promise<void> {
      await ex.db().updateTable('terminal_tokens').set({ last_used_at: at }).where('token_hash', '=', tokenHash).execute();
    },
    /** The token keeps working until `until`, then it is refused and purged. Once only. */
    async markReplaced(tokenHash: string, until: string): Promise<void> {
      await ex
        .db()
        .updateTable('terminal_tokens')
        .set({ replaced_until: until })
        .where('token_hash', '=', tokenHash)
        .where('replaced_until', 'is', null)
        .execute();
    },
    async removeForTerminal(terminalId: string): Promise<void> {
      await ex.db().deleteFrom('terminal_tokens').where('terminal_id', '=', terminalId).execute();
    },
    /** Deletes the terminal's tokens but the `keep` most recently used. */
    async keepMostRecent(terminalId: string, keep: number): Promise<number> {
      const result = await ex
        .db()
        .deleteFrom('terminal_tokens')
        .where('terminal_id', '=', terminalId)
        .where('token_hash', 'not in', (eb) =>
          eb
            .selectFrom('terminal_tokens')
            .select('token_hash')
            .where('terminal_id', '=', terminalId)
            // A token never used sorts last, as SQLite puts NULL last in a descending order
            // (PostgreSQL would put it first); the hash settles ties the same on every engine.
            .orderBy('last_used_at', (ob) => ob.desc().nullsLast())
            .orderBy('created_at', 'desc')
            .orderBy('token_hash', 'desc')
            .limit(keep)
        )
        .executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    },
    /** Deletes replaced tokens past their overlap and tokens unused since `unusedBefore`, except the `spared` terminals'. */
    async purge(now: string, unusedBefore: string, spared: string[]): Promise<number> {
      const result = await ex
        .db()
        .deleteFrom('terminal_tokens')
        .where((eb) =>
          eb.or([
            eb('replaced_until', '<=', now),
            eb.and([
              eb('last_used_at', '<=', unusedBefore),
              // No terminal spared: no condition (`NOT IN ()` is not SQL every engine takes).
              ...(spared.length > 0 ? [eb('terminal_id', 'not in', [...spared])] : [])
            ])
          ])
        )
        .executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    }
  };
}
