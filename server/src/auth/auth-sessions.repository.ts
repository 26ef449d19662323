/** Data access for `auth_sessions`: agents' and managers' logins. */
import type { Db } from '../db/database';

interface AuthSessionRow {
  token_hash: string;
  id: string;
  account_id: string;
  created_at: string;
  expires_at: string;
}

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

export function createAuthSessionsRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO auth_sessions (token_hash, id, account_id, created_at, expires_at) VALUES (@tokenHash, @id, @accountId, @createdAt, @expiresAt)'
  );
  const byHash = db.prepare('SELECT * FROM auth_sessions WHERE token_hash = ?');
  const remove = db.prepare('DELETE FROM auth_sessions WHERE id = ?');
  const removeForAccount = db.prepare('DELETE FROM auth_sessions WHERE account_id = ?');
  const idsForAccount = db.prepare('SELECT id FROM auth_sessions WHERE account_id = ?').pluck();
  const purge = db.prepare('DELETE FROM auth_sessions WHERE expires_at <= ?');

  return {
    insert(session: AuthSession): void {
      insert.run(session);
    },
    findByTokenHash(tokenHash: string): AuthSession | null {
      const row = byHash.get(tokenHash) as AuthSessionRow | undefined;
      return row ? toAuthSession(row) : null;
    },
    remove(id: string): void {
      remove.run(id);
    },
    removeForAccount(accountId: string): void {
      removeForAccount.run(accountId);
    },
    /** The ids of an account's login sessions (each is a socket room to close). */
    listIdsForAccount(accountId: string): string[] {
      return idsForAccount.all(accountId) as string[];
    },
    purgeExpired(now: string): number {
      return purge.run(now).changes;
    }
  };
}
