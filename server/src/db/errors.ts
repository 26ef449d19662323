/**
 * What a failed write means, whichever engine refused it. A check made before a write ("is this
 * login free?") can be overtaken by a transaction running alongside (PostgreSQL); the unique index
 * then refuses the write, and the caller answers as the check would have.
 */

/** True when a unique index or primary key refused the write (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error as { code: unknown };
  // better-sqlite3's extended codes; PostgreSQL's SQLSTATE `unique_violation`.
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
