import { describe, expect, it } from 'vitest';

describe('expect with a promise', () => {
  it('refuses a promise where its value was meant', () => {
    expect(() => expect(Promise.resolve({ a: 1 })).toEqual(Promise.resolve({ a: 2 }))).toThrow('await it first');
    expect(() => expect(Promise.resolve(null)).not.toBeNull()).toThrow('await it first');
    expect(() => expect({}).toEqual(Promise.resolve({}))).toThrow('await it first');
  });

  it('still takes .resolves and .rejects, and plain values', async () => {
    await expect(Promise.resolve({ a: 1 })).resolves.toEqual({ a: 1 });
    await expect(Promise.reject(new Error('no'))).rejects.toThrow('no');
    expect({ a: 1 }).toEqual({ a: 1 });
  });
});
