/**
 * The A4 summary as a tagged PDF 1.7: document language, title shown by the viewer, a structure tree
 * (H1, H2, P, L/LI/Lbl/LBody) and decorations marked as artifacts. Large type for elderly and
 * low-vision readers, a box to tick beside each paper to bring, and a mirrored layout for
 * right-to-left languages.
 *
 * pdfkit shapes Arabic (joining forms) through fontkit but puts words left to right, so every line is
 * wrapped and put in visual order here (see bidi-lines.ts) and drawn run by run, each run in the font
 * of its script: Atkinson Hyperlegible for Latin, DejaVu Sans for Arabic. DejaVu Sans draws each form
 * of each Arabic letter as a glyph of its own, so the glyph-to-text map of the PDF gives back the
 * exact letters (a font that builds several letters from one dotless glyph plus dots cannot).
 */
import { readFileSync } from 'node:fs';
import type { SummaryDocument } from '../documents';
import { documentWithoutControls } from '../printable-text';
import {
  analyzeParagraph,
  isolateDigitGroups,
  lineRuns,
  shaperInput,
  shaperReverses,
  wrapLines,
  type BaseDirection,
  type Direction,
  type Script
} from './bidi-lines';

type Pdf = PDFKit.PDFDocument;
type StructElement = PDFKit.PDFStructureElement;

const FONT_FILES = {
  latin: 'AtkinsonHyperlegible-Regular.ttf',
  latinBold: 'AtkinsonHyperlegible-Bold.ttf',
  arabic: 'DejaVuSans.ttf',
  arabicBold: 'DejaVuSans-Bold.ttf'
} as const;
type FontKey = keyof typeof FONT_FILES;

/** What is used of a parsed fontkit font (pdfkit accepts one in place of a file since 0.20). */
interface ParsedFont {
  glyphForCodePoint(codePoint: number): unknown;
}

let parsedFonts: Record<FontKey, ParsedFont> | undefined;

/**
 * pdfkit and fontkit (its font engine) hold some 10 MB once loaded: they are loaded with the first
 * PDF, not at every start of a server that may never print one.
 */
async function pdfEngine() {
  const [{ default: PDFDocument }, fontkit] = await Promise.all([
    import('pdfkit'),
    // fontkit ships no type declarations.
    // @ts-expect-error -- untyped module, see ParsedFont
    import('fontkit') as Promise<{ create(data: Buffer): unknown }>
  ]);
  return { PDFDocument, parseFont: fontkit.create };
}

/**
 * The fonts, read and parsed once per process (parsing the OpenType tables is most of the cost of a
 * PDF otherwise); each PDF still embeds its own subset.
 */
function fonts(parseFont: (data: Buffer) => unknown): Record<FontKey, ParsedFont> {
  parsedFonts ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([key, file]) => {
      const font = parseFont(readFileSync(new URL(`../fonts/${file}`, import.meta.url))) as ParsedFont;
      if (key.startsWith('arabic')) mapLamAlef(font);
      return [key, font];
    })
  ) as Record<FontKey, ParsedFont>;
  return parsedFonts;
}

/**
 * Lam followed by alef (ل with ا أ إ آ) is drawn as one ligature glyph, which the PDF maps back to text
 * in one piece. Mapped to the two letters, it comes out turned around (« ال » for « لا ») from the
 * extractors that read a right-to-left line by the position of its characters (poppler's pdftotext
 * among them): they spread the letters of a glyph left to right, then reverse the line. The font's own
 * character map gives each of these glyphs one character, the Unicode lam-alef ligature (U+FEF5 to
 * U+FEFC), which no extractor can turn around and which compatibility normalization (NFKC) takes back
 * to the two letters. fontkit maps a glyph to the characters it was first looked up for: looking the
 * ligatures up first, once per process, gives them that map in every PDF.
 */
function mapLamAlef(font: ParsedFont): void {
  for (let codePoint = 0xfef5; codePoint <= 0xfefc; codePoint++) font.glyphForCodePoint(codePoint);
}

// Points (1/72 in). A4 is 595.28 × 841.89.
const MARGIN_X = 57; // 20 mm
const MARGIN_TOP = 48;
const MARGIN_BOTTOM = 54;

interface Style {
  size: number;
  bold: boolean;
}

const TITLE: Style = { size: 24, bold: true };
const DUPLICATE: Style = { size: 20, bold: true };
const PROCEDURE: Style = { size: 19, bold: true };
const SITE: Style = { size: 15, bold: false };
const HEADING: Style = { size: 17, bold: true };
const BODY: Style = { size: 14, bold: false };
const BODY_BOLD: Style = { size: 14, bold: true };
const REFERENCE: Style = { size: 28, bold: true };
const PAGE_NUMBER: Style = { size: 12, bold: false };

