/**
 * What a printer says about itself, and the one fault Guichet acts on. Receipt printers answer
 * ESC/POS real-time status requests (DLE EOT n); CUPS queues answer through `lpstat`.
 */

export type PrinterFault =
  /** Nothing listens at the address (connection refused, no route, no device). */
  | 'unreachable'
  /** Connected, but the printer did not answer the status request in time. */
  | 'no_answer'
  | 'offline'
  | 'cover_open'
  | 'paper_end'
  /** A CUPS queue that is paused or refuses jobs (`lp` still exits 0 there). */
  | 'queue_paused'
  | 'error';

export interface PrinterStatus {
  /** null: ready to print. */
  fault: PrinterFault | null;
  /** The roll is nearly out: print, but tell the staff. */
  paperNearEnd: boolean;
}

export const readyStatus: PrinterStatus = { fault: null, paperNearEnd: false };

/** A printer that cannot print for this reason (whether its paper is low is unknown then). */
export const faultStatus = (fault: PrinterFault): PrinterStatus => ({ fault, paperNearEnd: false });

/** Real-time status requests: DLE EOT 1 (printer), 2 (offline cause), 4 (roll paper sensor). */
export const DLE_EOT = (n: 1 | 2 | 4) => Buffer.from([0x10, 0x04, n]);

/**
 * Reads the three DLE EOT answers (one byte each; bits 1 and 4 are always set, bits 0 and 7 clear).
 * - n=1, bit 3: offline.
 * - n=2, bit 2: cover open; bit 5: stopped by paper end; bit 6: error.
 * - n=4, bits 2–3: paper near end; bits 5–6: paper end.
 */
export function parseDleEot(printer: number, offline: number, paper: number): PrinterStatus {
  const paperEnd = (paper & 0x60) !== 0 || (offline & 0x20) !== 0;
  const paperNearEnd = (paper & 0x0c) !== 0;
  let fault: PrinterFault | null = null;
  if (offline & 0x04) fault = 'cover_open';
  else if (paperEnd) fault = 'paper_end';
  else if (offline & 0x40) fault = 'error';
  else if (printer & 0x08) fault = 'offline';
  return { fault, paperNearEnd };
}

/** The bytes a printer in a given state answers to DLE EOT 1, 2 and 4 (for the virtual printer). */
export function dleEotAnswer(
  n: number,
  state: { online: boolean; coverOpen: boolean; paperEnd: boolean; paperNearEnd: boolean }
): number {
  const base = 0x12;
  if (n === 1) return base | (state.online && !state.coverOpen && !state.paperEnd ? 0 : 0x08);
  if (n === 2) return base | (state.coverOpen ? 0x04 : 0) | (state.paperEnd ? 0x20 : 0);
  if (n === 4) return base | (state.paperNearEnd || state.paperEnd ? 0x0c : 0) | (state.paperEnd ? 0x60 : 0);
  return base;
}
