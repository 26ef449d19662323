import { describe, expect, it } from 'vitest';
import { busiestHour, sessionJsonUrl, shownHours, splitDuration, statsCsvUrl, type HourFigures } from './stats-format';

const hour = (h: number, helpCalls = 0, ticketsIssued = 0, printerFaults = 0): HourFigures => ({
  hour: h,
  helpCalls,
  answered: 0,
  unanswered: 0,
  answerMedianSeconds: null,
  answerP90Seconds: null,
  ticketsIssued,
  ticketsCalled: 0,
  waitMedianSeconds: null,
  waitP90Seconds: null,
  printerFaults
});
const day = (patch: Record<number, [number, number, number?]>) =>
  Array.from({ length: 24 }, (_, h) => hour(h, ...(patch[h] ?? [0, 0, 0])));

describe('statistics page helpers', () => {
  it('shows the usual hours of a hall, widened to any hour where something happened', () => {
    expect(shownHours(day({})).map((h) => h.hour)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    const late = shownHours(day({ 7: [1, 0], 20: [0, 0, 1] })).map((h) => h.hour);
    expect(late[0]).toBe(7);
    expect(late.at(-1)).toBe(20);
  });

  it('finds the busiest hour by calls and tickets together, none when nothing happened', () => {
    expect(busiestHour(day({}))).toBeNull();
    expect(busiestHour(day({ 9: [2, 1], 10: [0, 4], 11: [3, 1] }))?.hour).toBe(10);
  });

  it('splits durations and builds the download addresses', () => {
    expect(splitDuration(125.4)).toEqual({ minutes: 2, seconds: 5 });
    expect(splitDuration(42)).toEqual({ minutes: 0, seconds: 42 });
    expect(statsCsvUrl('2026-11-01', '2026-11-30')).toBe('/api/stats.csv?from=2026-11-01&to=2026-11-30');
    expect(sessionJsonUrl('ACD EFG')).toBe('/api/sessions/ACDEFG.json');
  });
});
