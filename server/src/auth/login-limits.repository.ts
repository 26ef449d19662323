/** Data access for `login_limits`: the counters of failed logins (see `login-limiter.ts`). */
import type { Db } from '../db/database';

interface LoginLimitRow {
  key: string;
  login: string | null;
  points: number;
  window_ends_at: number;
  blocked_until: number | null;
  strikes: number;
  last_blocked_at: number | null;
}

/** One counter. Times are milliseconds since the epoch. */
export interface LoginLimit {
  key: string;
  login: string | null;
  points: number;
  windowEndsAt: number;
  blockedUntil: number | null;
  strikes: number;
  lastBlockedAt: number | null;
}

function toLoginLimit(row: LoginLimitRow): LoginLimit {
  return {
    key: row.key,
    login: row.login,
    points: row.points,
    windowEndsAt: row.window_ends_at,
    blockedUntil: row.blocked_until,
    strikes: row.strikes,
    lastBlockedAt: row.last_blocked_at
  };
}

export type LoginLimitsRepository = ReturnType<typeof createLoginLimitsRepository>;

export function createLoginLimitsRepository(db: Db) {
  const byKey = db.prepare('SELECT * FROM login_limits WHERE key = ?');
  const byLogin = db.prepare('SELECT * FROM login_limits WHERE login = ?');
  const upsert = db.prepare(
    `INSERT INTO login_limits (key, login, points, window_ends_at, blocked_until, strikes, last_blocked_at)
     VALUES (@key, @login, @points, @windowEndsAt, @blockedUntil, @strikes, @lastBlockedAt)
     ON CONFLICT (key) DO UPDATE SET points = excluded.points, window_ends_at = excluded.window_ends_at,
       blocked_until = excluded.blocked_until, strikes = excluded.strikes, last_blocked_at = excluded.last_blocked_at`
  );
  const removeKey = db.prepare('DELETE FROM login_limits WHERE key = ?');
  const removeLogin = db.prepare('DELETE FROM login_limits WHERE login = ?');
  const purge = db.prepare(
    'DELETE FROM login_limits WHERE window_ends_at <= @now AND COALESCE(blocked_until, 0) <= @now AND COALESCE(last_blocked_at, 0) <= @forgetBefore'
  );

  return {
    find(key: string): LoginLimit | null {
      const row = byKey.get(key) as LoginLimitRow | undefined;
      return row ? toLoginLimit(row) : null;
    },
    listForLogin(login: string): LoginLimit[] {
      return (byLogin.all(login) as LoginLimitRow[]).map(toLoginLimit);
    },
    save(limit: LoginLimit): void {
      upsert.run(limit);
    },
    remove(key: string): void {
      removeKey.run(key);
    },
    /** Forgets every counter about one login; says how many there were. */
    removeForLogin(login: string): number {
      return removeLogin.run(login).changes;
    },
    /** Counters with nothing left to remember: no open window, no block, no recent block. */
    purge(now: number, forgetBefore: number): number {
      return purge.run({ now, forgetBefore }).changes;
    }
  };
}
