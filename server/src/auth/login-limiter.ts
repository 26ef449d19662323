/**
 * Limits PIN and password guessing, in the database so that a restart forgets nothing.
 *
 * An attempt takes a point from each of its counters BEFORE the secret is checked, in one
 * transaction holding those counters (the store's alone on SQLite, their rows locked on
 * PostgreSQL): attempts sent at the same moment are counted while they are still being checked,
 * so a burst gets no more tries than a slow sequence. A correct secret gives back
 * the point it took (only failures add up); it never clears what earlier failures counted, except
 * on its own login-and-address counter.
 *
 * Four counters per attempt:
 * - the login from this address: blocks first, so that someone guessing from one machine locks
 *   only that machine out, and the agent's own tablet keeps logging in;
 * - the login from anywhere: a higher ceiling than one address can reach, for guesses spread
 *   over many addresses;
 * - the address, whatever the login: for one machine trying a PIN on every login;
 * - the whole server: a ceiling however many addresses and logins are used.
 * A full counter blocks until its window ends, and for at least its block time, which grows with
 * each block (progressive back-off). A manager can lift a login's blocks from the console.
 *
 * rate-limiter-flexible was considered: its SQLite store creates its own table outside the
 * numbered migrations, reads the system time (tests could not move a clock), has no back-off
 * per key, and cannot list the logins that are blocked, which the console shows.
 */
import type { Clock } from '../clock';
import type { LoginLimit, LoginLimitsRepository } from './login-limits.repository';
import { normalizeAddress } from '../http/client-address';

export interface LimitRule {
  /** Failures (and attempts still being checked) allowed in one window. */
  points: number;
  windowMs: number;
  /** The first block; each next one is `growth` times longer, up to `maxBlockMs`. */
  blockMs: number;
  growth: number;
  maxBlockMs: number;
}

const minute = 60_000;
const hour = 60 * minute;

export const loginRules = {
  /**
   * One login from one address: 5 tries, then blocks of 15 min, 2 h, 16 h, then 24 h each: 20
   * tries the first day, 5 a day after that.
   */
  pair: { points: 5, windowMs: 15 * minute, blockMs: 15 * minute, growth: 8, maxBlockMs: 24 * hour },
  /**
   * One login from anywhere: 30 a day. One address alone gets at most 20 tries in 24 h (the pair
   * rule above), and the agent's own typos are stopped at 5 on their tablet, so one address
   * cannot lock the agent out of their own tablet.
   */
  login: { points: 30, windowMs: 24 * hour, blockMs: hour, growth: 4, maxBlockMs: 24 * hour },
  /** One address, whatever the login: 30 an hour, then 1 h, 4 h, 16 h, 24 h. */
  address: { points: 30, windowMs: hour, blockMs: hour, growth: 4, maxBlockMs: 24 * hour },
  /** The whole server: 100 an hour. */
  global: { points: 100, windowMs: hour, blockMs: 15 * minute, growth: 1, maxBlockMs: 15 * minute }
} satisfies Record<string, LimitRule>;

/** Blocks are forgotten (back-off starts again) after this long without a new one. */
const forgetStrikesMs = 48 * hour;

interface Counter {
  key: string;
  login: string | null;
  rule: LimitRule;
}

export type Consumed = { ok: true; counters: Counter[] } | { ok: false; retryAfterSeconds: number };

export type LoginLimiter = ReturnType<typeof createLoginLimiter>;

/** The same login however it is typed (logins are unique without regard to case at login). */
function loginKey(login: string): string {
  return login.trim().toLowerCase();
}

/**
 * The address as the counters see it. An IPv6 machine can pick any address of its /64 network at
 * will (privacy addresses), so IPv6 addresses count per /64; IPv4 ones each on their own.
 */
