/**
 * Turns a receipt document into ESC/POS bytes with node-thermal-printer (EPSON command set).
 * The library's known pitfalls are worked around here, in one place:
 * - The character set is always set first (PC858: French accents and the euro sign); without it
 *   the printer stays on PC437 and « é » comes out as another glyph.
 * - `cut()` appends ESC @, which resets the code page: one receipt per buffer, cut last, so nothing
 *   is ever printed after that reset.
 * - Its line folding counts characters at normal width whatever the text size: text is folded
 *   here to the width of its size, and handed to the library with folding off.
 * - `printQR` counts the payload in characters while the printer counts bytes: payloads must be
 *   ASCII, checked here.
 * - It has no real-time status: drivers send DLE EOT themselves (see `../status.ts`).
 * - It writes text as given: a control character in a site name would reach the printer as a
 *   command, so every text loses its control characters first (`../printable-text.ts`).
 * - `setTextSize(height, width)` writes its arguments the wrong way round (GS ! takes the width in
 *   the high nibble): sizes here are always square, so the order does not matter.
 */
import { createRequire } from 'node:module';
import type { ReceiptDocument, ReceiptLine } from '../documents';
import { documentWithoutControls } from '../printable-text';

// A CommonJS package without ESM entry: loaded through require, at the first receipt rather than
// at every start of a server that may not print for hours.
const require = createRequire(import.meta.url);
let thermal: typeof import('node-thermal-printer') | undefined;
const library = () => (thermal ??= require('node-thermal-printer') as typeof import('node-thermal-printer'));

export interface EncodeOptions {
  /** Characters per line at normal size: 48 on 80 mm paper (font A), 32 on 58 mm. */
  width?: number;
}

/** French puts a space before these signs; a line never starts with one (« ? » alone on a line). */
const CLINGING = /^[?!:;»]+$/;

/**
 * The words of a paragraph, each French high sign (and a closing « ») kept with the word before
 * it: the space between them is the narrow no-break one of French typography, printed as a plain
 * space (see `toPrintable`).
 */
function unbreakableWords(paragraph: string): string[] {
  const words: string[] = [];
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    if (CLINGING.test(word) && words.length > 0) words[words.length - 1] += ` ${word}`;
    else words.push(word);
  }
  return words;
}

/** Folds text into lines of at most `width` characters, breaking between words where it can. */
export function foldText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of unbreakableWords(paragraph)) {
      let rest = word;
      while (rest.length > width) {
        if (line) lines.push(line);
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
        line = '';
      }
      if (!line) line = rest;
      else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
      else {
        lines.push(line);
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Typographic characters PC858 lacks: the library would switch code page for each one (ESC t),
 * and some printers ignore that switch. Their plain equivalents print everywhere.
 */
const plain: Record<string, string> = {
  '’': "'",
  '‘': "'",
  '“': '"',
  '”': '"',
  '—': '-',
  '–': '-',
  '…': '...',
  '\u202f': ' ',
  '\u00a0': ' '
};
export function toPrintable(text: string): string {
  // Escaped: one character above U+00FF in the built server's source makes V8 keep all of it
  // two bytes per character (’ ‘ “ ” — – …).
  return text.replace(/[\u2019\u2018\u201c\u201d\u2014\u2013\u2026\u202f\u00a0]/g, (c) => plain[c] ?? c);
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

export function encodeReceipt(document: ReceiptDocument, options: EncodeOptions = {}): Buffer {
  const width = options.width ?? 48;
  const { printer: ThermalPrinter, types: PrinterTypes, characterSet: CharacterSet, BreakLine } = library();
  const printer = new ThermalPrinter({
    // No interface: the library only builds the bytes; Guichet's drivers send them and ask status.
    interface: '',
    type: PrinterTypes.EPSON,
    width,
    characterSet: CharacterSet.PC858_EURO,
    removeSpecialCharacters: false,
    breakLine: BreakLine.NONE
  });
  for (const line of documentWithoutControls(document).lines) writeLine(printer, line, width);
  printer.cut();
  return Buffer.from(printer.getBuffer());
}

type Printer = InstanceType<typeof import('node-thermal-printer').printer>;

function writeLine(printer: Printer, line: ReceiptLine, width: number): void {
  switch (line.kind) {
    case 'text': {
      const size = line.size ?? 1;
      if (line.align === 'center') printer.alignCenter();
      else if (line.align === 'right') printer.alignRight();
      else printer.alignLeft();
      printer.bold(line.bold ?? false);
      // setTextSize takes 0–7 as "multiplier minus one".
      printer.setTextSize(size - 1, size - 1);
      for (const folded of foldText(toPrintable(line.text), Math.floor(width / size))) printer.println(folded);
      printer.setTextNormal();
      printer.bold(false);
      return;
    }
    case 'rule':
      printer.alignLeft();
      printer.drawLine('-');
      return;
    case 'feed':
      for (let i = 0; i < line.lines; i++) printer.newLine();
      return;
    case 'qr':
      if (!isAscii(line.data)) throw new Error('A QR payload must be printable ASCII');
      printer.alignCenter();
      printer.printQR(line.data, { cellSize: 6, correction: 'M', model: 2 });
      printer.newLine();
      printer.alignLeft();
      return;
  }
}
