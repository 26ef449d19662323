/**
 * Data access for `tickets` and their per-day numbers (`ticket_numbers`). A number is taken inside
 * the insert's transaction: never twice, never skipped.
 */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { TicketsTable } from '../db/schema';

type TicketStatus = 'waiting' | 'called' | 'done' | 'absent' | 'cancelled';

type TicketRow = Selectable<TicketsTable>;

export interface Ticket {
  id: string;
  siteId: string;
  service: string;
  day: string;
  number: number;
  label: string;
  priority: boolean;
  status: TicketStatus;
  terminalId: string | null;
  requestId: string;
  locale: string;
  createdAt: string;
  /** The queue it is in now: `service`, or the one it was transferred to (its label never changes). */
  queueService: string;
  /** Its place in its queue: its arrival, kept when it is transferred. */
  queuedAt: string;
  /** The counter serving it (or that served it). */
  counterId: string | null;
  /** Transferred to this counter: only it calls the ticket next. */
  targetCounterId: string | null;
  calledAt: string | null;
  finishedAt: string | null;
}

/** A new ticket: the queue fields start empty. */
export type NewTicket = Omit<
  Ticket,
  'status' | 'queueService' | 'queuedAt' | 'counterId' | 'targetCounterId' | 'calledAt' | 'finishedAt'
>;

const toTicket = (row: TicketRow): Ticket => ({
  id: row.id,
  siteId: row.site_id,
  service: row.service,
  day: row.day,
  number: row.number,
  label: row.label,
  priority: row.priority === 1,
  status: row.status,
  terminalId: row.terminal_id,
  requestId: row.request_id,
  locale: row.locale,
  createdAt: row.created_at,
  queueService: row.queue_service ?? row.service,
  queuedAt: row.queued_at ?? row.created_at,
  counterId: row.counter_id,
  targetCounterId: row.target_counter_id,
  calledAt: row.called_at,
  finishedAt: row.finished_at
});

