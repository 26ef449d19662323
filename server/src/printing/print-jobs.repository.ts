/** Data access for `print_jobs`: every job is stored before it is printed, with its state. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { PrintJobsTable } from '../db/schema';
import type { PrinterFault } from '../../../printers/status';

export type PrintJobKind = 'ticket' | 'summary_receipt' | 'summary_a4' | 'test_page';
type PrintJobStatus = 'queued' | 'waiting' | 'printed' | 'uncertain' | 'cancelled';

type JobRow = Selectable<PrintJobsTable>;

export interface PrintJob {
  id: string;
  siteId: string;
  printerId: string | null;
  kind: PrintJobKind;
  ticketId: string | null;
  sessionId: string | null;
  terminalId: string | null;
  /** The layout's input as JSON; '' once a summary is printed. */
  document: string;
  copy: number;
  status: PrintJobStatus;
  fault: PrinterFault | null;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  printedAt: string | null;
}

const toJob = (row: JobRow): PrintJob => ({
  id: row.id,
  siteId: row.site_id,
  printerId: row.printer_id,
  kind: row.kind,
  ticketId: row.ticket_id,
  sessionId: row.session_id,
  terminalId: row.terminal_id,
  document: row.document,
  copy: row.copy,
  status: row.status,
  // Only ever written from a `PrinterFault`.
  fault: row.fault as PrinterFault | null,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
  printedAt: row.printed_at
});

export function createPrintJobsRepository(ex: Executor) {
  const jobs = () => ex.db().selectFrom('print_jobs').selectAll();
  const one = (row: JobRow | undefined) => (row ? toJob(row) : null);
  const literal = <S extends PrintJobStatus>(status: S) => sql.lit<S>(status);
  // The partial index of pending jobs (`print_jobs_pending`) holds for these constant statuses:
  // written as literals, not parameters, so that a planner can see the index applies.
  const pending = [literal('queued'), literal('waiting')];
  const waiting = literal('waiting');
  // A ticket's document is kept (it can be printed again); a summary's text goes once printed.
  const keptDocument = sql<string>`CASE WHEN kind = 'ticket' THEN document ELSE '' END`;

  return {
    async insert(
      job: Pick<
        PrintJob,
        'id' | 'siteId' | 'printerId' | 'kind' | 'ticketId' | 'sessionId' | 'terminalId' | 'document' | 'copy' | 'createdAt'
      >
    ): Promise<void> {
      await ex
        .db()
        .insertInto('print_jobs')
        .values({
          id: job.id,
          site_id: job.siteId,
          printer_id: job.printerId,
          kind: job.kind,
          ticket_id: job.ticketId,
          session_id: job.sessionId,
          terminal_id: job.terminalId,
          document: job.document,
          copy: job.copy,
          status: 'queued',
          attempts: 0,
          next_attempt_at: job.createdAt,
          created_at: job.createdAt
        })
        .execute();
    },
    findById: async (id: string): Promise<PrintJob | null> => one(await jobs().where('id', '=', id).executeTakeFirst()),
    listDue: async (now: string): Promise<PrintJob[]> =>
      (
        await jobs()
          .where('status', 'in', pending)
          .where('next_attempt_at', '<=', now)
          .orderBy('created_at')
          .orderBy('id')
          .execute()
      ).map(toJob),
    // The printer's next job due, and its count of jobs waiting: one row each, however long the
    // queue (a burst of 200 tickets would otherwise read the whole queue for each job it prints).
    /** The printer's oldest job still to print whose time has come (`now`, ISO), if any. */
    nextDueForPrinter: async (printerId: string, now: string): Promise<PrintJob | null> =>
      one(
        await jobs()
          .where('printer_id', '=', printerId)
          .where('status', 'in', pending)
          .where('next_attempt_at', '<=', now)
          .orderBy('created_at')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst()
      ),
    async countWaitingForPrinter(printerId: string): Promise<number> {
      const row = await ex
        .db()
        .selectFrom('print_jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('printer_id', '=', printerId)
        .where('status', '=', waiting)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    listForTicket: async (ticketId: string): Promise<PrintJob[]> =>
      (await jobs().where('ticket_id', '=', ticketId).orderBy('copy').orderBy('id').execute()).map(toJob),
    listRecent: async (siteId: string, limit: number): Promise<PrintJob[]> =>
      (await jobs().where('site_id', '=', siteId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(
        toJob
      ),
    /** A session's printouts, oldest first (a citizen's export of their session). */
    listForSession: async (sessionId: string): Promise<PrintJob[]> =>
      (await jobs().where('session_id', '=', sessionId).orderBy('created_at').orderBy('id').execute()).map(toJob),
    async markPrinted(id: string, at: string): Promise<void> {
      await ex
        .db()
        .updateTable('print_jobs')
        .set((eb) => ({
          status: 'printed',
          fault: null,
          printed_at: at,
          attempts: eb('attempts', '+', 1),
          document: keptDocument
        }))
        .where('id', '=', id)
        .execute();
    },
    /** The printer has a fault: try again at `next`. `tried` says whether this counted as an attempt. */
    async markWaiting(id: string, fault: PrinterFault, next: string, tried: boolean): Promise<void> {
      await ex
        .db()
        .updateTable('print_jobs')
        .set((eb) => ({
          status: 'waiting',
          fault,
          attempts: eb('attempts', '+', tried ? 1 : 0),
          next_attempt_at: next
        }))
        .where('id', '=', id)
        .execute();
    },
    async markUncertain(id: string, fault: PrinterFault | null): Promise<void> {
      await ex
        .db()
        .updateTable('print_jobs')
        .set((eb) => ({ status: 'uncertain', fault, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },
    /** The printer is back: its waiting jobs go now instead of at their backoff time. */
    async retryNow(printerId: string, now: string): Promise<void> {
      await ex
        .db()
        .updateTable('print_jobs')
        .set({ next_attempt_at: now })
        .where('printer_id', '=', printerId)
        .where('status', '=', waiting)
        .execute();
    },
    /** A purged session's summaries: not printed any more, and their text erased. */
    async dropForSession(sessionId: string): Promise<void> {
      await ex
        .db()
        .updateTable('print_jobs')
        .set({
          status: sql<PrintJobStatus>`CASE WHEN status IN ('queued', 'waiting') THEN 'cancelled' ELSE status END`,
          document: keptDocument
        })
        .where('session_id', '=', sessionId)
        .execute();
    },
    /** Jobs not printed yet (queued, or waiting for their printer), per site. */
    async pendingCountsBySite(): Promise<Map<string, number>> {
      // Read through the partial index of pending jobs: the rest of the table is never scanned.
      const rows = await ex
        .db()
        .selectFrom('print_jobs')
        .select((eb) => ['site_id', eb.fn.countAll().as('n')])
        .where('status', 'in', pending)
        .groupBy('site_id')
        .execute();
      return new Map(rows.map((r) => [r.site_id, Number(r.n)]));
    },
    /** The highest copy number of a ticket's jobs (or of a job without ticket). */
    async lastCopy(ticketId: string | null, jobId: string): Promise<number> {
      const row = await ex
        .db()
        .selectFrom('print_jobs')
        .select((eb) => eb.fn.max('copy').as('n'))
        .where((eb) => eb.or([eb('ticket_id', '=', ticketId), eb('id', '=', jobId)]))
        .executeTakeFirstOrThrow();
      return row.n ?? 0;
    }
  };
}