/** Space between paragraphs, and before a section heading. */
const PARAGRAPH_GAP = 5;
const SECTION_GAP = 16;
/** Line heights, in ems: Arabic needs room above and below the Latin band for its marks and descenders. */
const LATIN_LINE = 1.3;
const ARABIC_LINE = 1.6;
/** Checkbox side and the indent of list text (box or number, then a gap). */
const BOX = 15;
const LIST_INDENT = 30;

/** Glyphs the Latin font lacks, replaced by their nearest equivalent. */
const SUBSTITUTES: Record<string, string> = { '\u202f': '\u00a0', '\u2009': ' ', '\u2010': '-', '\u2011': '-', '\u200b': '' };
const SUBSTITUTED = new RegExp(`[${Object.keys(SUBSTITUTES).join('')}]`, 'g');
function printable(text: string): string {
  return text.replace(SUBSTITUTED, (ch) => SUBSTITUTES[ch] ?? ch);
}

const RTL_LETTER = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;
const CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

interface LaidRun {
  font: FontKey;
  /** In the order the shaper needs (see `shaperInput`). */
  text: string;
  /** Shape the run as one piece: pdfkit otherwise lays each space-separated word out separately, left to right. */
  whole: boolean;
  width: number;
}

interface LaidLine {
  runs: LaidRun[];
  width: number;
}

interface LaidBlock {
  size: number;
  lines: LaidLine[];
  lineHeight: number;
  /** From the top of a line to its baseline. */
  baseline: number;
  height: number;
  /**
   * The text as read, for the structure element's /ActualText when it holds right-to-left letters. The
   * page content has such lines in visual order, with lam-alef as ligature characters and brackets
   * mirrored: a reader of the structure tree that takes the content as it comes gets the text
   * backwards; with this it gets the text in reading order, exactly as written.
   */
  actual: string | undefined;
}

type Align = 'start' | 'center';

interface DrawOptions {
  /** The column: left edge and width (the whole text width by default). */
  x?: number;
  width?: number;
  align?: Align;
  /** Leave the vertical position where it was (for side-by-side columns). */
  stay?: boolean;
}

/** Writes the document top to bottom, keeping track of the page, the vertical position and the open marked content. */
class SummaryWriter {
  readonly pdf: Pdf;
  readonly dir: Direction;
  readonly left = MARGIN_X;
  readonly right: number;
  readonly top = MARGIN_TOP;
  readonly bottom: number;
  y = MARGIN_TOP;
  private open: { element: StructElement; tag: string } | null = null;

  constructor(pdf: Pdf, dir: Direction) {
    this.pdf = pdf;
    this.dir = dir;
    this.right = pdf.page.width - MARGIN_X;
    this.bottom = pdf.page.height - MARGIN_BOTTOM;
  }

  get width(): number {
    return this.right - this.left;
  }

  private fontFor(script: Script, bold: boolean): FontKey {
    if (script === 'arabic') return bold ? 'arabicBold' : 'arabic';
    return bold ? 'latinBold' : 'latin';
  }

  private widthOf(font: FontKey, size: number, text: string, whole: boolean): number {
    if (text === '') return 0;
    this.pdf.font(font).fontSize(size);
    return this.pdf.widthOfString(text, whole ? { features: WHOLE_RUN } : {});
  }

  /** Wraps `text` to `width` and lays each line out in visual order; `base` is the text's own direction. */
  layout(text: string, style: Style, width: number, base: BaseDirection = this.dir): LaidBlock {
    const paragraph = analyzeParagraph(printable(text), base);
    const { scripts } = paragraph;
    const measure = (start: number, end: number): number => {
      let total = 0;
      for (let i = start; i < end;) {
        let j = i + 1;
        while (j < end && scripts[j] === scripts[i]) j++;
        const piece = paragraph.text.slice(i, j).replace(CONTROLS, '');
        total += this.widthOf(this.fontFor(scripts[i] ?? 'latin', style.bold), style.size, piece, false);
        i = j;
      }
      return total;
    };
    const lines = wrapLines(paragraph, width, measure).map((range): LaidLine => {
      const runs = lineRuns(paragraph, range).map((run): LaidRun => {
        const font = this.fontFor(run.script, style.bold);
        const text = shaperInput(run);
        const whole = shaperReverses(text);
        return { font, text, whole, width: this.widthOf(font, style.size, text, whole) };
      });
      return { runs, width: runs.reduce((sum, run) => sum + run.width, 0) };
    });
    // A right-to-left document keeps the Arabic spacing throughout, so that its lines line up.
    const roomy = this.dir === 'rtl' || scripts.includes('arabic');
    const lineHeight = style.size * (roomy ? ARABIC_LINE : LATIN_LINE);
    const baseline = (lineHeight - style.size * 1.24) / 2 + style.size * 0.95;
    const read = paragraph.text.replace(CONTROLS, '');
    return {
      size: style.size,
      lines,
      lineHeight,
      baseline,
      height: lines.length * lineHeight,
      actual: RTL_LETTER.test(read) ? read : undefined
    };
  }

