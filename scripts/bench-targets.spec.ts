import { describe, expect, it } from 'vitest';
import { callsTargets, nodesTargets, overTargets } from './bench-targets';

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

  it('holds a strict bound strictly', () => {
    expect(overTargets({ ring_p99_ms: 49.9 }, { ring_p99_ms: { below: 50 } })).toEqual([]);
    expect(overTargets({ ring_p99_ms: 50 }, { ring_p99_ms: { below: 50 } })).toEqual(['ring_p99_ms 50 ≥ 50']);
    expect(overTargets({ ring_p99_ms: Number.NaN }, { ring_p99_ms: { below: 50 } })).toEqual(['ring_p99_ms NaN ≥ 50']);
  });
});

describe('callsTargets', () => {
  it('holds a hall to the relay ratios, with and without history, the burst ratio and the memory bound', () => {
    expect(callsTargets({ kiosks: 500, agents: 50, history: 20000 })).toEqual({
      errors: 0,
      disconnects: 0,
      ring_p99_ratio: 1.5,
      edit_p99_ratio: 1.5,
      ring_p99_ratio_hist: 1.5,
      edit_p99_ratio_hist: 1.5,
      burst_ratio: 1.2,
      server_rss_mb: 150
    });
    expect(callsTargets({ kiosks: 100, agents: 10, history: 0 })).not.toHaveProperty('ring_p99_ratio_hist');
  });

  it('holds a city on one site to no error, no drop and a ring within 50 ms', () => {
    const figures = { errors: 0, disconnects: 2, ring_p99_ms: 61, ring_p99_ms_hist: 49, ring_p99_ratio: 3, server_rss_mb: 900 };
    expect(overTargets(figures, callsTargets({ kiosks: 5000, agents: 500, history: 20000 }))).toEqual([
      'disconnects 2 > 0',
      'ring_p99_ms 61 ≥ 50'
    ]);
  });

  it('holds PostgreSQL to the same bounds under _pg keys, but the burst ratio and the memory', () => {
    const targets = callsTargets({ kiosks: 500, agents: 50, history: 20000 }, 'postgres');
    expect(targets).toEqual({
      ...callsTargets({ kiosks: 500, agents: 50, history: 20000 }),
      errors_pg: 0,
      disconnects_pg: 0,
      ring_p99_ratio_pg: 1.5,
      edit_p99_ratio_pg: 1.5,
      ring_p99_ratio_hist_pg: 1.5,
      edit_p99_ratio_hist_pg: 1.5
    });
    const figures = {
      ...{ errors: 0, disconnects: 0, ring_p99_ratio: 1.1, edit_p99_ratio: 1.2, ring_p99_ratio_hist: 1.3 },
      ...{ edit_p99_ratio_hist: 1.4, burst_ratio: 1.1, server_rss_mb: 120 },
      ...{ errors_pg: 0, disconnects_pg: 0, ring_p99_ratio_pg: 1.4, edit_p99_ratio_pg: 2.6 },
      ...{ ring_p99_ratio_hist_pg: 1.5, edit_p99_ratio_hist_pg: 1.2, burst_ratio_pg: 3, server_rss_mb_pg: 400 }
    };
    expect(overTargets(figures, targets)).toEqual(['edit_p99_ratio_pg 2.6 > 1.5']);
  });

  it('holds a city on PostgreSQL to no error, no drop and a ring within 50 ms too', () => {
    expect(callsTargets({ kiosks: 5000, agents: 500, history: 0 }, 'postgres')).toEqual({
      errors: 0,
      disconnects: 0,
      ring_p99_ms: { below: 50 },
      errors_pg: 0,
      disconnects_pg: 0,
      ring_p99_ms_pg: { below: 50 }
    });
  });
});

describe('nodesTargets', () => {
  it('holds several nodes to the relay ratios, a ring within 50 ms and no call lost during the kill', () => {
    const figures = { errors: 0, disconnects: 0, ring_p99_ratio: 1.4, edit_p99_ratio: 1.6, ring_p99_ms: 50, lost_calls: 1 };
    expect(overTargets(figures, nodesTargets())).toEqual(['edit_p99_ratio 1.6 > 1.5', 'ring_p99_ms 50 ≥ 50', 'lost_calls 1 > 0']);
    expect(overTargets({ ...figures, edit_p99_ratio: 1.5, ring_p99_ms: 12, lost_calls: 0 }, nodesTargets())).toEqual([]);
  });
});
