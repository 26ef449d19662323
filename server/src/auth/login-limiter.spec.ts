/**
 * The limiter's arithmetic over a real SQLite store and a manual clock: how long each block lasts
 * as they repeat, when the back-off starts again, what a success gives back, what is purged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { openDatabase, type Db } from '../db/database';
import { addressKey, createLoginLimiter, loginRules, type LoginLimiter } from './login-limiter';
import { createSqliteStore } from '../store';

const minute = 60_000;
const hour = 60 * minute;

let db: Db;
let clock: ManualClock;
let limiter: LoginLimiter;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = new ManualClock();
  const store = createSqliteStore(db);
  limiter = createLoginLimiter({ repo: store.loginLimits, clock, transaction: store.transaction });
});
afterEach(() => db.close());

/** Fails until refused; says how many attempts were let through and how long the refusal asks to wait. */
async function failUntilRefused(login: string, address: string): Promise<{ allowed: number; waitMs: number }> {
  let allowed = 0;
  for (;;) {
    const result = await limiter.consume(login, address);
    if (!result.ok) return { allowed, waitMs: result.retryAfterSeconds * 1000 };
    allowed += 1;
  }
}

describe('one login from one address', () => {
  it('blocks after 5 failures for 15 min, 2 h, 16 h, then 24 h each time', async () => {
    const waits: number[] = [];
    for (let round = 0; round < 5; round++) {
      const { allowed, waitMs } = await failUntilRefused('marie', '10.0.0.9');
      expect(allowed).toBe(loginRules.pair.points);
      waits.push(waitMs);
      clock.advance(waitMs);
    }
    expect(waits).toEqual([15 * minute, 2 * hour, 16 * hour, 24 * hour, 24 * hour]);
  });

  it('starts the back-off again after 48 hours without a block', async () => {
    await failUntilRefused('marie', '10.0.0.9');
    clock.advance(15 * minute);
    await failUntilRefused('marie', '10.0.0.9');
    clock.advance(48 * hour);
    expect((await failUntilRefused('marie', '10.0.0.9')).waitMs).toBe(15 * minute);
  });

  it('counts the same login however it is typed', async () => {
    for (let i = 0; i < loginRules.pair.points; i++)
      expect((await limiter.consume(i % 2 ? 'Marie' : ' marie', '10.0.0.9')).ok).toBe(true);
    expect((await limiter.consume('MARIE', '10.0.0.9')).ok).toBe(false);
    expect(await limiter.isLocked('marie')).toBe(true);
  });
});

describe('a success', () => {
  it('clears its own login-and-address counter but gives back only its point elsewhere', async () => {
    for (let i = 0; i < 4; i++) await limiter.consume(`inconnu-${i}`, '10.0.0.9');
    for (let i = 0; i < 4; i++) await limiter.consume('marie', '10.0.0.9');
    const right = await limiter.consume('marie', '10.0.0.9');
    expect(right.ok).toBe(true);
    if (right.ok) await limiter.succeeded(right);
    const points = (key: string) => db.prepare('SELECT points FROM login_limits WHERE key = ?').pluck().get(key);
    expect(points('pair:marie|10.0.0.9')).toBeUndefined();
    expect(points('login:marie')).toBe(4);
    expect(points('address:10.0.0.9')).toBe(8);
    expect(points('global')).toBe(8);
  });
});

describe('attempts sent together', () => {
  it('cannot all slip under the limit: each reads the counters the others left', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => limiter.consume('marie', '10.0.0.9')));
    expect(results.filter((r) => r.ok)).toHaveLength(loginRules.pair.points);
  });
});

describe('one login from many addresses', () => {
  it('locks the login everywhere at its ceiling, until a manager unlocks it', async () => {
    let allowed = 0;
    for (let a = 0; allowed < loginRules.login.points; a++) allowed += (await failUntilRefused('marie', `10.0.1.${a}`)).allowed;
    expect(allowed).toBe(loginRules.login.points);
    expect((await limiter.consume('marie', '10.0.2.1')).ok).toBe(false);
    expect((await limiter.consume('karim', '10.0.2.1')).ok).toBe(true);
    expect(await limiter.unlock('Marie')).toBeGreaterThan(0);
    expect((await limiter.consume('marie', '10.0.2.1')).ok).toBe(true);
  });
});

describe('purge', () => {
  it('drops only the counters with nothing left to remember', async () => {
    await failUntilRefused('marie', '10.0.0.9');
    clock.advance(2 * hour);
    await limiter.consume('karim', '10.0.0.8');
    // Marie's block and windows are over, but the block is recent: the back-off must remember it.
    await limiter.purge();
    expect(db.prepare("SELECT COUNT(*) FROM login_limits WHERE key = 'pair:marie|10.0.0.9'").pluck().get()).toBe(1);
    clock.advance(48 * hour);
    await limiter.purge();
    expect(db.prepare('SELECT COUNT(*) FROM login_limits').pluck().get()).toBe(0);
  });
});

describe('addresses', () => {
  it.each([
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:192.168.1.20', '192.168.1.20'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64']
  ])('counts %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('counts the addresses of one IPv6 network together', async () => {
    for (let i = 0; i < loginRules.pair.points; i++)
      expect((await limiter.consume('marie', `2001:db8:1:2::${i + 1}`)).ok).toBe(true);
    expect((await limiter.consume('marie', '2001:db8:1:2:ffff::9')).ok).toBe(false);
    expect((await limiter.consume('marie', '2001:db8:1:3::1')).ok).toBe(true);
  });
});
