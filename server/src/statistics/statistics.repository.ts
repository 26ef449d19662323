/**
 * The raw facts the team's statistics are counted from: read-only, over `help_calls` and `tickets`
 * (printer outages come from their own module). Each query selects only times, statuses and
 * services — the columns that can name an agent (`help_calls.agent_id`…) or a counter are never
 * read here, so no figure can be made per person from what this module returns.
 */
import type { Executor } from '../db/executor';

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

export function createStatisticsRepository(ex: Executor) {
  return {
    /** Help calls of a site made in [from, to) (ISO instants). */
    async calls(siteId: string, from: string, to: string): Promise<CallFact[]> {
      const rows = await ex
        .db()
        .selectFrom('help_calls')
        .select(['service', 'status', 'created_at', 'answered_at'])
        .where('site_id', '=', siteId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ service: r.service, status: r.status, createdAt: r.created_at, answeredAt: r.answered_at }));
    },
    /** Tickets of a site issued in [from, to). */
    async tickets(siteId: string, from: string, to: string): Promise<TicketFact[]> {
      const rows = await ex
        .db()
        .selectFrom('tickets')
        .select((eb) => ['service', 'created_at', eb.fn.coalesce('queued_at', 'created_at').as('queued_at'), 'called_at'])
        .where('site_id', '=', siteId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ service: r.service, createdAt: r.created_at, queuedAt: r.queued_at, calledAt: r.called_at }));
    }
  };
}
