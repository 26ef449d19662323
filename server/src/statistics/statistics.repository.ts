/**
 * The raw facts the team's statistics are counted from: read-only, over `help_calls` and `tickets`
 * (printer outages come from their own module). Each query selects only times, statuses and
 * services — the columns that can name an agent (`help_calls.agent_id`…) or a counter are never
 * read here, so no figure can be made per person from what this module returns.
 */
import type { Db } from '../db/database';

export interface CallFact {
  service: string | null;
  status: 'ringing' | 'accepted' | 'done' | 'cancelled' | 'unanswered';
  createdAt: string;
  answeredAt: string | null;
}

export interface TicketFact {
  service: string;
  createdAt: string;
  /** Its arrival in its queue (kept when it is transferred). */
  queuedAt: string;
  calledAt: string | null;
}

export function createStatisticsRepository(db: Db) {
  const calls = db.prepare(
    `SELECT service, status, created_at, answered_at FROM help_calls
     WHERE site_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at`
  );
  const tickets = db.prepare(
    `SELECT service, created_at, COALESCE(queued_at, created_at) AS queued_at, called_at FROM tickets
     WHERE site_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at`
  );

  return {
    /** Help calls of a site made in [from, to) (ISO instants). */
    calls(siteId: string, from: string, to: string): CallFact[] {
      return (
        calls.all(siteId, from, to) as {
          service: string | null;
          status: CallFact['status'];
          created_at: string;
          answered_at: string | null;
        }[]
      ).map((r) => ({ service: r.service, status: r.status, createdAt: r.created_at, answeredAt: r.answered_at }));
    },
    /** Tickets of a site issued in [from, to). */
    tickets(siteId: string, from: string, to: string): TicketFact[] {
      return (
        tickets.all(siteId, from, to) as { service: string; created_at: string; queued_at: string; called_at: string | null }[]
      ).map((r) => ({ service: r.service, createdAt: r.created_at, queuedAt: r.queued_at, calledAt: r.called_at }));
    }
  };
}
