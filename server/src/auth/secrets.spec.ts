import { describe, expect, it } from 'vitest';
import { hashSecret, verifySecret } from './secrets';
import { hashToken, newToken } from './tokens';

describe('hashSecret / verifySecret', () => {
  it('stores an argon2id hash, never the secret', async () => {
    const stored = await hashSecret('1234');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain('1234');
  });

  it('accepts the right PIN and refuses a wrong one', async () => {
    const stored = await hashSecret('1234');
    expect(await verifySecret(stored, '1234')).toBe(true);
    expect(await verifySecret(stored, '1235')).toBe(false);
    expect(await verifySecret(stored, '')).toBe(false);
  });

  it('salts: the same password hashes differently twice', async () => {
    const a = await hashSecret('correct horse battery');
    const b = await hashSecret('correct horse battery');
    expect(a).not.toBe(b);
    expect(await verifySecret(b, 'correct horse battery')).toBe(true);
  });

  it('never authenticates against a malformed hash', async () => {
    expect(await verifySecret('not-a-hash', 'anything')).toBe(false);
  });
});

describe('tokens', () => {
  it('are long, random and stored only as a hash', () => {
    const a = newToken();
    const b = newToken();
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(43);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).toBe(hashToken(a));
  });
});
