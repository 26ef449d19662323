import { describe, expect, it } from 'vitest';
import {
  analyzeParagraph,
  isolateDigitGroups,
  lineRuns,
  shaperInput,
  shaperReverses,
  visualString,
  wrapLines,
  type BaseDirection,
  type LineRange
} from './bidi-lines';

/** The runs of a one-line paragraph, left to right on the page: [text, direction, script]. */
function runs(text: string, base: BaseDirection) {
  const paragraph = analyzeParagraph(text, base);
  return lineRuns(paragraph, { start: 0, end: text.length }).map((run) => [run.text, run.rtl ? 'rtl' : 'ltr', run.script]);
}

/** The characters of a one-line paragraph as they stand on the page, left to right. */
function visual(text: string, base: BaseDirection): string {
  return visualString(analyzeParagraph(text, base), { start: 0, end: text.length });
}

const reversed = (text: string) => [...text].reverse().join('');

describe('visual order of a line', () => {
  it('puts an Arabic sentence right to left, first word at the right', () => {
    const sentence = 'أحضر بطاقة الهوية';
    expect(runs(sentence, 'rtl')).toEqual([['أحضر بطاقة الهوية', 'rtl', 'arabic']]);
    // On the page, taken left to right: the last word first, each word's letters reversed. Drawing the
    // string left to right as given (what pdfkit does) would put the first word at the left.
    expect(visual(sentence, 'rtl')).toBe('ةيوهلا ةقاطب رضحأ');
  });

  it('keeps a Latin reference left to right inside an Arabic line, at the place it is read', () => {
    const line = 'اذكر المرجع AB3-K7Q عند الشباك';
    expect(runs(line, 'rtl')).toEqual([
      ['عند الشباك', 'rtl', 'arabic'],
      [' ', 'rtl', 'latin'],
      ['AB3-K7Q', 'ltr', 'latin'],
      ['اذكر المرجع ', 'rtl', 'arabic']
    ]);
    expect(visual(line, 'rtl')).toBe('كابشلا دنع AB3-K7Q عجرملا ركذا');
    // Reversing the whole line instead would turn the reference around.
    expect(reversed(line)).toContain('Q7K-3BA');
  });

  it('orders two Latin pieces of an Arabic line right to left, each one intact', () => {
    // The space after « AB3 » follows a Latin letter: Latin font, but right to left like the line.
    expect(runs('رقم AB3 ثم K7Q', 'rtl').map(([text]) => text)).toEqual(['K7Q', 'ثم ', ' ', 'AB3', 'رقم ']);
  });

  it('keeps digits and times readable in Arabic, in Arabic reading order', () => {
    // Monday, 08:30 to 12:00: the start time is at the right, where an Arabic reader begins.
    expect(visual('الاثنين : 08:30–12:00', 'rtl')).toBe('12:00–08:30 : نينثالا');
    expect(visual('رقم 12', 'rtl')).toBe('12 مقر');
  });

  it('puts an Arabic name right to left inside a French line', () => {
    expect(runs("Avec l'aide de محمد علي", 'ltr')).toEqual([
      ["Avec l'aide de ", 'ltr', 'latin'],
      ['محمد علي', 'rtl', 'arabic']
    ]);
    expect(visual("Avec l'aide de محمد علي", 'ltr')).toBe("Avec l'aide de يلع دمحم");
  });

  it('leaves a French line as it is', () => {
    expect(runs('Référence : AB3-K7Q', 'ltr')).toEqual([['Référence : AB3-K7Q', 'ltr', 'latin']]);
  });

  it('mirrors brackets in right-to-left text', () => {
    const line = 'إثبات السكن (فاتورة)';
    expect(runs(line, 'rtl')).toEqual([['إثبات السكن )فاتورة(', 'rtl', 'arabic']]);
    expect(visual(line, 'rtl')).toBe('(ةروتاف) نكسلا تابثإ');
  });

  it('keeps the groups of a phone number in order once isolated', () => {
    const phone = 'الهاتف : 03 21 06 10 83';
    // By the bidi rules alone the spaces between the groups go right to left: the groups come out reversed.
    expect(visual(phone, 'rtl')).toBe('83 10 06 21 03 : فتاهلا');
    expect(visual(isolateDigitGroups(phone), 'rtl')).toBe('03 21 06 10 83 : فتاهلا');
    expect(isolateDigitGroups('Téléphone : +33 3 21 06 10 83')).toBe('Téléphone : \u2066+33 3 21 06 10 83\u2069');
    expect(isolateDigitGroups('08:30–12:00')).toBe('08:30–12:00');
  });

  it('takes the direction of a French address from its text when asked to', () => {
    const address = '1 place de la Mairie, 62170 Montreuil';
    // Forced right to left, the house number would leave the street for the other end of the line.
    expect(visual(address, 'rtl')).toBe('place de la Mairie, 62170 Montreuil 1');
    expect(visual(address, 'auto')).toBe(address);
    expect(analyzeParagraph(address, 'auto').direction).toBe('ltr');
    expect(analyzeParagraph('أحضر 2 صور', 'auto').direction).toBe('rtl');
  });

  it('never draws bidi control characters', () => {
    const line = '\u200fالمرجع \u2066AB3-K7Q\u2069';
    const text = runs(line, 'rtl')
      .map(([t]) => t)
      .join('');
    expect(text).not.toMatch(/[\u200f\u2066\u2069]/);
    expect(visual(line, 'rtl')).toBe('AB3-K7Q عجرملا');
  });

  it('gives digits and punctuation the font of the letters around them', () => {
    expect(runs('رقم 12', 'rtl')).toEqual([
      ['12', 'ltr', 'arabic'],
      ['رقم ', 'rtl', 'arabic']
    ]);
    expect(runs('12 rue Haute', 'ltr')).toEqual([['12 rue Haute', 'ltr', 'latin']]);
    expect(runs('2026', 'rtl')).toEqual([['2026', 'ltr', 'arabic']]);
    expect(runs('2026', 'ltr')).toEqual([['2026', 'ltr', 'latin']]);
  });
});

