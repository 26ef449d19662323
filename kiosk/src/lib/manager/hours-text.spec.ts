import { describe, expect, it } from 'vitest';
import { formatDay, parseDays, weekdays, type Weekday } from './hours-text';

const texts = (patch: Partial<Record<Weekday, string>>) =>
  Object.fromEntries(weekdays.map((d) => [d, patch[d] ?? ''])) as Record<Weekday, string>;

describe('opening hours as text', () => {
  it('reads ranges written the usual ways, and empty days as closed', () => {
    expect(parseDays(texts({ '1': '8:30-12:00, 13h30 – 17h00', '6': '09.00-12.00' }))).toEqual({
      hours: {
        '1': [
          ['08:30', '12:00'],
          ['13:30', '17:00']
        ],
        '2': [],
        '3': [],
        '4': [],
        '5': [],
        '6': [['09:00', '12:00']],
        '7': []
      }
    });
  });

  it('names the day it cannot read', () => {
    expect(parseDays(texts({ '3': 'le matin' }))).toEqual({ badDay: '3' });
  });

  it('writes back what it reads', () => {
    expect(
      formatDay(
        {
          '2': [
            ['08:30', '12:00'],
            ['14:00', '16:30']
          ]
        },
        '2'
      )
    ).toBe('08:30-12:00, 14:00-16:30');
    expect(formatDay({}, '2')).toBe('');
  });
});
