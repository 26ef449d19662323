/**
 * The short summary on the receipt printer: procedure, what was prepared (choices only), documents
 * to bring, next step, the agent's first name if one helped, the reference. Printed in the
 * citizen's language when the printer's code page has it, otherwise in French with a line saying
 * the A4 summary can be had in their language.
 */
import type { Procedure } from '../../shared/procedures/schema';
import type { Answers } from '../../shared/procedures/answers';
import type { ReceiptDocument, ReceiptLine } from '../documents';
import { printWords, receiptLocale } from '../i18n';
import { formatPrintDate, summaryContent } from './summary';

export function summaryReceipt(input: {
  procedure: Procedure;
  answers: Answers;
  locale: string;
  siteName: string;
  timezone: string;
  reference: string;
  agentName: string | null;
  at: Date;
  copy: number;
}): ReceiptDocument {
  const locale = receiptLocale(input.locale);
  const words = printWords[locale];
  const content = summaryContent(input.procedure, input.answers, locale);
  const lines: ReceiptLine[] = [];
  if (input.copy > 0) lines.push({ kind: 'text', text: words.duplicate, align: 'center', size: 2, bold: true });
  lines.push(
    { kind: 'text', text: input.siteName, align: 'center', bold: true },
    { kind: 'text', text: words.summary, align: 'center', size: 2, bold: true },
    { kind: 'text', text: content.procedureTitle, align: 'center', bold: true },
    { kind: 'text', text: formatPrintDate(input.at, locale, input.timezone), align: 'center' },
    { kind: 'rule' }
  );
  if (content.prepared.length > 0) {
    lines.push({ kind: 'text', text: words.prepared, bold: true });
    for (const item of content.prepared) lines.push({ kind: 'text', text: `${item.label} ${item.value}` });
    lines.push({ kind: 'rule' });
  }
  if (content.documents.length > 0) {
    lines.push({ kind: 'text', text: words.documents, bold: true });
    for (const doc of content.documents) lines.push({ kind: 'text', text: `[ ] ${doc}` });
    lines.push({ kind: 'rule' });
  }
  if (content.nextSteps.length > 0) {
    lines.push({ kind: 'text', text: words.nextSteps, bold: true });
    for (const step of content.nextSteps) lines.push({ kind: 'text', text: step });
    lines.push({ kind: 'rule' });
  }
  if (input.agentName) lines.push({ kind: 'text', text: words.helpedBy(input.agentName) });
  lines.push(
    { kind: 'text', text: words.reference, align: 'center' },
    { kind: 'text', text: input.reference, align: 'center', size: 2, bold: true },
    { kind: 'text', text: words.keepThis, align: 'center' }
  );
  if (locale !== input.locale) lines.push({ kind: 'text', text: words.summaryInLanguage, align: 'center' });
  lines.push({ kind: 'qr', data: input.reference.replace(/[^\x20-\x7e]/g, '') });
  return { lines };
}
