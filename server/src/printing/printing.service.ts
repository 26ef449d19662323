/**
 * Printing that never loses a ticket nor prints one twice by mistake.
 *
 * Every job is stored first (`print_jobs`), then sent by a per-printer loop:
 * - the printer is asked its status before each job (same transport as the job); on a fault the job
 *   waits, retried with backoff (1 s doubling to 30 s), and prints once, as the original, when the
 *   printer is back;
 * - after the job the printer is asked again; a fault then (paper ran out during it) or a link lost
 *   mid-way means the paper may be incomplete: the job is `uncertain` and a copy marked
 *   « DUPLICATA » is queued — never a new number;
 * - each change of a printer's state goes to the staff and the site's terminals, each job's progress
 *   to its kiosk, so a citizen whose ticket did not print sees the number on screen.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PrinterDriver } from '../../../printers/driver';
import type { ReceiptDocument, SummaryDocument } from '../../../printers/documents';
import { encodeReceipt } from '../../../printers/escpos/encode';
import { asPrintLocale, printWords, type PrintLocale } from '../../../printers/i18n';
import { faultStatus, type PrinterStatus } from '../../../printers/status';
import type { PrinterView, PrintJobView } from '../../../shared/schemas/print';
import type { Clock } from '../clock';
import { immediately, type After } from '../events/after';
import type { Store } from '../store';
import type { Printer } from './printers.repository';
import type { PrintJob, PrintJobKind } from './print-jobs.repository';

/** What a job stores: the rendered layout (without the duplicate mark) and its language. */
export type StoredDocument =
  { locale: PrintLocale; receipt: ReceiptDocument } | { locale: PrintLocale; summary: SummaryDocument };

export interface PrintNotifier {
  printerStatus(siteId: string, view: PrinterView): void;
  printJob(siteId: string, terminalId: string | null, view: PrintJobView): void;
}

const maxBackoffMs = 30_000;

export type PrintingService = ReturnType<typeof createPrintingService>;

