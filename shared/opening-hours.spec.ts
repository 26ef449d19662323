/** The site's open state with its closed days, and when a closed site opens next, in its own time zone. */
import { describe, expect, it } from 'vitest';
import { isClosedDay, isSiteOpen, nextOpening, weekdayName, type SiteSchedule } from './opening-hours';
import { weekdays as isoWeekdays } from './calendar';

const weekdays = {
  '1': [
    ['08:30', '12:00'],
    ['13:30', '17:00']
  ],
  '2': [['08:30', '12:00']],
  '3': [['08:30', '12:00']],
  '4': [['08:30', '12:00']],
  '5': [['08:30', '12:00']]
} satisfies SiteSchedule['openingHours'];
const site = (
  closedDays: SiteSchedule['closedDays'] = [],
  openingHours: SiteSchedule['openingHours'] = weekdays
): SiteSchedule => ({
  openingHours,
  closedDays,
  timezone: 'Europe/Paris'
});
// Monday 9 November 2026, 10:00 in Paris (UTC+1).
const mondayMorning = new Date('2026-11-09T09:00:00Z');

describe('closed days', () => {
  it('close the site all day whatever its hours, in the site’s own date', () => {
    expect(isSiteOpen(site(), mondayMorning)).toBe(true);
    expect(isSiteOpen(site([{ date: '2026-11-09' }]), mondayMorning)).toBe(false);
    expect(isSiteOpen(site([{ date: '2026-11-10' }]), mondayMorning)).toBe(true);
    // 23:30 UTC on the 10th is already the 11th in Paris.
    expect(isClosedDay([{ date: '2026-11-11' }], new Date('2026-11-10T23:30:00Z'), 'Europe/Paris')).toBe(true);
  });

  it('close even a site without weekly hours', () => {
    expect(isSiteOpen(site([], {}), mondayMorning)).toBe(true);
    expect(isSiteOpen(site([{ date: '2026-11-09' }], {}), mondayMorning)).toBe(false);
  });
});

describe('the next opening', () => {
  it('is none while open', () => {
    expect(nextOpening(site(), mondayMorning)).toBeNull();
  });

  it('is later the same day at lunch, the next weekday in the evening, Monday at the weekend', () => {
    expect(nextOpening(site(), new Date('2026-11-09T11:30:00Z'))).toEqual({ date: '2026-11-09', time: '13:30' });
    expect(nextOpening(site(), new Date('2026-11-09T18:00:00Z'))).toEqual({ date: '2026-11-10', time: '08:30' });
    expect(nextOpening(site(), new Date('2026-11-14T10:00:00Z'))).toEqual({ date: '2026-11-16', time: '08:30' });
  });

  it('skips closed days: Wednesday 11 November closed, Tuesday evening the next opening is Thursday', () => {
    const tuesdayEvening = new Date('2026-11-10T18:00:00Z');
    expect(nextOpening(site([{ date: '2026-11-11' }]), tuesdayEvening)).toEqual({ date: '2026-11-12', time: '08:30' });
  });

  it('is the next day that is not closed, without a time, for a site without weekly hours', () => {
    expect(nextOpening(site([{ date: '2026-11-09' }, { date: '2026-11-10' }], {}), mondayMorning)).toEqual({
      date: '2026-11-11',
      time: null
    });
  });

  it('is none when nothing opens within sixty days', () => {
    const never = { '1': [], '2': [], '3': [], '4': [], '5': [], '6': [], '7': [] };
    expect(nextOpening(site([], never), mondayMorning)).toBeNull();
  });
});

describe('weekday names', () => {
  it('names ISO weekdays 1 (Monday) to 7 (Sunday) in the reader’s language, the same for the kiosk and the printer', () => {
    expect(isoWeekdays.map((d) => weekdayName(d, 'fr'))).toEqual([
      'lundi',
      'mardi',
      'mercredi',
      'jeudi',
      'vendredi',
      'samedi',
      'dimanche'
    ]);
    expect(isoWeekdays.map((d) => weekdayName(d, 'en'))).toEqual([
      'Monday',
      'Tuesday',
      'Wednesday',
      'Thursday',
      'Friday',
      'Saturday',
      'Sunday'
    ]);
    expect(weekdayName('1', 'ar')).toBe(
      new Intl.DateTimeFormat('ar', { weekday: 'long', timeZone: 'UTC' }).format(new Date('2026-11-23T12:00:00Z'))
    );
  });
});
