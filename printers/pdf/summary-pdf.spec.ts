import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummaryDocument } from '../documents';
import { renderSummaryPdf } from './summary-pdf';

const french: SummaryDocument = {
  lang: 'fr',
  dir: 'ltr',
  title: 'Récapitulatif',
  duplicateLabel: 'DUPLICATA',
  siteName: 'Mairie de Montreuil-sur-Mer',
  procedureTitle: "Carte nationale d'identité",
  date: '23 novembre 2026 à 15:40',
  referenceLabel: 'Référence',
  reference: 'AB3-K7Q',
  preparedHeading: 'Ce que vous avez préparé',
  prepared: [
    { label: 'Type de demande', value: 'Première demande' },
    { label: 'Motif', value: 'Perte ou vol, déclaration faite au commissariat' }
  ],
  documentsHeading: 'Papiers à apporter',
  documents: [
    'Photo d’identité de moins de 6 mois',
    'Justificatif de domicile',
    'Acte de naissance (si né à l’étranger)',
    'Timbre fiscal de 25 €'
  ],
  nextStepsHeading: 'Et ensuite ?',
  nextSteps: ['Prenez rendez-vous au guichet 2.', 'Votre carte est prête sous 3 semaines : un SMS vous prévient.'],
  counterHeading: 'Où aller',
  counter: {
    address: '1 place de la Mairie, 62170 Montreuil-sur-Mer',
    phone: 'Téléphone : 03 21 06 10 83',
    hours: ['Lundi : 08:30–12:00, 13:30–17:00', 'Mercredi : 08:30–12:00', 'Dimanche : fermé']
  },
  helpedBy: "Avec l'aide de Marie"
};

const arabic: SummaryDocument = {
  lang: 'ar',
  dir: 'rtl',
  title: 'ملخص',
  duplicateLabel: null,
  siteName: 'Mairie de Montreuil-sur-Mer',
  procedureTitle: 'بطاقة الهوية الوطنية',
  date: '23 نوفمبر 2026 في 3:40 م',
  referenceLabel: 'المرجع',
  reference: 'AB3-K7Q',
  preparedHeading: 'ما حضّرته',
  prepared: [{ label: 'نوع الطلب', value: 'طلب أول' }],
  documentsHeading: 'الوثائق التي يجب إحضارها',
  documents: ['أحضر بطاقة الهوية', 'صورة شمسية حديثة', 'إثبات السكن (فاتورة كهرباء)'],
  nextStepsHeading: 'ماذا بعد؟',
  nextSteps: ['اذكر المرجع AB3-K7Q عند الشباك', 'احجز موعدا في الشباك رقم 2'],
  counterHeading: 'إلى أين تذهب',
  counter: {
    address: '1 place de la Mairie, 62170 Montreuil-sur-Mer',
    phone: 'الهاتف : 03 21 06 10 83',
    hours: ['الاثنين : 08:30–12:00, 13:30–17:00', 'الأحد : مغلق']
  },
  helpedBy: 'بمساعدة Marie'
};

// Geometry of the page (points), as laid out by summary-pdf.ts.
const PAGE_WIDTH = 595.28;
const MARGIN = 57;
const BOX = 15;
const LIST_INDENT = 30;

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'guichet-pdf-'));
  const long: SummaryDocument = {
    ...french,
    documents: Array.from({ length: 40 }, (_, i) => `Pièce numéro ${i + 1}`)
  };
  // Texts typed by people, with line breaks and printer commands in them.
  const crafted: SummaryDocument = {
    ...french,
    siteName: 'Mairie\nde\x1b@ Montreuil\r\n',
    procedureTitle: 'Carte\u2028nationale\x00',
    counter: { ...french.counter, address: '1 place\nde la Mairie' }
  };
  for (const [name, doc] of Object.entries({
    french,
    arabic,
    long,
    crafted,
    original: { ...french, duplicateLabel: null }
  })) {
    files[name] = path.join(dir, `${name}.pdf`);
    writeFileSync(files[name], await renderSummaryPdf(doc));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string): string {
  const found = files[name];
  if (!found) throw new Error(`no file ${name}`);
  return found;
}

