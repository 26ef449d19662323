import { describe, expect, it } from 'vitest';
import { overTargets } from './bench-targets';

describe('overTargets', () => {
  const targets = { js_gzip_kb: 80, step_ms: 100 };

  it('names each figure over its target', () => {
    expect(overTargets({ js_gzip_kb: 113.5, step_ms: 8.9, interactive_ms: 536 }, targets)).toEqual(['js_gzip_kb 113.5 > 80']);
    expect(overTargets({ js_gzip_kb: 80.1, step_ms: 120 }, targets)).toEqual(['js_gzip_kb 80.1 > 80', 'step_ms 120 > 100']);
  });

  it('passes figures at or under their targets, and counts a missing figure as missed', () => {
    expect(overTargets({ js_gzip_kb: 80, step_ms: 100 }, targets)).toEqual([]);
    expect(overTargets({ js_gzip_kb: Number.NaN, step_ms: 1 }, targets)).toEqual(['js_gzip_kb NaN > 80']);
  });
});
