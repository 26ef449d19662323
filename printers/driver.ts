/** A printer as Guichet uses it: ask its status, send it one job. Chosen per terminal by its URI. */
import type { PrinterStatus } from './status';

export type PrinterKind = 'receipt' | 'a4';

/** Which stored job the bytes are: real printers ignore it; the demo's tag their output with it. */
interface PrintContext {
  jobId: string;
}

export interface PrinterDriver {
  readonly uri: string;
  readonly kind: PrinterKind;
  /** Asks the printer over the same transport the job takes. Never throws: a fault is a status. */
  status(): Promise<PrinterStatus>;
  /**
   * Sends one job (ESC/POS bytes for a receipt, a PDF for A4) and then asks the status again.
   * Resolves with the status after the job; rejects only when the job may not have been sent whole
   * (connection lost mid-way): the caller then treats any later copy as a duplicate.
   */
  print(job: Buffer, context?: PrintContext): Promise<PrinterStatus>;
}
