/** Data access for `print_jobs`: every job is stored before it is printed, with its state. */
import type { Db } from '../db/database';
import type { PrinterFault } from '../../../printers/status';

export type PrintJobKind = 'ticket' | 'summary_receipt' | 'summary_a4' | 'test_page';
type PrintJobStatus = 'queued' | 'waiting' | 'printed' | 'uncertain' | 'cancelled';

interface JobRow {
  id: string;
  site_id: string;
  printer_id: string | null;
  kind: PrintJobKind;
  ticket_id: string | null;
  session_id: string | null;
  terminal_id: string | null;
  document: string;
  copy: number;
  status: PrintJobStatus;
  fault: PrinterFault | null;
  attempts: number;
  next_attempt_at: string;
  created_at: string;
  printed_at: string | null;
}

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
  fault: row.fault,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
  printedAt: row.printed_at
});

export function createPrintJobsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO print_jobs (id, site_id, printer_id, kind, ticket_id, session_id, terminal_id, document, copy, status,
       attempts, next_attempt_at, created_at)
     VALUES (@id, @siteId, @printerId, @kind, @ticketId, @sessionId, @terminalId, @document, @copy, 'queued',
       0, @createdAt, @createdAt)`
  );
  const byId = db.prepare('SELECT * FROM print_jobs WHERE id = ?');
  const due = db.prepare(
    "SELECT * FROM print_jobs WHERE status IN ('queued', 'waiting') AND next_attempt_at <= ? ORDER BY created_at"
  );
  // The printer's next job due, and its count of jobs waiting: one row each, however long the
  // queue (a burst of 200 tickets would otherwise read the whole queue for each job it prints).
  const nextDue = db.prepare(
    `SELECT * FROM print_jobs WHERE printer_id = ? AND status IN ('queued', 'waiting') AND next_attempt_at <= ?
     ORDER BY created_at LIMIT 1`
  );
  const waitingCount = db.prepare("SELECT COUNT(*) FROM print_jobs WHERE printer_id = ? AND status = 'waiting'").pluck();
  const forTicket = db.prepare('SELECT * FROM print_jobs WHERE ticket_id = ? ORDER BY copy');
  const recentInSite = db.prepare('SELECT * FROM print_jobs WHERE site_id = ? ORDER BY created_at DESC LIMIT ?');
  const printed = db.prepare(
    `UPDATE print_jobs SET status = 'printed', fault = NULL, printed_at = @at, attempts = attempts + 1,
       document = CASE WHEN kind = 'ticket' THEN document ELSE '' END
     WHERE id = @id`
  );
  const wait = db.prepare(
    "UPDATE print_jobs SET status = 'waiting', fault = @fault, attempts = attempts + @tried, next_attempt_at = @next WHERE id = @id"
  );
  const uncertain = db.prepare(
    "UPDATE print_jobs SET status = 'uncertain', fault = @fault, attempts = attempts + 1 WHERE id = @id"
  );
  const retryNow = db.prepare("UPDATE print_jobs SET next_attempt_at = ? WHERE printer_id = ? AND status = 'waiting'");
  const dropForSession = db.prepare(
    `UPDATE print_jobs SET status = CASE WHEN status IN ('queued', 'waiting') THEN 'cancelled' ELSE status END,
       document = CASE WHEN kind = 'ticket' THEN document ELSE '' END WHERE session_id = ?`
  );
  const forSession = db.prepare('SELECT * FROM print_jobs WHERE session_id = ? ORDER BY created_at');
  const maxCopy = db.prepare('SELECT MAX(copy) FROM print_jobs WHERE ticket_id = ? OR id = ?').pluck();
  // Read through the partial index of pending jobs: the rest of the table is never scanned.
  const pendingBySite = db.prepare(
    "SELECT site_id, COUNT(*) AS n FROM print_jobs WHERE status IN ('queued', 'waiting') GROUP BY site_id"
  );

  return {
    insert(
      job: Pick<
        PrintJob,
        'id' | 'siteId' | 'printerId' | 'kind' | 'ticketId' | 'sessionId' | 'terminalId' | 'document' | 'copy' | 'createdAt'
      >
    ): void {
      insert.run(job);
    },
    findById(id: string): PrintJob | null {
      const row = byId.get(id) as JobRow | undefined;
      return row ? toJob(row) : null;
    },
    listDue: (now: string): PrintJob[] => (due.all(now) as JobRow[]).map(toJob),
    /** The printer's oldest job still to print whose time has come (`now`, ISO), if any. */
    nextDueForPrinter: (printerId: string, now: string): PrintJob | null => {
      const row = nextDue.get(printerId, now) as JobRow | undefined;
      return row ? toJob(row) : null;
    },
    countWaitingForPrinter: (printerId: string): number => waitingCount.get(printerId) as number,
    listForTicket: (ticketId: string): PrintJob[] => (forTicket.all(ticketId) as JobRow[]).map(toJob),
    listRecent: (siteId: string, limit: number): PrintJob[] => (recentInSite.all(siteId, limit) as JobRow[]).map(toJob),
    /** A session's printouts, oldest first (a citizen's export of their session). */
    listForSession: (sessionId: string): PrintJob[] => (forSession.all(sessionId) as JobRow[]).map(toJob),
    markPrinted(id: string, at: string): void {
      printed.run({ id, at });
    },
    /** The printer has a fault: try again at `next`. `tried` says whether this counted as an attempt. */
    markWaiting(id: string, fault: PrinterFault, next: string, tried: boolean): void {
      wait.run({ id, fault, next, tried: tried ? 1 : 0 });
    },
    markUncertain(id: string, fault: PrinterFault | null): void {
      uncertain.run({ id, fault });
    },
    /** The printer is back: its waiting jobs go now instead of at their backoff time. */
    retryNow(printerId: string, now: string): void {
      retryNow.run(now, printerId);
    },
    /** A purged session's summaries: not printed any more, and their text erased. */
    dropForSession(sessionId: string): void {
      dropForSession.run(sessionId);
    },
    /** Jobs not printed yet (queued, or waiting for their printer), per site. */
    pendingCountsBySite(): Map<string, number> {
      const rows = pendingBySite.all() as { site_id: string; n: number }[];
      return new Map(rows.map((r) => [r.site_id, r.n]));
    },
    /** The highest copy number of a ticket's jobs (or of a job without ticket). */
    lastCopy(ticketId: string | null, jobId: string): number {
      return (maxCopy.get(ticketId, jobId) as number | null) ?? 0;
    }
  };
}