describe('what the shaper is given', () => {
  // fontkit reverses the glyphs of an Arabic-script string itself; anything else it lays out as given.
  const input = (text: string, base: BaseDirection) => {
    const paragraph = analyzeParagraph(text, base);
    return lineRuns(paragraph, { start: 0, end: text.length }).map(shaperInput);
  };

  it('hands Arabic over in reading order, for joining, and lets the shaper turn it', () => {
    expect(input('أحضر بطاقة', 'rtl')).toEqual(['أحضر بطاقة']);
    expect(shaperReverses('أحضر بطاقة')).toBe(true);
  });

  it('turns right-to-left punctuation without letters itself', () => {
    // « , » between two times of an Arabic line: right to left, but the shaper would keep it as given.
    expect(input('08:30, 13:30 الاثنين', 'rtl')).toEqual([' الاثنين', '13:30', ' ,', '08:30']);
    expect(shaperReverses(', ')).toBe(false);
  });

  it('turns Arabic-Indic digits, which read left to right but would be reversed by the shaper', () => {
    expect(input('رقم ١٢٣', 'rtl')).toEqual(['٣٢١', 'رقم ']);
    expect(shaperReverses('١٢٣')).toBe(true);
  });

  it('leaves Latin as it is', () => {
    expect(input('AB3-K7Q', 'ltr')).toEqual(['AB3-K7Q']);
    expect(shaperReverses('AB3-K7Q 12')).toBe(false);
  });
});

describe('line wrapping', () => {
  const measureChars = (start: number, end: number) => end - start;
  const wrap = (text: string, width: number, base: BaseDirection = 'ltr') => {
    const paragraph = analyzeParagraph(text, base);
    return wrapLines(paragraph, width, measureChars).map((line: LineRange) => text.slice(line.start, line.end));
  };

  it('wraps in reading order, so the first line of Arabic holds the first words', () => {
    const sentence = 'أحضر بطاقة الهوية';
    expect(wrap(sentence, 10, 'rtl')).toEqual(['أحضر بطاقة', 'الهوية']);
    // Reversing the whole paragraph first and wrapping the result would start with the last word.
    expect(wrap(reversed(sentence), 10)[0]).toBe(reversed('الهوية'));
  });

  it('orders each wrapped Arabic line on its own', () => {
    const text = 'اذكر المرجع AB3-K7Q عند الشباك';
    const paragraph = analyzeParagraph(text, 'rtl');
    const lines = wrapLines(paragraph, 20, measureChars);
    expect(lines.map((line) => visualString(paragraph, line))).toEqual(['AB3-K7Q عجرملا ركذا', 'كابشلا دنع']);
  });

  it('breaks at spaces and hard line breaks, and drops the spaces at either end of a line', () => {
    expect(wrap('Prenez rendez-vous  au guichet 2', 12)).toEqual(['Prenez', 'rendez-vous', 'au guichet 2']);
    expect(wrap('1 place de la Mairie\n62170 Montreuil', 40)).toEqual(['1 place de la Mairie', '62170 Montreuil']);
  });

  it('cuts a word longer than the line', () => {
    expect(wrap('abcdefghij k', 4)).toEqual(['abcd', 'efgh', 'ij k']);
  });

  it('measures with the callback, not with character counts', () => {
    const text = 'ii WW ii';
    const paragraph = analyzeParagraph(text, 'ltr');
    const width = (start: number, end: number) => [...text.slice(start, end)].reduce((w, ch) => w + (ch === 'W' ? 5 : 1), 0);
    expect(wrapLines(paragraph, 13, width).map((l) => text.slice(l.start, l.end))).toEqual(['ii WW', 'ii']);
  });
});
