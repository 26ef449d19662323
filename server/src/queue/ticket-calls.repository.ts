/** Data access for `ticket_calls`: every announcement, numbered, for the display to catch up. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { TicketCallsTable } from '../db/schema';

export interface TicketCall {
  seq: number;
  siteId: string;
  ticketId: string;
  counterId: string | null;
  counterName: string;
  recall: boolean;
  at: string;
}

type CallRow = Selectable<TicketCallsTable>;

const toCall = (row: CallRow): TicketCall => ({
  seq: row.seq,
  siteId: row.site_id,
  ticketId: row.ticket_id,
  counterId: row.counter_id,
  counterName: row.counter_name,
  recall: row.recall === 1,
  at: row.at
});

export function createTicketCallsRepository(ex: Executor) {
  return {
    async add(call: Omit<TicketCall, 'seq'>): Promise<TicketCall> {
      // The row as stored, with the `seq` it was given: the display catches up from it.
      const row = await ex
        .db()
        .insertInto('ticket_calls')
        .values({
          site_id: call.siteId,
          ticket_id: call.ticketId,
          counter_id: call.counterId,
          counter_name: call.counterName,
          recall: call.recall ? 1 : 0,
          at: call.at
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCall(row);
    },
    listRecent: async (siteId: string, limit: number): Promise<TicketCall[]> =>
      (
        await ex
          .db()
          .selectFrom('ticket_calls')
          .selectAll()
          .where('site_id', '=', siteId)
          .orderBy('seq', 'desc')
          .limit(limit)
          .execute()
      ).map(toCall)
  };
}
