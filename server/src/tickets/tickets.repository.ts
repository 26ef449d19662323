/** Data access for `tickets`. A number is taken inside the insert's transaction: never twice. */
import type { Db } from '../db/database';

export type TicketStatus = 'waiting' | 'called' | 'done' | 'absent' | 'cancelled';

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
}

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
  createdAt: row.created_at
});

export type TicketsRepository = ReturnType<typeof createTicketsRepository>;

export function createTicketsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO tickets (id, site_id, service, day, number, label, priority, status, terminal_id, request_id, locale, created_at)
     VALUES (@id, @siteId, @service, @day, @number, @label, @priority, 'waiting', @terminalId, @requestId, @locale, @createdAt)`
  );
  const lastNumber = db.prepare('SELECT MAX(number) FROM tickets WHERE site_id = ? AND service = ? AND day = ?').pluck();
  const byId = db.prepare('SELECT * FROM tickets WHERE id = ?');
  const byRequest = db.prepare('SELECT * FROM tickets WHERE site_id = ? AND request_id = ?');
  // Priority tickets go first; within each, the order of arrival.
  const ahead = db
    .prepare(
      `SELECT COUNT(*) FROM tickets WHERE site_id = @siteId AND service = @service AND day = @day AND status = 'waiting'
         AND id != @id AND (priority > @priority OR (priority = @priority AND created_at <= @createdAt))`
    )
    .pluck();

  return {
    /** The next number of this service today. Call inside the transaction that inserts it. */
    nextNumber(siteId: string, service: string, day: string): number {
      return ((lastNumber.get(siteId, service, day) as number | null) ?? 0) + 1;
    },
    insert(ticket: Omit<Ticket, 'status'>): void {
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
    }
  };
}