  /** Starts a new page when `height` does not fit, continuing any open marked content there. */
  ensure(height: number): void {
    if (this.y + height <= this.bottom || this.y === this.top) return;
    const open = this.open;
    if (open) this.endContent();
    this.pdf.addPage();
    this.y = this.top;
    if (open) this.beginContent(open.element, open.tag);
  }

  private beginContent(element: StructElement, tag: string): void {
    element.add(this.pdf.markStructureContent(tag));
    this.open = { element, tag };
  }

  private endContent(): void {
    this.pdf.endMarkedContent();
    this.open = null;
  }

  /** Draws decoration (boxes, rules) outside the structure tree. */
  artifact(draw: (pdf: Pdf) => void): void {
    this.pdf.markContent('Artifact', { type: 'Layout' });
    this.pdf.save();
    draw(this.pdf);
    this.pdf.restore();
    this.pdf.endMarkedContent();
  }

  /** A structure element under `parent`, with /ActualText when its text needs it. */
  element(parent: StructElement, tag: string, block?: LaidBlock): StructElement {
    const element = this.pdf.struct(tag, block?.actual ? { actual: block.actual } : {});
    parent.add(element);
    return element;
  }

  /** Draws a block, unless blank, as the content of a new `tag` element under `parent`, from the current position. */
  block(parent: StructElement, tag: string, block: LaidBlock, options: DrawOptions = {}): void {
    if (block.lines.every((line) => line.runs.length === 0)) return;
    const element = this.element(parent, tag, block);
    this.draw(element, tag, block, options);
    element.end();
  }

  private draw(element: StructElement, tag: string, block: LaidBlock, options: DrawOptions): void {
    const x = options.x ?? this.left;
    const width = options.width ?? this.width;
    const startY = this.y;
    for (const [index, line] of block.lines.entries()) {
      this.ensure(block.lineHeight);
      if (index === 0) this.beginContent(element, tag);
      this.drawLine(line, x, width, this.y + block.baseline, options.align ?? 'start', block.size);
      this.y += block.lineHeight;
    }
    if (block.lines.length > 0) this.endContent();
    if (options.stay) this.y = startY;
  }

  private drawLine(line: LaidLine, x: number, width: number, baseline: number, align: Align, size: number): void {
    let cursor = align === 'center' ? x + (width - line.width) / 2 : this.dir === 'rtl' ? x + width - line.width : x;
    for (const run of line.runs) {
      this.pdf.font(run.font).fontSize(size);
      this.pdf.text(run.text, cursor, baseline, {
        lineBreak: false,
        baseline: 'alphabetic',
        ...(run.whole ? { features: WHOLE_RUN } : {})
      });
      cursor += run.width;
    }
  }

  /** The x of a column of `width` at `offset` from the start edge (left in LTR, right in RTL). */
  column(offset: number, width: number): number {
    return this.dir === 'rtl' ? this.right - offset - width : this.left + offset;
  }
}

/**
 * Passing any feature list makes pdfkit shape a run in one piece instead of word by word; fontkit then
 * returns the glyphs of an Arabic run right to left, spaces included. « rtla » is among the features
 * fontkit already applies to right-to-left text, so the list changes nothing else.
 */
const WHOLE_RUN: PDFKit.Mixins.OpenTypeFeatures[] = ['rtla'];

function heading(w: SummaryWriter, parent: StructElement, text: string, keepWith: number): void {
  const block = w.layout(text, HEADING, w.width);
  w.ensure(SECTION_GAP + block.height + 6 + keepWith);
  if (w.y !== w.top) w.y += SECTION_GAP;
  w.block(parent, 'H2', block);
  const rule = w.y + 1;
  w.artifact((pdf) => pdf.moveTo(w.left, rule).lineTo(w.right, rule).lineWidth(1.5).stroke());
  w.y += 7;
}

