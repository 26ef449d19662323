import { describe, expect, it } from 'vitest';
import { radioKeyTarget, radioTabIndex } from './radio-keys';

describe('arrow keys in a group of answers', () => {
  it.each([
    // key, from, count, rtl, to
    ['ArrowDown', 0, 3, false, 1],
    ['ArrowRight', 0, 3, false, 1],
    ['ArrowUp', 1, 3, false, 0],
    ['ArrowLeft', 1, 3, false, 0],
    ['ArrowDown', 2, 3, false, 0],
    ['ArrowUp', 0, 3, false, 2],
    ['Home', 2, 3, false, 0],
    ['End', 0, 3, false, 2],
    // Right to left: Left goes on, Right goes back; Up and Down do not change.
    ['ArrowLeft', 0, 2, true, 1],
    ['ArrowRight', 0, 2, true, 1],
    ['ArrowRight', 1, 2, true, 0],
    ['ArrowDown', 0, 2, true, 1]
  ] as const)('%s from %i of %i (rtl %s) goes to %i', (key, from, count, rtl, to) => {
    expect(radioKeyTarget(key, from, count, rtl)).toBe(to);
  });

  it('leaves other keys, and an empty group, alone', () => {
    expect(radioKeyTarget('Tab', 0, 3, false)).toBeNull();
    expect(radioKeyTarget(' ', 0, 3, false)).toBeNull();
    expect(radioKeyTarget('ArrowDown', 0, 0, false)).toBeNull();
  });

  it('keeps one Tab stop: the chosen answer, else the first', () => {
    expect([0, 1, 2].map((i) => radioTabIndex(false, i, true))).toEqual([0, -1, -1]);
    expect([false, true, false].map((c, i) => radioTabIndex(c, i, false))).toEqual([-1, 0, -1]);
  });
});