export function createPrintingService({
  store,
  clock,
  logger,
  notifier,
  driverFor,
  owner = { ownsSite: () => true, take: async () => true, handOff: () => {} }
}: {
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: PrintNotifier;
  /** The driver for a printer (its URI chosen at configuration). */
  driverFor: (printer: Printer) => PrinterDriver;
  /**
   * Several nodes: only the node holding the site's lease drives its printers (two would
   * interleave two tickets on one roll); another node hands the printer's jobs to it.
   */
  owner?: { ownsSite(siteId: string): boolean; take(siteId: string): Promise<boolean>; handOff(printerId: string): void };
}) {
  /** Last known state per printer: kept in memory, asked again before every job. */
  const statuses = new Map<string, { status: PrinterStatus; checkedAt: string }>();
  /** One loop per printer at a time, so two jobs never interleave on the paper. */
  const running = new Map<string, Promise<void>>();
  /** The site of each printer whose loop has read it (see `stoppedOn`). */
  const runningSite = new Map<string, string>();

  async function printerView(printer: Printer): Promise<PrinterView> {
    const known = statuses.get(printer.id);
    const waitingJobs = await store.printJobs.countWaitingForPrinter(printer.id);
    return {
      id: printer.id,
      name: printer.name,
      kind: printer.kind,
      uri: printer.uri,
      terminalId: printer.terminalId,
      fault: known?.status.fault ?? null,
      paperNearEnd: known?.status.paperNearEnd ?? false,
      waitingJobs,
      checkedAt: known?.checkedAt ?? null
    };
  }

  async function jobView(job: PrintJob): Promise<PrintJobView> {
    const printer = job.printerId ? await store.printers.findById(job.printerId) : null;
    const ticket = job.ticketId ? await store.tickets.findById(job.ticketId) : null;
    return {
      id: job.id,
      kind: job.kind,
      ticketLabel: ticket?.label ?? null,
      copy: job.copy,
      status: job.status,
      fault: job.fault,
      printerName: printer?.name ?? null,
      createdAt: job.createdAt
    };
  }

  /** `after`: a command asking the printers (`printer:list`) tells the change once it is acknowledged. */
  async function setStatus(
    printer: Printer,
    status: PrinterStatus,
    jobsChanged = false,
    after: After = immediately
  ): Promise<void> {
    // Compared and kept in one step: two statuses told at once each see the one before them.
    const before = statuses.get(printer.id)?.status;
    statuses.set(printer.id, { status, checkedAt: clock.now().toISOString() });
    // Outages are kept for the team's statistics. The first status after a start (`before` unknown)
    // also closes an outage left open by a stop, if the printer is ready now.
    if (before?.fault !== status.fault) {
      const at = clock.now().toISOString();
      if (status.fault) await store.printerFaults.open(printer.siteId, printer.id, status.fault, at);
      else await store.printerFaults.close(printer.id, at);
    }
    if (jobsChanged || before?.fault !== status.fault || before?.paperNearEnd !== status.paperNearEnd) {
      if (status.fault) logger.warn({ printer: printer.name, fault: status.fault }, 'printer fault');
      else if (before?.fault) {
        logger.info({ printer: printer.name }, 'printer ready again');
        // Jobs that waited for it go now, oldest first, instead of at their backoff time.
        await store.printJobs.retryNow(printer.id, clock.now().toISOString());
      }
      const view = await printerView(printer);
      after(() => notifier.printerStatus(printer.siteId, view));
    }
  }

  async function announce(job: PrintJob): Promise<void> {
    const fresh = (await store.printJobs.findById(job.id)) ?? job;
    notifier.printJob(fresh.siteId, fresh.terminalId, await jobView(fresh));
  }

  /** The bytes of a job: ESC/POS for receipts, a PDF for A4; copies carry the duplicate mark. */
  async function render(job: PrintJob): Promise<Buffer> {
    const stored = JSON.parse(job.document) as StoredDocument;
    const words = printWords[asPrintLocale(stored.locale)];
    if ('receipt' in stored) {
      const lines =
        job.copy > 0
          ? [
              { kind: 'text' as const, text: words.duplicate, align: 'center' as const, size: 2 as const, bold: true },
              ...stored.receipt.lines
            ]
          : stored.receipt.lines;
      return encodeReceipt({ lines });
    }
    // Loaded with the first summary: the PDF layout and its bidi tables are not needed to start.
    const { renderSummaryPdf } = await import('../../../printers/pdf/summary-pdf');
    return renderSummaryPdf({ ...stored.summary, duplicateLabel: job.copy > 0 ? words.duplicate : null });
  }

  function backoff(attempts: number): string {
    const ms = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(attempts, 10));
    return new Date(clock.now().getTime() + ms).toISOString();
  }

  /**
   * Queues a copy of a job, marked « DUPLICATA »: same document, same ticket, next copy number
   * (read and written in one transaction, or the caller's: two copies never get the same number).
   */
  function queueCopy(job: PrintJob): Promise<PrintJob> {
    return store.transaction(async () => {
      const copy: PrintJob = {
        ...job,
        id: randomUUID(),
        copy: (await store.printJobs.lastCopy(job.ticketId, job.id)) + 1,
        status: 'queued',
        fault: null,
        attempts: 0,
        createdAt: clock.now().toISOString(),
        nextAttemptAt: clock.now().toISOString(),
        printedAt: null
      };
      await store.printJobs.insert(copy);
      return copy;
    });
  }

  async function printOne(printer: Printer, job: PrintJob): Promise<'next' | 'stop'> {
    const driver = driverFor(printer);
    const before = await driver.status();
    if (before.fault) {
      await store.printJobs.markWaiting(job.id, before.fault, backoff(job.attempts), true);
      // Told after the job is marked, so the staff see how many jobs wait for this printer.
      await setStatus(printer, before, true);
      await announce(job);
      return 'stop';
    }
    await setStatus(printer, before);
    let bytes: Buffer;
    try {
      bytes = await render(job);
    } catch (error) {
      // A document that cannot be rendered will not render on retry either: kept, told, skipped.
      logger.error({ err: error, job: job.id }, 'print job could not be rendered');
      await store.printJobs.markWaiting(job.id, 'error', backoff(maxBackoffMs), true);
      await announce(job);
      return 'next';
    }
    let after: PrinterStatus;
    try {
      after = await driver.print(bytes, { jobId: job.id });
    } catch (error) {
      logger.warn({ err: error, printer: printer.name, job: job.id }, 'print job interrupted');
      await store.transaction(async () => {
        await store.printJobs.markUncertain(job.id, 'unreachable');
        await queueCopy(job);
      });
      await setStatus(printer, faultStatus('unreachable'));
      await announce(job);
      return 'stop';
    }
    await setStatus(printer, after);
    if (after.fault) {
      const fault = after.fault;
      await store.transaction(async () => {
        await store.printJobs.markUncertain(job.id, fault);
        await queueCopy(job);
      });
      await announce(job);
      return 'stop';
    }
    await store.printJobs.markPrinted(job.id, clock.now().toISOString());
    await announce(job);
    return 'next';
  }

  /** Prints what is due on one printer, in order, until done or a fault stops it. */
  async function drain(printer: Printer): Promise<void> {
    for (;;) {
      // Asked before every job: a node that lost the lease stops at the next one.
      if (!owner.ownsSite(printer.siteId)) return;
      const job = await store.printJobs.nextDueForPrinter(printer.id, clock.now().toISOString());
      if (!job) return;
      if ((await printOne(printer, job)) === 'stop') return;
    }
  }

  /** `handOff`: false for jobs another node handed here, never sent back (no owner: the next holder's tick). */
  function kick(printerId: string, handOff = true): Promise<void> {
    const current = running.get(printerId);
    if (current) return current.then(() => kick(printerId, handOff));
    // Marked running before the printer is read: a second kick meanwhile waits for this loop
    // instead of starting another on the same paper.
    let name: string | undefined;
    const loop = (async () => {
      const printer = await store.printers.findById(printerId);
      if (!printer) return;
      runningSite.set(printerId, printer.siteId);
      if (!owner.ownsSite(printer.siteId) && !(await owner.take(printer.siteId)))
        return handOff ? owner.handOff(printer.id) : undefined;
      name = printer.name;
      await drain(printer);
    })()
      .catch((error: unknown) => logger.error({ err: error, printer: name ?? printerId }, 'print loop failed'))
      .finally(() => {
        running.delete(printerId);
        runningSite.delete(printerId);
      });
    running.set(printerId, loop);
    return loop;
  }

  /** Asks the printer; when it is ready, what waits on it goes now (after `after`), not at its backoff time. */
  async function askThenPrint(printer: Printer, after: After, handOff: boolean): Promise<void> {
    const status = await driverFor(printer).status();
    await setStatus(printer, status, false, after);
    if (!status.fault) {
      await store.printJobs.retryNow(printer.id, clock.now().toISOString());
      after(() => void kick(printer.id, handOff));
    }
  }

  /** A `tick` still reading the store when the next second comes: that round is skipped. */
  let ticking = false;

  /** A job as it is first stored: queued, to be tried at once. */
  function newJob(input: {
    siteId: string;
    printerId: string | null;
    terminalId: string | null;
    kind: PrintJobKind;
    ticketId?: string | null;
    sessionId?: string | null;
    document: StoredDocument;
  }): PrintJob {
    const now = clock.now().toISOString();
    return {
      id: randomUUID(),
      siteId: input.siteId,
      printerId: input.printerId,
      kind: input.kind,
      ticketId: input.ticketId ?? null,
      sessionId: input.sessionId ?? null,
      terminalId: input.terminalId,
      document: JSON.stringify(input.document),
      copy: 0,
      status: 'queued',
      fault: null,
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      printedAt: null
    };
  }

  return {
    printerView,
    jobView,

    /**
     * Stores a job for the terminal's printer of that kind (inside the caller's transaction when
     * there is one). With no printer configured, the job waits with fault `unreachable`: the
     * number is still on screen, and the staff see it.
     */
    enqueue(input: {
      siteId: string;
      terminalId: string | null;
      kind: PrintJobKind;
      ticketId?: string | null;
      sessionId?: string | null;
      document: StoredDocument;
    }): Promise<PrintJob> {
      // Stored and marked together: a job without a printer is never seen as merely queued.
      return store.transaction(async () => {
        const kind = input.kind === 'summary_a4' ? 'a4' : 'receipt';
        const printer = await store.printers.findFor(input.siteId, input.terminalId, kind);
        const job = newJob({ ...input, printerId: printer?.id ?? null });
        await store.printJobs.insert(job);
        if (!printer) {
          await store.printJobs.markWaiting(job.id, 'unreachable', new Date(8.64e15).toISOString(), false);
          return { ...job, status: 'waiting', fault: 'unreachable' };
        }
        return job;
      });
    },

    /** Stores a job for one given printer (a test page from the console), whatever terminal it serves. */
    async enqueueOn(printer: Printer, input: { kind: PrintJobKind; document: StoredDocument }): Promise<PrintJob> {
      const job = newJob({ ...input, siteId: printer.siteId, printerId: printer.id, terminalId: null });
      await store.printJobs.insert(job);
      return job;
    },

    /**
     * A printer another node handed over (this node holds its site's lease): asked now, as the
     * console's « check » does, and what waits on it printed, its backoff cut short when it is ready.
     */
    async handedOver(printerId: string): Promise<void> {
      const printer = await store.printers.findById(printerId);
      if (!printer || !owner.ownsSite(printer.siteId) || running.has(printer.id)) return kick(printerId, false);
      await askThenPrint(printer, immediately, false);
    },

    /** Starts printing a job's printer (after the transaction that stored it). */
    start(job: PrintJob): Promise<void> {
      return job.printerId ? kick(job.printerId) : Promise.resolve();
    },

    /** A copy marked « DUPLICATA » of a printed (or uncertain) job: same number, same document. */
    async reprint(siteId: string, jobId: string): Promise<PrintJob | null> {
      const job = await store.printJobs.findById(jobId);
      if (!job || job.siteId !== siteId || job.document === '') return null;
      return queueCopy(job);
    },

    /** Every site's printers and their last known state, in one read: what /metrics shows. */
    async printerStates(): Promise<{ siteId: string; state: string }[]> {
      return (await store.printers.listAll()).map((printer) => {
        const known = statuses.get(printer.id);
        return { siteId: printer.siteId, state: known?.status.fault ?? (known ? 'ready' : 'unknown') };
      });
    },

    async listPrinters(siteId: string): Promise<PrinterView[]> {
      const views: PrinterView[] = [];
      for (const printer of await store.printers.listInSite(siteId)) views.push(await printerView(printer));
      return views;
    },

    /** Every second: jobs whose backoff is over are tried again (which asks their printer). */
    async tick(): Promise<void> {
      if (ticking) return;
      ticking = true;
      try {
        const now = clock.now().toISOString();
        const due = (await store.printJobs.listDue(now)).filter((j) => owner.ownsSite(j.siteId));
        const printerIds = new Set(due.flatMap((j) => (j.printerId ? [j.printerId] : [])));
        for (const id of printerIds) if (!running.has(id)) void kick(id);
      } finally {
        ticking = false;
      }
    },

    /**
     * Resolves once no loop prints on these sites' printers: this node no longer owns them (it gives
     * them to another node), so each loop stops before its next job, the one under way printed
     * whole. A loop that had not read its printer yet finds the site not owned and prints nothing.
     */
    async stoppedOn(siteIds: string[]): Promise<void> {
      const sites = new Set(siteIds);
      for (;;) {
        const loops = [...running].filter(([id]) => sites.has(runningSite.get(id) ?? '')).map(([, loop]) => loop);
        if (loops.length === 0) return;
        await Promise.all(loops);
      }
    },

    /** Resolves when no printer loop is running (tests and shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all(running.values());
    },

    /**
     * Asks every printer of the site now (manager console, tablet start). A command passes its
     * `after`: what changed, and the jobs it lets go, follow its ack.
     */
    async refresh(siteId: string, after: After = immediately): Promise<PrinterView[]> {
      const printers = await store.printers.listInSite(siteId);
      await Promise.all(
        printers.map(async (printer) => {
          // Asked by the node that drives it; here its jobs are handed to that node.
          if (!owner.ownsSite(siteId)) return after(() => owner.handOff(printer.id));
          if (running.has(printer.id)) return;
          await askThenPrint(printer, after, true);
        })
      );
      const views: PrinterView[] = [];
      for (const printer of printers) views.push(await printerView(printer));
      return views;
    }
  };
}
