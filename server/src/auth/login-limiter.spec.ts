/**
 * The limiter's arithmetic over a real SQLite store and a manual clock: how long each block lasts
 * as they repeat, when the back-off starts again, what a success gives back, what is purged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { openDatabase, type Db } from '../db/database';
import { addressKey, createLoginLimiter, loginRules, type LoginLimiter } from './login-limiter';
import { createLoginLimitsRepository } from './login-limits.repository';

const minute = 60_000;
const hour = 60 * minute;

let db: Db;
let clock: ManualClock;
let limiter: LoginLimiter;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = new ManualClock();
  limiter = createLoginLimiter({ repo: createLoginLimitsRepository(db), clock, transaction: (fn) => db.transaction(fn) });
});
afterEach(() => db.close());

/** Fails until refused; says how many attempts were let through and how long the refusal asks to wait. */
function failUntilRefused(login: string, address: string): { allowed: number; waitMs: number } {
  let allowed = 0;
  for (;;) {
    const result = limiter.consume(login, address);
    if (!result.ok) return { allowed, waitMs: result.retryAfterSeconds * 1000 };
    allowed += 1;
  }
}

describe('one login from one address', () => {
  it('blocks after 5 failures for 15 min, 2 h, 16 h, then 24 h each time', () => {
    const waits: number[] = [];
    for (let round = 0; round < 5; round++) {
      const { allowed, waitMs } = failUntilRefused('marie', '10.0.0.9');
      expect(allowed).toBe(loginRules.pair.points);
      waits.push(waitMs);
      clock.advance(waitMs);
    }
    expect(waits).toEqual([15 * minute, 2 * hour, 16 * hour, 24 * hour, 24 * hour]);
  });

  it('starts the back-off again after 48 hours without a block', () => {
    failUntilRefused('marie', '10.0.0.9');
    clock.advance(15 * minute);
    failUntilRefused('marie', '10.0.0.9');
    clock.advance(48 * hour);
    expect(failUntilRefused('marie', '10.0.0.9').waitMs).toBe(15 * minute);
  });

  it('counts the same login however it is typed', () => {
    for (let i = 0; i < loginRules.pair.points; i++)
      expect(limiter.consume(i % 2 ? 'Marie' : ' marie', '10.0.0.9').ok).toBe(true);
    expect(limiter.consume('MARIE', '10.0.0.9').ok).toBe(false);
    expect(limiter.isLocked('marie')).toBe(true);
  });
});

describe('a success', () => {
  it('clears its own login-and-address counter but gives back only its point elsewhere', () => {
    for (let i = 0; i < 4; i++) limiter.consume(`inconnu-${i}`, '10.0.0.9');
    for (let i = 0; i < 4; i++) limiter.consume('marie', '10.0.0.9');
    const right = limiter.consume('marie', '10.0.0.9');
    expect(right.ok).toBe(true);
    if (right.ok) limiter.succeeded(right);
    const points = (key: string) => db.prepare('SELECT points FROM login_limits WHERE key = ?').pluck().get(key);
    expect(points('pair:marie|10.0.0.9')).toBeUndefined();
    expect(points('login:marie')).toBe(4);
    expect(points('address:10.0.0.9')).toBe(8);
    expect(points('global')).toBe(8);
  });
});

describe('one login from many addresses', () => {
  it('locks the login everywhere at its ceiling, until a manager unlocks it', () => {
    let allowed = 0;
    for (let a = 0; allowed < loginRules.login.points; a++) allowed += failUntilRefused('marie', `10.0.1.${a}`).allowed;
    expect(allowed).toBe(loginRules.login.points);
    expect(limiter.consume('marie', '10.0.2.1').ok).toBe(false);
    expect(limiter.consume('karim', '10.0.2.1').ok).toBe(true);
    expect(limiter.unlock('Marie')).toBeGreaterThan(0);
    expect(limiter.consume('marie', '10.0.2.1').ok).toBe(true);
  });
});

describe('purge', () => {
  it('drops only the counters with nothing left to remember', () => {
    failUntilRefused('marie', '10.0.0.9');
    clock.advance(2 * hour);
    limiter.consume('karim', '10.0.0.8');
    // Marie's block and windows are over, but the block is recent: the back-off must remember it.
    limiter.purge();
    expect(db.prepare("SELECT COUNT(*) FROM login_limits WHERE key = 'pair:marie|10.0.0.9'").pluck().get()).toBe(1);
    clock.advance(48 * hour);
    limiter.purge();
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

  it('counts the addresses of one IPv6 network together', () => {
    for (let i = 0; i < loginRules.pair.points; i++) expect(limiter.consume('marie', `2001:db8:1:2::${i + 1}`).ok).toBe(true);
    expect(limiter.consume('marie', '2001:db8:1:2:ffff::9').ok).toBe(false);
    expect(limiter.consume('marie', '2001:db8:1:3::1').ok).toBe(true);
  });
});