/** Title, site, procedure, date and who helped at the start side; the reference, boxed, at the end side. */
function header(w: SummaryWriter, doc: SummaryDocument, root: StructElement): void {
  if (doc.duplicateLabel) {
    const pad = 6;
    const block = w.layout(doc.duplicateLabel, DUPLICATE, w.width - 2 * pad);
    const top = w.y;
    w.artifact((pdf) =>
      pdf
        .rect(w.left, top, w.width, block.height + 2 * pad)
        .lineWidth(3)
        .stroke()
    );
    w.y += pad;
    w.block(root, 'P', block, { x: w.left + pad, width: w.width - 2 * pad, align: 'center' });
    w.y += pad + 12;
  }
  const boxWidth = 190;
  const gap = 16;
  const textWidth = w.width - boxWidth - gap;
  const pad = 10;
  const title = w.layout(doc.title, TITLE, textWidth);
  const site = w.layout(doc.siteName, SITE, textWidth, 'auto');
  const procedure = w.layout(doc.procedureTitle, PROCEDURE, textWidth);
  const date = w.layout(doc.date, BODY, textWidth);
  const label = w.layout(doc.referenceLabel, BODY, boxWidth - 2 * pad);
  const reference = w.layout(doc.reference, REFERENCE, boxWidth - 2 * pad, 'auto');
  const boxHeight = label.height + reference.height + 2 * pad;
  const top = w.y;
  const column = { x: w.column(0, textWidth), width: textWidth };
  w.block(root, 'H1', title, column);
  w.block(root, 'P', site, column);
  w.y += PARAGRAPH_GAP;
  w.block(root, 'P', procedure, column);
  w.block(root, 'P', date, column);
  if (doc.helpedBy) w.block(root, 'P', w.layout(doc.helpedBy, BODY, textWidth), column);
  const textBottom = w.y;
  // The reference is what the agent asks for: large, in a box.
  const boxX = w.column(textWidth + gap, boxWidth);
  w.y = top;
  w.artifact((pdf) => pdf.roundedRect(boxX, top, boxWidth, boxHeight, 6).lineWidth(2).stroke());
  w.y += pad;
  w.block(root, 'P', label, { x: boxX + pad, width: boxWidth - 2 * pad });
  w.block(root, 'P', reference, { x: boxX + pad, width: boxWidth - 2 * pad });
  w.y = Math.max(textBottom, top + boxHeight);
}

function prepared(w: SummaryWriter, doc: SummaryDocument, root: StructElement): void {
  if (doc.prepared.length === 0) return;
  const labelWidth = Math.round(w.width * 0.42);
  const gap = 16;
  const valueWidth = w.width - labelWidth - gap;
  const rows = doc.prepared.map(({ label, value }) => ({
    label: w.layout(label, BODY_BOLD, labelWidth),
    value: w.layout(value, BODY, valueWidth, 'auto')
  }));
  heading(w, root, doc.preparedHeading, rows[0]?.label.lineHeight ?? 0);
  for (const row of rows) {
    w.ensure(Math.max(row.label.height, row.value.height));
    const top = w.y;
    w.block(root, 'P', row.label, { x: w.column(0, labelWidth), width: labelWidth, stay: true });
    w.block(root, 'P', row.value, { x: w.column(labelWidth + gap, valueWidth), width: valueWidth });
    w.y = Math.max(w.y, top + row.label.height) + PARAGRAPH_GAP;
  }
}

/** The papers to bring, each with an empty box to tick on the start side. */
function checklist(w: SummaryWriter, doc: SummaryDocument, root: StructElement): void {
  if (doc.documents.length === 0) return;
  const width = w.width - LIST_INDENT;
  const items = doc.documents.map((text) => w.layout(text, BODY, width));
  heading(w, root, doc.documentsHeading, items[0]?.lineHeight ?? 0);
  const list = w.element(root, 'L');
  for (const item of items) {
    w.ensure(item.lineHeight);
    // The box is centred on the first line's lower-case letters.
    const boxTop = w.y + item.baseline - item.size * 0.35 - BOX / 2;
    const boxX = w.column(0, BOX);
    w.artifact((pdf) => pdf.rect(boxX, boxTop, BOX, BOX).lineWidth(1.5).stroke());
    const li = w.element(list, 'LI');
    w.block(li, 'LBody', item, { x: w.column(LIST_INDENT, width), width });
    li.end();
    w.y += PARAGRAPH_GAP;
  }
  list.end();
}

