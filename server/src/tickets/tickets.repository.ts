/** Data access for `tickets`. A number is taken inside the insert's transaction: never twice. */
import type { Db } from '../db/database';

type TicketStatus = 'waiting' | 'called' | 'done' | 'absent' | 'cancelled';

interface TicketRow {
  id: string;
  site_id: string;
  service: string;
  day: string;
  number: number;
  label: string;
  priority: 0 | 1;
  status: TicketStatus;
  terminal_id: string | null;
  request_id: string;
  locale: string;
  created_at: string;
  queue_service: string | null;
  queued_at: string | null;
  counter_id: string | null;
  target_counter_id: string | null;
  called_at: string | null;
  finished_at: string | null;
}

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

export function createTicketsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO tickets (id, site_id, service, day, number, label, priority, status, terminal_id, request_id, locale, created_at,
       queue_service, queued_at)
     VALUES (@id, @siteId, @service, @day, @number, @label, @priority, 'waiting', @terminalId, @requestId, @locale, @createdAt,
       @service, @createdAt)`
  );
  const lastNumber = db.prepare('SELECT MAX(number) FROM tickets WHERE site_id = ? AND service = ? AND day = ?').pluck();
  const byId = db.prepare('SELECT * FROM tickets WHERE id = ?');
  const byRequest = db.prepare('SELECT * FROM tickets WHERE site_id = ? AND request_id = ?');
  // Priority tickets go first; within each, the order of arrival.
  const ahead = db
    .prepare(
      `SELECT COUNT(*) FROM tickets WHERE site_id = @siteId AND queue_service = @queueService AND day = @day
         AND status = 'waiting' AND id != @id AND (priority > @priority OR (priority = @priority AND queued_at <= @queuedAt))`
    )
    .pluck();
  // The oldest waiting ticket of a service and priority that this counter may call.
  const head = db.prepare(
    `SELECT * FROM tickets WHERE site_id = @siteId AND day = @day AND status = 'waiting' AND queue_service = @service
       AND priority = @priority AND (target_counter_id IS NULL OR target_counter_id = @counterId)
     ORDER BY queued_at, number LIMIT 1`
  );
  const sentTo = db.prepare(
    `SELECT * FROM tickets WHERE site_id = ? AND day = ? AND status = 'waiting' AND target_counter_id = ?
     ORDER BY queued_at LIMIT 1`
  );
  const call = db.prepare(
    `UPDATE tickets SET status = 'called', counter_id = @counterId, called_at = @at, target_counter_id = NULL
     WHERE id = @id AND status = 'waiting'`
  );
  const current = db.prepare("SELECT * FROM tickets WHERE counter_id = ? AND status = 'called' ORDER BY called_at DESC LIMIT 1");
  const calledInSite = db.prepare("SELECT * FROM tickets WHERE site_id = ? AND status = 'called' ORDER BY called_at DESC");
  const close = db.prepare("UPDATE tickets SET status = @status, finished_at = @at WHERE id = @id AND status = 'called'");
  const requeue = db.prepare(
    `UPDATE tickets SET status = 'waiting', queue_service = @service, target_counter_id = @targetCounterId, counter_id = NULL,
       called_at = NULL WHERE id = @id AND status = 'called'`
  );
  const byLabel = db.prepare('SELECT * FROM tickets WHERE site_id = ? AND day = ? AND label = ?');
  const counts = db.prepare(
    `SELECT queue_service AS service, COUNT(*) AS waiting, SUM(priority) AS priority_waiting FROM tickets
     WHERE site_id = ? AND day = ? AND status = 'waiting' GROUP BY queue_service`
  );
  const serviceTimes = db.prepare(
    `SELECT called_at, finished_at FROM tickets WHERE site_id = ? AND queue_service = ? AND status = 'done'
       AND called_at >= ? AND called_at < ? AND finished_at IS NOT NULL`
  );
  // Yesterday's tickets still waiting when the day changes: the day's numbers restart.
  const expire = db.prepare(
    "UPDATE tickets SET status = 'cancelled' WHERE site_id = ? AND day < ? AND status IN ('waiting', 'called')"
  );

  return {
    /** The next number of this service today. Call inside the transaction that inserts it. */
    nextNumber(siteId: string, service: string, day: string): number {
      return ((lastNumber.get(siteId, service, day) as number | null) ?? 0) + 1;
    },
    insert(ticket: NewTicket): void {
      insert.run({ ...ticket, priority: ticket.priority ? 1 : 0 });
    },
    findById(id: string): Ticket | null {
      const row = byId.get(id) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },
    findByRequest(siteId: string, requestId: string): Ticket | null {
      const row = byRequest.get(siteId, requestId) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },
    peopleAhead(ticket: Ticket): number {
      return ahead.get({ ...ticket, priority: ticket.priority ? 1 : 0 }) as number;
    },
    head(siteId: string, day: string, service: string, priority: boolean, counterId: string): Ticket | null {
      const row = head.get({ siteId, day, service, priority: priority ? 1 : 0, counterId }) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },
    /** The oldest ticket transferred to this counter and waiting for it. */
    sentTo(siteId: string, day: string, counterId: string): Ticket | null {
      const row = sentTo.get(siteId, day, counterId) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },
    /** Calls a waiting ticket to a counter; false when it is no longer waiting (another counter took it). */
    call(id: string, counterId: string, at: string): boolean {
      return call.run({ id, counterId, at }).changes === 1;
    },
    currentAt(counterId: string): Ticket | null {
      const row = current.get(counterId) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },
    /** Every counter's current ticket at the site, in one query (by `tickets_queue`): by counter id. */
    currentInSite(siteId: string): Map<string, Ticket> {
      const byCounter = new Map<string, Ticket>();
      for (const row of calledInSite.all(siteId) as TicketRow[]) {
        // Newest first: the one kept is what `currentAt` gives.
        if (row.counter_id && !byCounter.has(row.counter_id)) byCounter.set(row.counter_id, toTicket(row));
      }
      return byCounter;
    },
    close(id: string, status: 'done' | 'absent', at: string): boolean {
      return close.run({ id, status, at }).changes === 1;
    },
    /** Back in a queue with the same number and place: another service, or one counter. */
    requeue(id: string, service: string, targetCounterId: string | null): boolean {
      return requeue.run({ id, service, targetCounterId }).changes === 1;
    },
    findByLabel(siteId: string, day: string, label: string): Ticket | null {
      const row = byLabel.get(siteId, day, label) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },
    waitingCounts(siteId: string, day: string): Map<string, { waiting: number; priority: number }> {
      const rows = counts.all(siteId, day) as { service: string; waiting: number; priority_waiting: number | null }[];
      return new Map(rows.map((r) => [r.service, { waiting: r.waiting, priority: r.priority_waiting ?? 0 }]));
    },
    /** Seconds each finished ticket of the service took at its counter, since `since`. */
    /** Finished tickets of a service called in [from, to), with their time at the counter. */
    serviceSeconds(siteId: string, service: string, from: string, to: string): { calledAt: string; seconds: number }[] {
      return (serviceTimes.all(siteId, service, from, to) as { called_at: string; finished_at: string }[]).map((r) => ({
        calledAt: r.called_at,
        seconds: (Date.parse(r.finished_at) - Date.parse(r.called_at)) / 1000
      }));
    },
    expireBefore(siteId: string, day: string): number {
      return expire.run(siteId, day).changes;
    }
  };
}
