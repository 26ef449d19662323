/**
 * The kiosk's tickets and printed papers: what was asked, and what the printer did with it. The
 * ticket's number stays on screen whatever happens to the paper; a printer fault is said plainly.
 */
import type { Connection } from '$lib/socket.svelte';
import type { PrintJobView, TicketView } from '$shared/schemas/print';
import type { SessionLocale } from '$shared/schemas/session';

export class KioskPrinting {
  /** The ticket just taken, shown large until the citizen closes it. */
  ticket = $state.raw<TicketView | null>(null);
  /** The last summary sent to a printer from this kiosk. */
  summary = $state.raw<PrintJobView | null>(null);
  busy = $state(false);
  /** Summaries already asked for, per session and format: pressing twice prints once. */
  private asked = new Map<string, string>();

  constructor(private readonly connection: Connection) {
    connection.socket.on('print:job', (job) => {
      if (this.ticket && this.ticket.print.id === job.id) this.ticket = { ...this.ticket, print: job };
      else if (this.ticket && job.ticketLabel === this.ticket.label && job.copy > this.ticket.print.copy) {
        // A copy follows an interrupted ticket: the screen follows the copy.
        this.ticket = { ...this.ticket, print: job };
      }
      if (this.summary && (this.summary.id === job.id || (job.kind === this.summary.kind && job.copy > this.summary.copy))) {
        this.summary = job;
      }
    });
  }

  async takeTicket(service: string, locale: SessionLocale, priority = false): Promise<boolean> {
    this.busy = true;
    try {
      const ack = await this.connection.command('ticket:take', { requestId: crypto.randomUUID(), service, priority, locale });
      if (!ack.ok) return false;
      this.ticket = ack.data;
      return true;
    } finally {
      this.busy = false;
    }
  }

  async printSummary(sessionId: string, format: 'receipt' | 'a4'): Promise<boolean> {
    const key = `${sessionId}:${format}`;
    const requestId = this.asked.get(key) ?? crypto.randomUUID();
    this.asked.set(key, requestId);
    const ack = await this.connection.command('print:summary', { requestId, sessionId, format });
    if (!ack.ok) return false;
    this.summary = ack.data;
    return true;
  }

  closeTicket(): void {
    this.ticket = null;
  }

  /** A new session starts clean: nothing of the previous citizen's papers stays on screen. */
  reset(): void {
    this.ticket = null;
    this.summary = null;
    this.asked.clear();
  }
}

/** What the screen says about a job's paper. */
export type PaperState = 'printing' | 'printed' | 'fault' | 'copy';

export function paperState(job: PrintJobView): PaperState {
  if (job.status === 'printed') return 'printed';
  if (job.status === 'waiting') return 'fault';
  if (job.status === 'uncertain') return 'copy';
  return 'printing';
}