export function addressKey(address: string): string {
  const plain = normalizeAddress(address);
  if (!plain.includes(':')) return plain;
  const [head = '', tail = ''] = plain.replace(/%.*$/, '').split('::');
  const left = head ? head.split(':') : [];
  const right = plain.includes('::') && tail ? tail.split(':') : [];
  const groups = plain.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function createLoginLimiter({
  repo,
  clock,
  transaction,
  rules = loginRules
}: {
  repo: LoginLimitsRepository;
  clock: Clock;
  /** Reading the counters and adding the point happen in it, so concurrent attempts cannot both pass. */
  transaction: <T>(fn: () => Promise<T>) => Promise<T>;
  rules?: typeof loginRules;
}) {
  function countersFor(login: string, rawAddress: string): Counter[] {
    const who = loginKey(login);
    const address = addressKey(rawAddress);
    return [
      { key: `pair:${who}|${address}`, login: who, rule: rules.pair },
      { key: `login:${who}`, login: who, rule: rules.login },
      { key: `address:${address}`, login: null, rule: rules.address },
      { key: 'global', login: null, rule: rules.global }
    ];
  }

  /** The counter as it stands now: an ended block or window counts nothing any more. */
  async function current(counter: Counter, now: number): Promise<LoginLimit> {
    return fresh(counter, await repo.find(counter.key), now);
  }

  /** The attempt's counters, locked until its transaction ends (see the repository's `lock`). */
  async function locked(counters: Counter[], now: number): Promise<LoginLimit[]> {
    const rows = await repo.lock(counters);
    return counters.map((counter) => fresh(counter, rows.get(counter.key) ?? null, now));
  }

  function fresh(counter: Counter, row: LoginLimit | null, now: number): LoginLimit {
    const limit: LoginLimit = row ?? {
      key: counter.key,
      login: counter.login,
      points: 0,
      windowEndsAt: 0,
      blockedUntil: null,
      strikes: 0,
      lastBlockedAt: null
    };
    if (limit.blockedUntil !== null && limit.blockedUntil <= now) {
      limit.blockedUntil = null;
      limit.points = 0;
      limit.windowEndsAt = 0;
    }
    if (limit.windowEndsAt <= now) limit.points = 0;
    if (limit.lastBlockedAt !== null && limit.lastBlockedAt + forgetStrikesMs <= now) limit.strikes = 0;
    return limit;
  }

  function refuses(limit: LoginLimit, rule: LimitRule, now: number): boolean {
    return (limit.blockedUntil ?? 0) > now || (limit.points >= rule.points && limit.windowEndsAt > now);
  }

  function ruleOf(key: string): LimitRule {
    return key.startsWith('pair:') ? rules.pair : rules.login;
  }

  return {
    /**
     * Takes one point from each of the attempt's counters, or none when one of them is full (that
     * counter is then blocked, and the answer says for how long).
     */
    consume(login: string, address: string): Promise<Consumed> {
      return transaction(async (): Promise<Consumed> => {
        const now = clock.now().getTime();
        const counters = countersFor(login, address);
        const limits = await locked(counters, now);
        let waitMs = 0;
        for (const [i, counter] of counters.entries()) {
          const limit = limits[i]!;
          if (limit.blockedUntil === null && limit.points >= counter.rule.points) {
            const { blockMs, growth, maxBlockMs } = counter.rule;
            const blockFor = Math.min(blockMs * growth ** limit.strikes, maxBlockMs);
            limit.blockedUntil = Math.max(limit.windowEndsAt, now + blockFor);
            limit.strikes += 1;
            limit.lastBlockedAt = now;
            await repo.save(limit);
          }
          if (limit.blockedUntil !== null) waitMs = Math.max(waitMs, limit.blockedUntil - now);
        }
        if (waitMs > 0) return { ok: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
        for (const [i, counter] of counters.entries()) {
          const limit = limits[i]!;
          if (limit.windowEndsAt <= now) limit.windowEndsAt = now + counter.rule.windowMs;
          limit.points += 1;
          await repo.save(limit);
        }
        return { ok: true, counters };
      });
    },

    /**
     * A correct secret: its points are given back. The login-and-address counter starts afresh;
     * the others keep what earlier failures counted.
     */
    succeeded(consumed: Extract<Consumed, { ok: true }>): Promise<void> {
      return transaction(async () => {
        const now = clock.now().getTime();
        // Locked too: a point given back must not undo one an attempt alongside is adding.
        const limits = await locked(consumed.counters, now);
        for (const [i, counter] of consumed.counters.entries()) {
          if (counter.key.startsWith('pair:')) {
            await repo.remove(counter.key);
            continue;
          }
          const limit = limits[i]!;
          if (limit.points > 0 && limit.windowEndsAt > now) await repo.save({ ...limit, points: limit.points - 1 });
        }
      });
    },

    /** Whether this login is refused right now, from some address or from all. */
    async isLocked(login: string): Promise<boolean> {
      const now = clock.now().getTime();
      for (const row of await repo.listForLogin(loginKey(login))) {
        const rule = ruleOf(row.key);
        if (refuses(await current({ key: row.key, login: row.login, rule }, now), rule, now)) return true;
      }
      return false;
    },

    /** A manager lifts every block on this login (from any address); the back-off starts again. */
    unlock(login: string): Promise<number> {
      return repo.removeForLogin(loginKey(login));
    },

    /** Drops the counters with nothing left to remember. */
    purge(): Promise<number> {
      const now = clock.now().getTime();
      return repo.purge(now, now - forgetStrikesMs);
    }
  };
}
