/**
 * The test page a site manager prints from the console, to check a printer end to end: the site,
 * the printer's name, the date and time, a line of French accents and the euro sign (the code page
 * is right), a QR code (the printer draws them), and « Page de test Guichet ». On a receipt printer
 * it is a receipt; on an A4 printer a one-page PDF through the summary's renderer (which draws no
 * QR code: its reference box says « TEST » instead).
 */
import type { ReceiptDocument, SummaryDocument } from '../documents';
import { formatPrintDate } from './summary';

export interface TestPageInput {
  siteName: string;
  printerName: string;
  at: Date;
  timezone: string;
  /** Printed on the A4 page only, where the summary's layout has room for them. */
  address?: string;
  phone?: string;
}

const testPageTitle = 'Page de test Guichet';
/** The characters a French receipt needs that plain ASCII lacks, all in the printer's code page (PC858). */
export const testPageCharacters = 'é è ê ë à â ç ô ù û ï î É È À Ç € « » °';

/** ASCII only: a QR payload is counted in bytes by the printer (see escpos/encode.ts). */
function testPageQrPayload(input: Pick<TestPageInput, 'at'>): string {
  return `GUICHET TEST ${input.at.toISOString().slice(0, 19)}Z`;
}

export function testPageReceipt(input: TestPageInput): ReceiptDocument {
  return {
    lines: [
      { kind: 'text', text: testPageTitle, align: 'center', size: 2, bold: true },
      { kind: 'text', text: input.siteName, align: 'center', bold: true },
      { kind: 'text', text: `Imprimante : ${input.printerName}`, align: 'center' },
      { kind: 'text', text: formatPrintDate(input.at, 'fr', input.timezone), align: 'center' },
      { kind: 'rule' },
      { kind: 'text', text: testPageCharacters },
      { kind: 'text', text: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789' },
      { kind: 'rule' },
      { kind: 'qr', data: testPageQrPayload(input) },
      { kind: 'text', text: 'Si vous lisez bien cette page, l’imprimante est prête.', align: 'center' }
    ]
  };
}

export function testPageA4(input: TestPageInput): SummaryDocument {
  return {
    lang: 'fr',
    dir: 'ltr',
    title: testPageTitle,
    duplicateLabel: null,
    siteName: input.siteName,
    procedureTitle: `Imprimante : ${input.printerName}`,
    date: formatPrintDate(input.at, 'fr', input.timezone),
    referenceLabel: 'Guichet',
    reference: 'TEST',
    preparedHeading: 'Caractères',
    prepared: [
      { label: 'Accents et symboles :', value: testPageCharacters },
      { label: 'Lettres et chiffres :', value: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789' }
    ],
    documentsHeading: 'Papiers',
    documents: [],
    nextStepsHeading: 'Et ensuite ?',
    nextSteps: ['Si vous lisez bien cette page, l’imprimante est prête.'],
    counterHeading: 'Site',
    counter: { address: input.address ?? '', phone: input.phone ?? '', hours: [] },
    helpedBy: null
  };
}