function run(tool: string, ...args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8' });
}

/**
 * What pdftotext reads, in reading order. poppler finds right-to-left lines by their letters and
 * prints them in logical (reading) order, both by default and with -layout, wrapping them in
 * embedding marks (U+202B … U+202C, and U+202A … U+202C around a left-to-right piece); -raw prints
 * the words in the order they are drawn, which for Arabic is visual order, so it is of no use here
 * (see the last tests). -layout keeps each printed line on one line.
 */
function text(name: string): string {
  return plain(run('pdftotext', '-layout', file(name), '-'));
}

function plain(extracted: string): string {
  return extracted.replace(/[\u202a-\u202e]/g, '');
}

/** The printed lines, without the spaces around them (-layout indents and pads columns). */
function lines(extracted: string): string[] {
  return extracted.split('\n').map((line) => line.trim());
}

const ARABIC = '\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff';
const WORD = new RegExp(`[${ARABIC}]+|[^\\s${ARABIC}]+`, 'g');

/**
 * Words of a line, letter for letter; a change of script also separates words. For lines that mix
 * Arabic with digits or Latin: poppler moves the spaces at the edges of a left-to-right piece (« 23نوفمبر
 * 2026في »), but keeps the words and their order.
 */
function words(line: string): string[] {
  return line.match(WORD) ?? [];
}

/** The printed line holding `expected` word for word, in that order. */
function lineWith(extracted: string, expected: string): string | undefined {
  const wanted = words(expected).join(' ');
  return extracted.split('\n').find((line) => ` ${words(line).join(' ')} `.includes(` ${wanted} `));
}

/** The objects of a PDF (pdfkit writes no object streams). */
function pdfObject(pdf: string, ref: string): string {
  const match = new RegExp(`(?:^|\\n)${ref} obj\\n([\\s\\S]*?)\\nendobj`).exec(pdf);
  if (!match?.[1]) throw new Error(`no object ${ref}`);
  return match[1];
}

function catalog(name: string): string {
  const pdf = raw(name);
  const match = /<<\n\/Type \/Catalog\n[\s\S]*?\n>>/.exec(pdf);
  if (!match) throw new Error('no catalog');
  return match[0];
}

function raw(name: string): string {
  return readFileSync(file(name), 'latin1');
}

/** The /ActualText strings of the structure tree, decoded (PDF literal strings, UTF-16BE when not ASCII). */
function actualTexts(name: string): string[] {
  const pdf = raw(name);
  const texts: string[] = [];
  for (let at = pdf.indexOf('/ActualText ('); at >= 0; at = pdf.indexOf('/ActualText (', at + 1)) {
    const bytes: number[] = [];
    let depth = 0;
    for (let i = at + '/ActualText ('.length; i < pdf.length; i++) {
      let ch = pdf[i] ?? '';
      if (ch === '\\') {
        const next = pdf[++i] ?? '';
        ch = ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
      } else if (ch === '(') depth++;
      else if (ch === ')' && depth-- === 0) break;
      bytes.push(ch.charCodeAt(0));
    }
    const buffer = Buffer.from(bytes);
    texts.push(
      buffer[0] === 0xfe && buffer[1] === 0xff
        ? new TextDecoder('utf-16be').decode(buffer.subarray(2))
        : buffer.toString('latin1')
    );
  }
  return texts;
}

/** The page content streams, inflated. */
function contents(name: string): string {
  const pdf = readFileSync(file(name));
  const source = pdf.toString('latin1');
  const out: string[] = [];
  const header = /<<\n([^]*?)\n>>\nstream\n/g;
  for (let m = header.exec(source); m; m = header.exec(source)) {
    const dict = m[1] ?? '';
    const length = /\/Length (\d+)/.exec(dict);
    if (!length || /\/Subtype|\/Length1|\/Type \/Metadata|\/CIDToGIDMap/.test(dict)) continue;
    const data = pdf.subarray(m.index + m[0].length, m.index + m[0].length + Number(length[1]));
    const decoded = dict.includes('/FlateDecode') ? inflateSync(data) : data;
    out.push(decoded.toString('latin1'));
  }
  return out.filter((stream) => / Tf\b/.test(stream)).join('\n');
}

