import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/clock';
import { openDatabase } from '../../server/src/db/database';
import { seedDemoIfEmpty } from '../../server/src/demo/seed-demo';
import { createSqliteStore } from '../../server/src/store';
import { localDay, localInstant, openDays, recordHistory } from './history';

describe('recordHistory', () => {
  it('records answered calls and finished tickets on weekdays of the last 28 days, in opening hours, with valid keys', async () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    const db = openDatabase(':memory:');
    const store = createSqliteStore(db);
    await seedDemoIfEmpty(store, new ManualClock(now));
    const siteId = db.prepare('SELECT id FROM sites').pluck().get() as string;

    const history = await recordHistory(store, siteId, 300, now);

    expect(history).toMatchObject({ calls: 300, tickets: 300 });
    const calls = db.prepare('SELECT * FROM help_calls WHERE site_id = ?').all(siteId) as Record<string, string>[];
    const tickets = db.prepare('SELECT * FROM tickets WHERE site_id = ?').all(siteId) as Record<string, string>[];
    expect(calls).toHaveLength(300);
    expect(tickets).toHaveLength(300);
    expect(calls.every((c) => c.status === 'done' && c.answered_at && c.agent_id === null && c.terminal_id)).toBe(true);
    expect(tickets.every((t) => t.status === 'done' && t.called_at && t.finished_at && t.counter_id)).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM ticket_calls').pluck().get()).toBe(300);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The estimate's own query finds every call of the month.
    expect(
      await store.helpCalls.answeredBetween(siteId, new Date(now.getTime() - 28 * 86_400_000).toISOString(), now.toISOString())
    ).toHaveLength(300);

    const days = new Set(openDays(now, 'Europe/Paris'));
    for (const at of [...calls.map((c) => c.created_at), ...tickets.map((t) => t.created_at)]) {
      const instant = new Date(at!);
      expect(days.has(localDay(instant, 'Europe/Paris'))).toBe(true);
      const [h, m] = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23'
      })
        .format(instant)
        .split(':')
        .map(Number) as [number, number];
      expect(h * 60 + m).toBeGreaterThanOrEqual(8 * 60 + 30);
      expect(h * 60 + m).toBeLessThan(17 * 60);
    }
    // Numbers restart each day and service: never twice the same label on a day.
    const labels = tickets.map((t) => `${t.day} ${t.label}`);
    expect(new Set(labels).size).toBe(labels.length);
    db.close();
  });

  it('finds the weekdays of the four weeks before today, and local instants across a clock change', () => {
    const days = openDays(new Date('2026-12-03T10:00:00.000Z'), 'Europe/Paris');
    expect(days).toHaveLength(19);
    expect(days[0]).toBe('2026-11-06');
    expect(days.at(-1)).toBe('2026-12-02');
    expect(localInstant('2026-03-27', 8 * 60 + 30, 'Europe/Paris').toISOString()).toBe('2026-03-27T07:30:00.000Z');
    expect(localInstant('2026-03-30', 8 * 60 + 30, 'Europe/Paris').toISOString()).toBe('2026-03-30T06:30:00.000Z');
  });
});
