/** Data access for `auth_sessions`: agents' and managers' logins. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { AuthSessionsTable } from '../db/schema';

type AuthSessionRow = Selectable<AuthSessionsTable>;

export interface AuthSession {
  tokenHash: string;
  id: string;
  accountId: string;
  createdAt: string;
  expiresAt: string;
}

function toAuthSession(row: AuthSessionRow): AuthSession {
  return {
    tokenHash: row.token_hash,
    id: row.id,
    accountId: row.account_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at
  };
}

export function createAuthSessionsRepository(ex: Executor) {
  return {
    async insert(session: AuthSession): Promise<void> {
      await ex
        .db()
        .insertInto('auth_sessions')
        .values({
          token_hash: session.tokenHash,
          id: session.id,
          account_id: session.accountId,
          created_at: session.createdAt,
          expires_at: session.expiresAt
        })
        .execute();
    },
    async findByTokenHash(tokenHash: string): Promise<AuthSession | null> {
      const row = await ex.db().selectFrom('auth_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? toAuthSession(row) : null;
    },
    async remove(id: string): Promise<void> {
      await ex.db().deleteFrom('auth_sessions').where('id', '=', id).execute();
    },
    async removeForAccount(accountId: string): Promise<void> {
      await ex.db().deleteFrom('auth_sessions').where('account_id', '=', accountId).execute();
    },
    /** The ids of an account's login sessions (each is a socket room to close), oldest first. */
    async listIdsForAccount(accountId: string): Promise<string[]> {
      const rows = await ex
        .db()
        .selectFrom('auth_sessions')
        .select('id')
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    },
    async purgeExpired(now: string): Promise<number> {
      const result = await ex.db().deleteFrom('auth_sessions').where('expires_at', '<=', now).executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    }
  };
}