export function createTicketsRepository(ex: Executor) {
  const tickets = () => ex.db().selectFrom('tickets').selectAll();
  const one = (row: TicketRow | undefined) => (row ? toTicket(row) : null);
  const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows === 1n;
  const flag = (value: boolean) => (value ? 1 : 0) as 0 | 1;
  // Constant statuses as literals, not parameters: a planner can then see that the partial index
  // `tickets_service_times` (status 'done') applies, and the statements read as they did.
  const waiting = sql.lit('waiting' as const);
  const called = sql.lit('called' as const);

  return {
    /**
     * The next number of this service today. Call inside the transaction that inserts it: the
     * day's counter row stays locked until that transaction ends (other takes of the service wait
     * for it, on PostgreSQL too), and a rollback gives the number back.
     */
    async nextNumber(siteId: string, service: string, day: string): Promise<number> {
      const row = await ex
        .db()
        .insertInto('ticket_numbers')
        .values({ site_id: siteId, service, day, last: 1 })
        .onConflict((oc) =>
          oc.columns(['site_id', 'service', 'day']).doUpdateSet((eb) => ({ last: eb(eb.ref('ticket_numbers.last'), '+', 1) }))
        )
        .returning('last')
        .executeTakeFirstOrThrow();
      return row.last;
    },
    async insert(ticket: NewTicket): Promise<void> {
      await ex
        .db()
        .insertInto('tickets')
        .values({
          id: ticket.id,
          site_id: ticket.siteId,
          service: ticket.service,
          day: ticket.day,
          number: ticket.number,
          label: ticket.label,
          priority: flag(ticket.priority),
          status: 'waiting',
          terminal_id: ticket.terminalId,
          request_id: ticket.requestId,
          locale: ticket.locale,
          created_at: ticket.createdAt,
          queue_service: ticket.service,
          queued_at: ticket.createdAt
        })
        .execute();
    },
    findById: async (id: string) => one(await tickets().where('id', '=', id).executeTakeFirst()),
    findByRequest: async (siteId: string, requestId: string) =>
      one(await tickets().where('site_id', '=', siteId).where('request_id', '=', requestId).executeTakeFirst()),
    async peopleAhead(ticket: Ticket): Promise<number> {
      const priority = flag(ticket.priority);
      // Priority tickets go first; within each, the order of arrival.
      const row = await ex
        .db()
        .selectFrom('tickets')
        .select((eb) => eb.fn.countAll<number>().as('ahead'))
        .where('site_id', '=', ticket.siteId)
        .where('queue_service', '=', ticket.queueService)
        .where('day', '=', ticket.day)
        .where('status', '=', waiting)
        .where('id', '!=', ticket.id)
        .where((eb) =>
          eb.or([eb('priority', '>', priority), eb.and([eb('priority', '=', priority), eb('queued_at', '<=', ticket.queuedAt)])])
        )
        .executeTakeFirstOrThrow();
      return row.ahead;
    },
    /** The oldest waiting ticket of a service and priority that this counter may call. */
    head: async (siteId: string, day: string, service: string, priority: boolean, counterId: string) =>
      one(
        await tickets()
          .where('site_id', '=', siteId)
          .where('day', '=', day)
          .where('status', '=', waiting)
          .where('queue_service', '=', service)
          .where('priority', '=', flag(priority))
          .where((eb) => eb.or([eb('target_counter_id', 'is', null), eb('target_counter_id', '=', counterId)]))
          // Arrival, then number. Two tickets of two services taken in the same millisecond (one
          // since transferred here) are in the order the index gives, their insertion on SQLite.
          .orderBy('queued_at')
          .orderBy('number')
          .limit(1)
          .executeTakeFirst()
      ),
    /** The oldest ticket transferred to this counter and waiting for it. */
    sentTo: async (siteId: string, day: string, counterId: string) =>
      one(
        await tickets()
          .where('site_id', '=', siteId)
          .where('day', '=', day)
          .where('status', '=', waiting)
          .where('target_counter_id', '=', counterId)
          .orderBy('queued_at')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst()
      ),
    /** Calls a waiting ticket to a counter; false when it is no longer waiting (another counter took it). */
    async call(id: string, counterId: string, at: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('tickets')
        .set({ status: 'called', counter_id: counterId, called_at: at, target_counter_id: null })
        .where('id', '=', id)
        .where('status', '=', waiting)
        .executeTakeFirstOrThrow();
      return changed(result);
    },
    currentAt: async (counterId: string) =>
      one(
        await tickets()
          .where('counter_id', '=', counterId)
          .where('status', '=', called)
          .orderBy('called_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst()
      ),
    /** Every counter's current ticket at the site, in one query (by `tickets_queue`): by counter id. */
    async currentInSite(siteId: string): Promise<Map<string, Ticket>> {
      const rows = await tickets()
        .where('site_id', '=', siteId)
        .where('status', '=', called)
        .orderBy('called_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const byCounter = new Map<string, Ticket>();
      for (const row of rows) {
        // Newest first: the one kept is what `currentAt` gives.
        if (row.counter_id && !byCounter.has(row.counter_id)) byCounter.set(row.counter_id, toTicket(row));
      }
      return byCounter;
    },
    async close(id: string, status: 'done' | 'absent', at: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('tickets')
        .set({ status, finished_at: at })
        .where('id', '=', id)
        .where('status', '=', called)
        .executeTakeFirstOrThrow();
      return changed(result);
    },
    /** Back in a queue with the same number and place: another service, or one counter. */
    async requeue(id: string, service: string, targetCounterId: string | null): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('tickets')
        .set({ status: 'waiting', queue_service: service, target_counter_id: targetCounterId, counter_id: null, called_at: null })
        .where('id', '=', id)
        .where('status', '=', called)
        .executeTakeFirstOrThrow();
      return changed(result);
    },
    findByLabel: async (siteId: string, day: string, label: string) =>
      one(await tickets().where('site_id', '=', siteId).where('day', '=', day).where('label', '=', label).executeTakeFirst()),
    /**
     * Waiting tickets per site, day and service, these sites in one read (the metrics' count). By
     * site, as the queue's index is: the month of finished tickets is not read.
     */
    async waitingCountsIn(siteIds: string[]): Promise<{ siteId: string; day: string; service: string; waiting: number }[]> {
      const ids = [...siteIds];
      if (ids.length === 0) return [];
      const rows = await ex
        .db()
        .selectFrom('tickets')
        .select((eb) => ['site_id', 'day', 'queue_service as service', eb.fn.countAll<number>().as('waiting')])
        .where('site_id', 'in', ids)
        .where('status', '=', waiting)
        .groupBy(['site_id', 'day', 'queue_service'])
        .execute();
      return rows.map((r) => ({ siteId: r.site_id, day: r.day, service: r.service!, waiting: r.waiting }));
    },
    async waitingCounts(siteId: string, day: string): Promise<Map<string, { waiting: number; priority: number }>> {
      const rows = await ex
        .db()
        .selectFrom('tickets')
        .select((eb) => [
          'queue_service as service',
          eb.fn.countAll<number>().as('waiting'),
          eb.fn.sum<number | null>('priority').as('priority_waiting')
        ])
        .where('site_id', '=', siteId)
        .where('day', '=', day)
        .where('status', '=', waiting)
        .groupBy('queue_service')
        .orderBy('queue_service')
        .execute();
      // `queue_service` is set on every ticket (migration 0004 filled it for the older ones).
      return new Map(rows.map((r) => [r.service!, { waiting: r.waiting, priority: r.priority_waiting ?? 0 }]));
    },
    /** Finished tickets of a service called in [from, to), with their time at the counter. */
    async serviceSeconds(
      siteId: string,
      service: string,
      from: string,
      to: string
    ): Promise<{ calledAt: string; seconds: number }[]> {
      const rows = await ex
        .db()
        .selectFrom('tickets')
        .select(['called_at', 'finished_at'])
        .where('site_id', '=', siteId)
        .where('queue_service', '=', service)
        .where('status', '=', sql.lit('done'))
        .where('called_at', '>=', from)
        .where('called_at', '<', to)
        .where('finished_at', 'is not', null)
        // The order `tickets_service_times` gives, made total: the same on every engine.
        .orderBy('called_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        calledAt: r.called_at!,
        seconds: (Date.parse(r.finished_at!) - Date.parse(r.called_at!)) / 1000
      }));
    },
    async expireBefore(siteId: string, day: string): Promise<number> {
      // Yesterday's tickets still waiting when the day changes: the day's numbers restart.
      const result = await ex
        .db()
        .updateTable('tickets')
        .set({ status: 'cancelled' })
        .where('site_id', '=', siteId)
        .where('day', '<', day)
        .where('status', 'in', [waiting, called])
        .executeTakeFirstOrThrow();
      // Earlier days' counters are never bumped again.
      await ex.db().deleteFrom('ticket_numbers').where('site_id', '=', siteId).where('day', '<', day).execute();
      return Number(result.numUpdatedRows);
    }
  };
}
