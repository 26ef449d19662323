/**
 * Slows down guessing of the first-start setup code: after 5 wrong codes within 5 minutes, codes
 * are refused until the window passes. In memory, which is enough here: a restart prints a new
 * code, so nothing learnt before it is worth anything. Checking and counting happen in one
 * synchronous step (the code is compared without awaiting), so codes sent at the same moment are
 * counted one by one. Logins use the stored `auth/login-limiter.ts` instead.
 */
import type { Clock } from '../clock';

const maxFailures = 5;
const windowMs = 5 * 60_000;

export class CodeThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly clock: Clock) {}

  private recent(key: string): number[] {
    const since = this.clock.now().getTime() - windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  isBlocked(key: string): boolean {
    return this.recent(key).length >= maxFailures;
  }

  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), this.clock.now().getTime()]);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
