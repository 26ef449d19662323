import { describe, expect, it } from 'vitest';
import { seenText } from './seen-text';

describe('when a terminal was last seen', () => {
  const now = new Date(2026, 10, 23, 15, 0, 0);
  it('says « now » within the minute, then minutes, then hours, with the time', () => {
    expect(seenText(new Date(2026, 10, 23, 14, 59, 30).toISOString(), now, 'fr').relative).toBe('maintenant');
    expect(seenText(new Date(2026, 10, 23, 14, 55).toISOString(), now, 'fr')).toEqual({
      relative: 'il y a 5 minutes',
      absolute: '14:55'
    });
    expect(seenText(new Date(2026, 10, 23, 12, 0).toISOString(), now, 'fr').relative).toBe('il y a 3 heures');
  });

  it('gives the date too when it was not today', () => {
    const seen = seenText(new Date(2026, 10, 20, 9, 5).toISOString(), now, 'fr');
    expect(seen.relative).toBe('il y a 3 jours');
    expect(seen.absolute).toMatch(/20 nov\.? 2026.*09:05/);
  });
});
