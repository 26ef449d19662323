/**
 * The queue ticket: site, service, the number very large, date and time, how many people are
 * before, where to wait, and a QR code with an ASCII payload (the ticket's label and day) that a
 * counter's scanner can read. A reprint carries « DUPLICATA » and the same number.
 */
import type { ReceiptDocument, ReceiptLine } from '../documents';
import { printWords, receiptLocale } from '../i18n';
import { formatPrintDate } from './summary';

export interface TicketPrint {
  label: string;
  serviceName: string;
  priority: boolean;
  peopleAhead: number;
  /** Site-local day, YYYY-MM-DD: with the label, what identifies the ticket. */
  day: string;
  issuedAt: Date;
  siteName: string;
  timezone: string;
  /** The citizen's kiosk language; the ticket is printed in it when the printer can. */
  locale: string;
  copy: number;
}

function ticketQrPayload(ticket: Pick<TicketPrint, 'label' | 'day'>): string {
  return `GUICHET ${ticket.label} ${ticket.day}`;
}

export function ticketReceipt(ticket: TicketPrint): ReceiptDocument {
  const locale = receiptLocale(ticket.locale);
  const words = printWords[locale];
  const lines: ReceiptLine[] = [];
  if (ticket.copy > 0) lines.push({ kind: 'text', text: words.duplicate, align: 'center', size: 2, bold: true });
  lines.push(
    { kind: 'text', text: ticket.siteName, align: 'center', bold: true },
    { kind: 'text', text: ticket.serviceName, align: 'center' },
    { kind: 'rule' },
    { kind: 'text', text: words.yourNumber, align: 'center' },
    { kind: 'text', text: ticket.label, align: 'center', size: 4, bold: true }
  );
  if (ticket.priority) lines.push({ kind: 'text', text: words.priority, align: 'center', size: 2, bold: true });
  lines.push(
    { kind: 'text', text: words.peopleAhead(ticket.peopleAhead), align: 'center', size: 2 },
    { kind: 'feed', lines: 1 },
    { kind: 'text', text: words.waitHere, align: 'center' },
    { kind: 'text', text: formatPrintDate(ticket.issuedAt, locale, ticket.timezone), align: 'center' },
    { kind: 'qr', data: ticketQrPayload(ticket) }
  );
  return { lines };
}
