/**
 * Tickets, print jobs and printers as the kiosk, the tablets and the manager console see them.
 * A ticket's number is shown on the kiosk screen whatever happens to the paper.
 */
import { z } from '../zod';

const id = z.string().min(1).max(100);

export const printerFaults = ['unreachable', 'no_answer', 'offline', 'cover_open', 'paper_end', 'queue_paused', 'error'] as const;
export type PrinterFaultCode = (typeof printerFaults)[number];

export const ticketTakeInput = z
  .object({
    /** The kiosk's id for this command: a replay gives the same ticket, never a second number. */
    requestId: id,
    /** The service (queue) of a procedure, or `accueil` for the reception desk. */
    service: z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'a service id'),
    /** After a help call nobody could answer: the ticket goes before the others. */
    priority: z.boolean().default(false),
    locale: z.enum(['fr', 'en', 'ar']).default('fr')
  })
  .strict();

export const printSummaryInput = z.object({ requestId: id, sessionId: id, format: z.enum(['receipt', 'a4']) }).strict();

export const printReprintInput = z.object({ jobId: id }).strict();

/** Adds a printer (no `id`) or changes one. The URI is checked against the kind on the server. */
export const printerSaveInput = z
  .object({
    id: id.optional(),
    name: z.string().trim().min(1, 'a name is required').max(80),
    kind: z.enum(['receipt', 'a4']),
    uri: z.string().trim().min(1, 'the printer address is required').max(300),
    /** The kiosk it is attached to; null when the site's terminals share it. */
    terminalId: id.nullable()
  })
  .strict();

/** A test page on one printer, from the console. */
export const printerTestInput = z.object({ printerId: id }).strict();

type PrintJobStatusCode = 'queued' | 'waiting' | 'printed' | 'uncertain' | 'cancelled';

export interface PrintJobView {
  id: string;
  kind: 'ticket' | 'summary_receipt' | 'summary_a4' | 'test_page';
  /** The ticket's label (« T-042 ») for ticket jobs. */
  ticketLabel: string | null;
  /** 0 original; 1+ « DUPLICATA ». */
  copy: number;
  status: PrintJobStatusCode;
  fault: PrinterFaultCode | null;
  printerName: string | null;
  createdAt: string;
}

export interface TicketView {
  id: string;
  label: string;
  service: string;
  serviceName: string;
  priority: boolean;
  peopleAhead: number;
  /** The usual wait in minutes from the site's own history at this hour; null until there is enough. */
  waitMinutes: { low: number; high: number } | null;
  issuedAt: string;
  /** The ticket's print job, so the kiosk can follow the paper. */
  print: PrintJobView;
}

export interface PrinterView {
  id: string;
  name: string;
  kind: 'receipt' | 'a4';
  uri: string;
  terminalId: string | null;
  /** null: ready (or not asked yet). */
  fault: PrinterFaultCode | null;
  paperNearEnd: boolean;
  /** Jobs waiting for this printer to come back. */
  waitingJobs: number;
  checkedAt: string | null;
}

/** What the demo printers printed: receipts decoded from their bytes, and the A4 PDFs. */
export interface DemoOutput {
  receipts: DemoReceipt[];
  /** Newest first; each readable at `/api/demo-a4/<name>` by a manager. */
  a4: { name: string; at: string }[];
}

/** What the demo printer received, decoded, for the manager console. */
export interface DemoReceipt {
  at: string;
  lines: { text: string; align: 'left' | 'center' | 'right'; size: number; bold: boolean }[];
  qr: string[];
}