/** The 15 × 15 boxes drawn on a page: x and top y, from the top-left corner. */
function boxes(name: string): { x: number; y: number }[] {
  return [...contents(name).matchAll(new RegExp(`(-?[\\d.]+) (-?[\\d.]+) ${BOX} ${BOX} re`, 'g'))].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2])
  }));
}

/** Words with their boxes on the first page, from pdftotext -bbox (top-left origin). */
function wordBoxes(name: string): { xMin: number; xMax: number; yMin: number; yMax: number }[] {
  const html = run('pdftotext', '-bbox', '-f', '1', '-l', '1', file(name), '-');
  return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">/g)].map((m) => ({
    xMin: Number(m[1]),
    yMin: Number(m[2]),
    xMax: Number(m[3]),
    yMax: Number(m[4])
  }));
}

/** The words printed on the line of a box. */
function wordsBesideBox(name: string, box: { y: number }) {
  const middle = box.y + BOX / 2;
  return wordBoxes(name).filter((w) => w.yMin < middle && w.yMax > middle);
}

describe('French summary', () => {
  it('prints every part, accents included', () => {
    const printed = text('french');
    for (const expected of [
      'DUPLICATA',
      'Récapitulatif',
      'Mairie de Montreuil-sur-Mer',
      "Carte nationale d'identité",
      '23 novembre 2026 à 15:40',
      'Référence',
      'AB3-K7Q',
      'Ce que vous avez préparé',
      'Première demande',
      'Perte ou vol, déclaration faite au',
      'Papiers à apporter',
      ...french.documents,
      'Et ensuite ?',
      'Prenez rendez-vous au guichet 2.',
      'Où aller',
      '1 place de la Mairie, 62170',
      'Téléphone : 03 21 06 10 83',
      ...french.counter.hours,
      "Avec l'aide de Marie"
    ]) {
      expect(printed).toContain(expected);
    }
  });

  it('prints a text typed with line breaks and control characters on the line the layout gives it', () => {
    const printed = lines(run('pdftotext', '-layout', file('crafted'), '-'));
    expect(printed).toContain('Mairie de@ Montreuil');
    expect(printed.some((line) => line.includes('1 place de la Mairie'))).toBe(true);
    expect(printed.some((line) => line.includes('Carte nationale'))).toBe(true);
    expect(printed).not.toContain('Mairie');
  });

  it('marks a copy as such, and only a copy', () => {
    expect(text('french')).toContain('DUPLICATA');
    expect(text('original')).not.toContain('DUPLICATA');
  });

  it('is an A4 page, tagged, in French, with its title shown by the viewer', () => {
    const info = run('pdfinfo', file('french'));
    expect(info).toMatch(/Page size:\s+595.28 x 841.89 pts \(A4\)/);
    expect(info).toMatch(/PDF version:\s+1.7/);
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(info).toContain("Title:           Récapitulatif – Carte nationale d'identité");
    const root = catalog('french');
    expect(root).toContain('/Lang (fr)');
    expect(root).toMatch(/\/StructTreeRoot \d+ 0 R/);
    const markInfo = /\/MarkInfo (\d+ 0) R/.exec(root)?.[1] ?? '';
    expect(pdfObject(raw('french'), markInfo)).toMatch(/<<\s*\/Marked true\s*>>/);
    const preferences = /\/ViewerPreferences (\d+ 0) R/.exec(root)?.[1] ?? '';
    expect(pdfObject(raw('french'), preferences)).toContain('/DisplayDocTitle true');
  });

  it('tags headings, paragraphs and lists', () => {
    const structure = run('pdfinfo', '-struct', file('french'));
    const count = (tag: string) => structure.split('\n').filter((line) => line.trim().startsWith(`${tag} `)).length;
    expect(structure.split('\n')[0]).toBe('Document');
    expect(count('H1')).toBe(1);
    expect(count('H2')).toBe(4);
    expect(count('L')).toBe(3); // papers, next steps, opening hours
    expect(count('LI')).toBe(french.documents.length + french.nextSteps.length + french.counter.hours.length);
    expect(count('Lbl')).toBe(french.nextSteps.length);
    expect(count('P')).toBeGreaterThanOrEqual(10);
    // Text is only in structure elements or artifacts: every text object sits in marked content.
    expect(run('pdfinfo', '-struct-text', file('french'))).toContain('"Photo d’identité de moins de 6 mois"');
  });

  it('embeds its fonts', () => {
    const fonts = run('pdffonts', file('french')).trim().split('\n').slice(2);
    expect(fonts.map((line) => line.split(/\s+/)[0]?.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual([
      'AtkinsonHyperlegible-Bold',
      'AtkinsonHyperlegible-Regular'
    ]);
    for (const line of fonts) expect(line).toMatch(/Identity-H\s+yes\s+yes\s+yes/); // emb, sub, uni
  });

  it('draws an empty box at the left of each paper to bring, the text beside it', () => {
    const drawn = boxes('french');
    expect(drawn).toHaveLength(french.documents.length);
    for (const box of drawn) {
      expect(box.x).toBeCloseTo(MARGIN, 1);
      const beside = wordsBesideBox('french', box);
      expect(beside.length).toBeGreaterThan(0);
      expect(Math.min(...beside.map((w) => w.xMin))).toBeCloseTo(MARGIN + LIST_INDENT, 0);
    }
  });

  it('prints no text smaller than 12 pt', () => {
    const sizes = [...contents('french').matchAll(/ ([\d.]+) Tf/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(12);
    expect(sizes).toContain(14);
  });

  it('continues on numbered pages when it is long, every paper on the list', () => {
    const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', file('long')))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    const printed = text('long');
    for (let i = 1; i <= 40; i++) expect(printed).toMatch(new RegExp(`Pièce numéro ${i}\\b`));
    // « 1 / 3 »: pdftotext does not see the narrow spaces around the slash.
    expect(printed).toMatch(new RegExp(`\\b1 ?/ ?${pages}\\b`));
    expect(printed).toMatch(new RegExp(`\\b${pages} ?/ ?${pages}\\b`));
    const structure = run('pdfinfo', '-struct', file('long'));
    expect(structure.split('\n').filter((line) => line.trim() === 'LI (block)')).toHaveLength(40 + 2 + 3);
    expect(text('french')).not.toMatch(/\b1 ?\/ ?1\b/);
  });
});

describe('Arabic summary', () => {
  it('is tagged in Arabic', () => {
    expect(catalog('arabic')).toContain('/Lang (ar)');
    expect(run('pdfinfo', file('arabic'))).toMatch(/Tagged:\s+yes/);
  });

  it('prints the Arabic letter for letter, in reading order', () => {
    const printed = text('arabic');
    // Lines of their own, whole.
    for (const expected of [
      'أحضر بطاقة الهوية',
      'صورة شمسية حديثة',
      'الوثائق التي يجب إحضارها',
      'بطاقة الهوية الوطنية',
      'ماذا بعد؟',
      'إلى أين تذهب'
    ]) {
      expect(lines(printed), expected).toContain(expected);
    }
    // Beside another column on the same printed line.
    for (const expected of ['ملخص', 'المرجع', 'نوع الطلب', 'طلب أول', 'احجز موعدا في الشباك رقم 2']) {
      expect(printed).toContain(expected);
    }
    // The page content holds each letter as itself: no presentation form but the lam-alef ligatures (see below).
    expect(printed.match(/[\ufb50-\ufdff\ufe70-\ufeff]/g)?.sort()).toEqual(['\ufef7', '\ufefb']);
  });

  it('puts the words of a line in reading order, which drawing them left to right would not', () => {
    const printed = text('arabic');
    expect(lines(printed)).toContain('أحضر بطاقة الهوية');
    // Drawn left to right, as pdfkit would, the same words come out last word first (see the last tests).
    expect(printed).not.toContain('الهوية بطاقة أحضر');
    expect(printed).not.toContain('الوطنية الهوية بطاقة');
  });

  it('gives lam-alef as the Unicode ligature, the same letters once normalized', () => {
    const printed = text('arabic');
    // « الاثنين », « الأحد »: lam-alef is one glyph, mapped to U+FEFB (with hamza: U+FEF7); mapped to its
    // two letters instead, pdftotext would turn them around with the line (see the last tests).
    expect(printed).toContain('ا\ufefbثنين');
    expect(printed).toContain('ا\ufef7حد');
    expect(printed.normalize('NFKC')).toContain('الاثنين');
    expect(printed.normalize('NFKC')).toContain('الأحد');
  });

  it('keeps a Latin reference intact, at its place inside an Arabic line', () => {
    const printed = text('arabic');
    expect(lineWith(printed, 'اذكر المرجع AB3-K7Q عند الشباك')).toBeDefined();
    expect(printed).not.toContain('Q7K-3BA');
    expect(printed).toContain('Montreuil-sur-Mer');
    expect(lineWith(printed, 'بمساعدة Marie')).toBeDefined();
    expect(lineWith(printed, '23 نوفمبر 2026 في 3:40 م')).toBeDefined();
  });

  it('keeps the phone number and the opening times readable', () => {
    const printed = text('arabic');
    // The groups of the number stay in order (by the bidi rules alone they would come out reversed).
    expect(printed).toContain('الهاتف 03 21 06 10 83');
    // pdftotext keeps the digits and punctuation between two Arabic words as drawn, left to right: read
    // from the right, as in Arabic, the day opens at 08:30.
    expect(printed).toContain('17:00–13:30 ,12:00–08:30');
  });

  it('draws brackets mirrored, which pdftotext prints as drawn', () => {
    // « (فاتورة كهرباء) »: the opening bracket, at the right, is drawn as « ) »; pdftotext turns the
    // line around without mirroring it back.
    expect(lines(text('arabic'))).toContain('إثبات السكن )فاتورة كهرباء(');
  });

  it('gives assistive technology the exact text of every Arabic element', () => {
    // The page content holds right-to-left lines in visual order: read from the structure tree as it
    // comes, a line is backwards. /ActualText gives it as written, marks included (pdftotext sets a
    // mark placed by the font, as the shadda of « حضّرته », apart from its word).
    expect(run('pdfinfo', '-struct-text', file('arabic'))).toContain('"ةيوهلا ةقاطب رضحأ"');
    const texts = actualTexts('arabic');
    for (const expected of [
      'أحضر بطاقة الهوية',
      'ما حضّرته',
      'اذكر المرجع AB3-K7Q عند الشباك',
      'الهاتف : 03 21 06 10 83',
      'إثبات السكن (فاتورة كهرباء)',
      'الاثنين : 08:30–12:00, 13:30–17:00',
      'الأحد : مغلق'
    ]) {
      expect(texts).toContain(expected);
    }
    expect(actualTexts('french')).toEqual([]);
  });

  it('embeds the Arabic and the Latin fonts', () => {
    const fonts = run('pdffonts', file('arabic')).trim().split('\n').slice(2);
    const names = fonts.map((line) => line.split(/\s+/)[0]?.replace(/^[A-Z]{6}\+/, ''));
    expect(names.sort()).toEqual(['AtkinsonHyperlegible-Bold', 'AtkinsonHyperlegible-Regular', 'DejaVuSans', 'DejaVuSans-Bold']);
    for (const line of fonts) expect(line).toMatch(/Identity-H\s+yes\s+yes\s+yes/);
  });

  it('mirrors the layout: boxes on the right, text aligned on the right beside them', () => {
    const drawn = boxes('arabic');
    expect(drawn).toHaveLength(arabic.documents.length);
    const right = PAGE_WIDTH - MARGIN;
    for (const box of drawn) {
      expect(box.x).toBeCloseTo(right - BOX, 1);
      const beside = wordsBesideBox('arabic', box);
      expect(beside.length).toBeGreaterThan(0);
      expect(Math.max(...beside.map((w) => w.xMax))).toBeCloseTo(right - LIST_INDENT, 0);
    }
    // The title starts at the right margin.
    expect(Math.max(...wordBoxes('arabic').map((w) => w.xMax))).toBeCloseTo(right, 0);
  });
});

describe('pdfkit and fontkit with Arabic, as the renderer uses them', () => {
  const dejavu = path.join(import.meta.dirname, '../fonts/DejaVuSans.ttf');
  const atkinson = path.join(import.meta.dirname, '../fonts/AtkinsonHyperlegible-Regular.ttf');

  /** A one-line PDF drawn with pdfkit directly (fonts parsed afresh, as files); returns its path. */
  async function draw(name: string, paint: (pdf: PDFKit.PDFDocument) => void): Promise<string> {
    const pdf = new PDFDocument({ size: 'A4' });
    pdf.registerFont('arabic', dejavu);
    pdf.registerFont('latin', atkinson);
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<void>((resolve) => pdf.on('end', resolve));
    paint(pdf);
    pdf.end();
    await done;
    const out = path.join(dir, `${name}.pdf`);
    writeFileSync(out, Buffer.concat(chunks));
    return out;
  }

  const sentence = 'أحضر بطاقة الهوية';
  const read = (pdfFile: string, mode = '-layout') => plain(run('pdftotext', mode, pdfFile, '-')).trim();
  const whole = (text: string) => (pdf: PDFKit.PDFDocument) =>
    pdf
      .font('arabic')
      .fontSize(16)
      .text(text, 50, 50, { features: ['rtla'] });

  it('pdfkit alone lays Arabic words out left to right, so the sentence reads backwards', async () => {
    const out = await draw('plain', (pdf) => pdf.font('arabic').fontSize(16).text(sentence, 50, 50));
    // Each word is right, the last one first (pdftotext also loses a space between the words so placed).
    expect(read(out).replace(/ /g, '')).toBe('الهويةبطاقةأحضر');
  });

  it('fontkit turns an Arabic run by itself once it is shaped in one piece, in reading order', async () => {
    expect(read(await draw('whole', whole(sentence)))).toBe(sentence);
  });

  it('DejaVu Sans gives back letters that share a shape but for their dots', async () => {
    const letters = 'حاجة خاص باب تاب نبت يبني ثبت ملخص فقه';
    expect(read(await draw('letters', whole(letters)))).toBe(letters);
  });

  it('turning the run beforehand as well reverses it twice', async () => {
    const visual = [...sentence].reverse().join('');
    const printed = read(await draw('twice', whole(visual)));
    expect(printed).not.toBe(sentence);
    expect(printed).toContain('ةقاطب رضحأ');
  });

  it('one piece for a whole mixed line turns the Latin reference around', async () => {
    expect(read(await draw('mixed', whole('المرجع AB3-K7Q')))).toContain('Q7K-3BA');
  });

  it('pdftotext turns a lam-alef ligature mapped to its two letters around with the line', async () => {
    // A font parsed afresh maps the ligature glyph to « لا », the two letters in reading order.
    expect(read(await draw('lam-alef', whole('الاثنين السلام')))).toBe('االثنين السالم');
  });

  it('pdftotext -raw prints words in drawing order: right-to-left text comes out last word first', async () => {
    const out = await draw('raw', whole(sentence));
    expect(read(out, '-layout')).toBe(sentence);
    expect(read(out, '-raw')).toBe('الهوية بطاقة أحضر');
  });
});
