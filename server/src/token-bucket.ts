/**
 * A token bucket: `burst` commands may come at once, then `perSecond` more each second. Time is
 * the process's monotonic clock (not the app's clock, which tests stop): a flood is about how
 * fast a client really sends.
 */
import { performance } from 'node:perf_hooks';

export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now()
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  /** Tokens left, as a share of the burst (0 to 1). */
  get level(): number {
    this.#refill();
    return this.#tokens / this.burst;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
    this.#last = now;
  }

  /** Takes one token; when there is none, says how long until there is one. */
  take(): { ok: true } | { ok: false; retryAfterMs: number } {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond) };
  }
}
