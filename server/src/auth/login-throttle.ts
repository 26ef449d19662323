/**
 * Slows down PIN guessing: after 5 failures for one login within 5 minutes, that login is refused
 * until the window passes. A 4-digit PIN is only safe with such a limit. Kept in memory: a
 * restart clears it, which is acceptable on a hall server that is not exposed to the internet.
 */
import type { Clock } from '../clock';

const maxFailures = 5;
const windowMs = 5 * 60_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly clock: Clock) {}

  private recent(key: string): number[] {
    const since = this.clock.now().getTime() - windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  isBlocked(login: string): boolean {
    return this.recent(login.toLowerCase()).length >= maxFailures;
  }

  fail(login: string): void {
    const key = login.toLowerCase();
    this.failures.set(key, [...this.recent(key), this.clock.now().getTime()]);
  }

  succeed(login: string): void {
    this.failures.delete(login.toLowerCase());
  }
}
