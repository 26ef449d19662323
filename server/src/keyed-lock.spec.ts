import { describe, expect, it } from 'vitest';
import { createKeyedLock } from './keyed-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('keyed lock', () => {
  it('runs commands on one key one after the other, and on other keys side by side', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const step = (name: string) => async () => {
      order.push(`${name}:start`);
      await tick();
      order.push(`${name}:end`);
    };
    await Promise.all([lock.run('a', step('a1')), lock.run('a', step('a2')), lock.run('b', step('b1'))]);
    expect(order.indexOf('a2:start')).toBeGreaterThan(order.indexOf('a1:end'));
    expect(order.indexOf('b1:start')).toBeLessThan(order.indexOf('a1:end'));
  });

  it('goes on with the next command after one fails, and hands each its own outcome', async () => {
    const lock = createKeyedLock();
    const failing = lock.run('a', async () => {
      await tick();
      throw new Error('first fails');
    });
    const next = lock.run('a', () => 'second');
    await expect(failing).rejects.toThrow('first fails');
    await expect(next).resolves.toBe('second');
  });
});
