/** The counter's opening hours on a printed summary: one line per day, Monday first, in the reader's language. */
import { describe, expect, it } from 'vitest';
import { formatOpeningHours } from './summary';

const hours = {
  '1': [['08:30', '12:00'] as [string, string], ['13:30', '17:00'] as [string, string]],
  '3': [['08:30', '12:00'] as [string, string]]
};

describe('opening hours on a summary', () => {
  it('names each day from Monday, capitalised, with its ranges or closed', () => {
    expect(formatOpeningHours(hours, 'fr')).toEqual([
      'Lundi : 08:30–12:00, 13:30–17:00',
      'Mardi : fermé',
      'Mercredi : 08:30–12:00',
      'Jeudi : fermé',
      'Vendredi : fermé',
      'Samedi : fermé',
      'Dimanche : fermé'
    ]);
    expect(formatOpeningHours(hours, 'en')[0]).toBe('Monday : 08:30–12:00, 13:30–17:00');
  });

  it('prints no hours when none were set', () => {
    expect(formatOpeningHours({}, 'fr')).toEqual([]);
  });
});
