/** Data access for `ticket_calls`: every announcement, numbered, for the display to catch up. */
import type { Db } from '../db/database';

export interface TicketCall {
  seq: number;
  siteId: string;
  ticketId: string;
  counterId: string | null;
  counterName: string;
  recall: boolean;
  at: string;
}

interface CallRow {
  seq: number;
  site_id: string;
  ticket_id: string;
  counter_id: string | null;
  counter_name: string;
  recall: 0 | 1;
  at: string;
}

const toCall = (row: CallRow): TicketCall => ({
  seq: row.seq,
  siteId: row.site_id,
  ticketId: row.ticket_id,
  counterId: row.counter_id,
  counterName: row.counter_name,
  recall: row.recall === 1,
  at: row.at
});

export function createTicketCallsRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO ticket_calls (site_id, ticket_id, counter_id, counter_name, recall, at) VALUES (?, ?, ?, ?, ?, ?)'
  );
  const bySeq = db.prepare('SELECT * FROM ticket_calls WHERE seq = ?');
  const recent = db.prepare('SELECT * FROM ticket_calls WHERE site_id = ? ORDER BY seq DESC LIMIT ?');

  return {
    add(call: Omit<TicketCall, 'seq'>): TicketCall {
      const { lastInsertRowid } = insert.run(
        call.siteId,
        call.ticketId,
        call.counterId,
        call.counterName,
        call.recall ? 1 : 0,
        call.at
      );
      return toCall(bySeq.get(lastInsertRowid) as CallRow);
    },
    listRecent: (siteId: string, limit: number): TicketCall[] => (recent.all(siteId, limit) as CallRow[]).map(toCall)
  };
}
