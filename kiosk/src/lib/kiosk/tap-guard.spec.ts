import { describe, expect, it } from 'vitest';
import { TapGuard } from './tap-guard';

describe('the help button’s tap guard', () => {
  it('ignores taps within two seconds of the last counted one, then counts again', () => {
    let now = 10_000;
    const guard = new TapGuard(2000, () => now);
    const taps = [0, 300, 700, 1200, 1999, 2000, 2300, 4100].map((at) => {
      now = 10_000 + at;
      return guard.accept();
    });
    expect(taps).toEqual([true, false, false, false, false, true, false, true]);
  });

  it('counts the very first tap, whatever the clock says', () => {
    expect(new TapGuard(2000, () => 0).accept()).toBe(true);
  });
});