function nextSteps(w: SummaryWriter, doc: SummaryDocument, root: StructElement): void {
  if (doc.nextSteps.length === 0) return;
  const width = w.width - LIST_INDENT;
  const items = doc.nextSteps.map((text, index) => ({
    number: w.layout(`${index + 1}.`, BODY_BOLD, LIST_INDENT - 4),
    body: w.layout(text, BODY, width)
  }));
  heading(w, root, doc.nextStepsHeading, items[0]?.body.lineHeight ?? 0);
  const list = w.element(root, 'L');
  for (const item of items) {
    w.ensure(item.body.lineHeight);
    const li = w.element(list, 'LI');
    const top = w.y;
    // The number sits on the baseline of the first line.
    w.y = top + item.body.baseline - item.number.baseline;
    w.block(li, 'Lbl', item.number, { x: w.column(0, LIST_INDENT - 4), width: LIST_INDENT - 4 });
    w.y = top;
    w.block(li, 'LBody', item.body, { x: w.column(LIST_INDENT, width), width });
    li.end();
    w.y += PARAGRAPH_GAP;
  }
  list.end();
}

/** Where to go: address and phone at the start side, opening hours beside them. */
function counter(w: SummaryWriter, doc: SummaryDocument, root: StructElement): void {
  const gap = 20;
  const contactWidth = Math.round(w.width * 0.45);
  const hoursWidth = w.width - contactWidth - gap;
  const address = w.layout(doc.counter.address, BODY, contactWidth, 'auto');
  const phone = w.layout(isolateDigitGroups(doc.counter.phone), BODY, contactWidth);
  const hours = doc.counter.hours.map((line) => w.layout(line, BODY, hoursWidth));
  const contactHeight = address.height + PARAGRAPH_GAP + phone.height;
  const hoursHeight = hours.reduce((sum, block) => sum + block.height, 0);
  heading(w, root, doc.counterHeading, Math.max(contactHeight, hoursHeight));
  const top = w.y;
  const contact = { x: w.column(0, contactWidth), width: contactWidth };
  w.block(root, 'P', address, contact);
  w.y += PARAGRAPH_GAP;
  w.block(root, 'P', phone, contact);
  const contactBottom = w.y;
  if (hours.length > 0) {
    w.y = top;
    const list = w.element(root, 'L');
    for (const block of hours) {
      const li = w.element(list, 'LI');
      w.block(li, 'LBody', block, { x: w.column(contactWidth + gap, hoursWidth), width: hoursWidth });
      li.end();
    }
    list.end();
  }
  w.y = Math.max(w.y, contactBottom);
}

function writeSummary(w: SummaryWriter, doc: SummaryDocument, root: StructElement): void {
  header(w, doc, root);
  prepared(w, doc, root);
  checklist(w, doc, root);
  nextSteps(w, doc, root);
  counter(w, doc, root);
}

/** « 1 / 2 » at the foot of each page when there is more than one. */
function pageNumbers(w: SummaryWriter): void {
  const { start, count } = w.pdf.bufferedPageRange();
  if (count < 2) return;
  for (let page = start; page < start + count; page++) {
    w.pdf.switchToPage(page);
    const text = `${page - start + 1} / ${count}`;
    w.pdf.markContent('Artifact', { type: 'Pagination' });
    w.pdf.font('latin').fontSize(PAGE_NUMBER.size);
    const width = w.pdf.widthOfString(text);
    w.pdf.text(text, w.left + (w.width - width) / 2, w.bottom + 28, { lineBreak: false, baseline: 'alphabetic' });
    w.pdf.endMarkedContent();
  }
}

/** Renders the A4 summary as a tagged PDF in the document's language and direction. */
export async function renderSummaryPdf(document: SummaryDocument): Promise<Buffer> {
  // Lines and paragraphs are the layout's: a line break typed into a site name is not one of them.
  const doc = documentWithoutControls(document);
  const { PDFDocument, parseFont } = await pdfEngine();
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN_TOP, bottom: MARGIN_BOTTOM, left: MARGIN_X, right: MARGIN_X },
    pdfVersion: '1.7',
    tagged: true,
    lang: doc.lang,
    displayTitle: true,
    bufferPages: true,
    info: { Title: `${doc.title} – ${doc.procedureTitle}`, Creator: 'Guichet' }
  });
  // Typed for file sources only; pdfkit takes a parsed fontkit font as well.
  for (const [key, font] of Object.entries(fonts(parseFont))) pdf.registerFont(key, font as unknown as Uint8Array);
  const chunks: Uint8Array[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const root = pdf.struct('Document');
  pdf.addStructure(root);
  const writer = new SummaryWriter(pdf, doc.dir);
  writeSummary(writer, doc, root);
  root.end();
  pageNumbers(writer);
  pdf.end();
  return done;
}
