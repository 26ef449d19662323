/**
 * What Guichet prints, independent of the printer: a receipt is a list of styled lines (one receipt,
 * one buffer, one cut), and the A4 summary is a structured document rendered as a tagged PDF.
 * Layouts build these; drivers turn them into bytes.
 */

export type Align = 'left' | 'center' | 'right';

export type ReceiptLine =
  /** `size` multiplies the character width and height (1 normal, up to 4 for a ticket number). */
  | { kind: 'text'; text: string; align?: Align; size?: 1 | 2 | 3 | 4; bold?: boolean }
  /** A full-width rule of dashes. */
  | { kind: 'rule' }
  /** Blank lines. */
  | { kind: 'feed'; lines: number }
  /** A QR code; its payload must be ASCII (the library counts characters, the printer bytes). */
  | { kind: 'qr'; data: string };

export interface ReceiptDocument {
  lines: ReceiptLine[];
}

/** The A4 summary of a prepared procedure, already translated into the citizen's language. */
export interface SummaryDocument {
  /** BCP 47 language of the text, written into the PDF (`/Lang`). */
  lang: string;
  dir: 'ltr' | 'rtl';
  /** e.g. « Récapitulatif » */
  title: string;
  /** Marked at the top when this copy is a reprint. */
  duplicateLabel: string | null;
  siteName: string;
  procedureTitle: string;
  /** Formatted in the site's time zone, e.g. « 23 novembre 2026, 15 h 40 ». */
  date: string;
  referenceLabel: string;
  reference: string;
  preparedHeading: string;
  /** What was prepared, as little personal data as possible. */
  prepared: { label: string; value: string }[];
  documentsHeading: string;
  /** The checklist, each printed with an empty box to tick. */
  documents: string[];
  nextStepsHeading: string;
  nextSteps: string[];
  counterHeading: string;
  counter: { address: string; phone: string; hours: string[] };
  /** « Avec l'aide de Marie » when an agent helped; null otherwise. */
  helpedBy: string | null;
}
