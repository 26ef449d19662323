import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('lets a burst through, then refuses with the time until the next token, then refills', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()].every((r) => r.ok)).toBe(true);
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 100 });
    now = 100;
    expect(bucket.take()).toEqual({ ok: true });
    now = 10_000;
    // Never more than the burst, however long it waited.
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()].map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(bucket.level).toBe(0);
    now = 10_150;
    expect(bucket.level).toBe(0.5);
  });
});
