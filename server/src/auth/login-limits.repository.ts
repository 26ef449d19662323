/** Data access for `login_limits`: the counters of failed logins (see `login-limiter.ts`). */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { LoginLimitsTable } from '../db/schema';

type LoginLimitRow = Selectable<LoginLimitsTable>;

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

export function createLoginLimitsRepository(ex: Executor) {
  return {
    async find(key: string): Promise<LoginLimit | null> {
      const row = await ex.db().selectFrom('login_limits').selectAll().where('key', '=', key).executeTakeFirst();
      return row ? toLoginLimit(row) : null;
    },
    /**
     * The counters of one attempt, held until the transaction ends: each is first made to exist
     * (an empty counter, as good as none), then read and, on PostgreSQL, locked, so that attempts
     * made at once read and add their points one after the other. Always in the order of their
     * keys, whoever asks, so that two attempts never wait for each other's rows.
     */
    async lock(counters: { key: string; login: string | null }[]): Promise<Map<string, LoginLimit>> {
      const sorted = [...counters].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const keys = sorted.map((c) => c.key);
      if (keys.length === 0) return new Map();
      await ex
        .db()
        .insertInto('login_limits')
        .values(sorted.map(({ key, login }) => ({ key, login, points: 0, window_ends_at: 0, strikes: 0 })))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const query = ex
        .db()
        .selectFrom('login_limits')
        .selectAll()
        .where('key', 'in', keys)
        // Locked in this order on PostgreSQL (the rows are sorted before they are locked).
        .orderBy('key');
      const rows = await (ex.engine === 'postgres' ? query.forUpdate() : query).execute();
      return new Map(rows.map((row) => [row.key, toLoginLimit(row)]));
    },
    async listForLogin(login: string): Promise<LoginLimit[]> {
      const rows = await ex.db().selectFrom('login_limits').selectAll().where('login', '=', login).orderBy('key').execute();
      return rows.map(toLoginLimit);
    },
    async save(limit: LoginLimit): Promise<void> {
      await ex
        .db()
        .insertInto('login_limits')
        .values({
          key: limit.key,
          login: limit.login,
          points: limit.points,
          window_ends_at: limit.windowEndsAt,
          blocked_until: limit.blockedUntil,
          strikes: limit.strikes,
          last_blocked_at: limit.lastBlockedAt
        })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            points: eb.ref('excluded.points'),
            window_ends_at: eb.ref('excluded.window_ends_at'),
            blocked_until: eb.ref('excluded.blocked_until'),
            strikes: eb.ref('excluded.strikes'),
            last_blocked_at: eb.ref('excluded.last_blocked_at')
          }))
        )
        .execute();
    },
    async remove(key: string): Promise<void> {
      await ex.db().deleteFrom('login_limits').where('key', '=', key).execute();
    },
    /** Forgets every counter about one login; says how many there were. */
    async removeForLogin(login: string): Promise<number> {
      const result = await ex.db().deleteFrom('login_limits').where('login', '=', login).executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    },
    /** Counters with nothing left to remember: no open window, no block, no recent block. */
    async purge(now: number, forgetBefore: number): Promise<number> {
      const result = await ex
        .db()
        .deleteFrom('login_limits')
        .where('window_ends_at', '<=', now)
        .where((eb) => eb(eb.fn.coalesce('blocked_until', sql.lit(0)), '<=', now))
        .where((eb) => eb(eb.fn.coalesce('last_blocked_at', sql.lit(0)), '<=', forgetBefore))
        .executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    }
  };
}
