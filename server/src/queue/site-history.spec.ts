/** The one percentile of "usually N to M minutes", read both ways the estimates need. */
import { describe, expect, it } from 'vitest';
import { percentile } from './site-history';

const answers = [30, 40, 50, 60, 70, 80];

describe('percentile', () => {
  it('by nearest rank gives a value that was observed', () => {
    expect([25, 50, 75, 90].map((p) => percentile(answers, p))).toEqual([40, 50, 70, 80]);
    expect(percentile(answers, 0)).toBe(30);
    expect(percentile(answers, 100)).toBe(80);
    expect(percentile([300], 75)).toBe(300);
  });

  it('linear interpolates between the two nearest ranks, as the help call reads its range', () => {
    expect([25, 50, 75].map((p) => percentile(answers, p, 'linear'))).toEqual([42.5, 55, 67.5]);
    expect(percentile(answers, 0, 'linear')).toBe(30);
    expect(percentile(answers, 100, 'linear')).toBe(80);
    expect(percentile([300], 75, 'linear')).toBe(300);
  });
});
