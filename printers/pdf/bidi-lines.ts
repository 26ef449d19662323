/**
 * Right-to-left and mixed-direction text, line by line, for a PDF writer that only lays glyphs out
 * left to right. A paragraph is analysed once with the Unicode Bidirectional Algorithm (bidi-js),
 * wrapped into lines in logical (reading) order, and each line is cut into runs given in visual order,
 * left to right, each with one direction and one script (one font).
 *
 * Kept free of any PDF code: the width of a piece of text comes from a callback.
 */
import bidiFactory from 'bidi-js';
import type { EmbeddingLevels } from 'bidi-js';

const bidi = bidiFactory();

export type Direction = 'ltr' | 'rtl';
/** `auto`: the direction of the first strong character (e.g. an address written in French in an Arabic summary). */
export type BaseDirection = Direction | 'auto';
/** Which font draws a character: DejaVu Sans for `arabic`, Atkinson Hyperlegible for `latin`. */
export type Script = 'arabic' | 'latin';

export interface BidiParagraph {
  text: string;
  /** The resolved paragraph direction (with `auto`, from the text). */
  direction: Direction;
  embedding: EmbeddingLevels;
  /** One entry per UTF-16 code unit. */
  scripts: Script[];
}

/** A piece of a line with one direction and one script, in logical order. */
export interface VisualRun {
  /** Logical range [start, end) in the paragraph's text. */
  start: number;
  end: number;
  /** The characters of the range in logical order, without bidi control characters; mirrored (« ( » ↔ « ) ») when `rtl`. */
  text: string;
  rtl: boolean;
  script: Script;
}

export interface LineRange {
  /** Logical range [start, end) in the paragraph's text, without the spaces at either end. */
  start: number;
  end: number;
}

/** Explicit direction marks, embeddings and isolates: they steer the algorithm and are never drawn. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Arabic, Arabic Supplement, Arabic Extended-B/A and the Arabic presentation forms: the Arabic font's.
 * DejaVu Sans has the letters, vowel marks and digits of Arabic (and Persian), not the Quranic marks
 * nor the letters of the Supplement and Extended blocks, which the Latin font lacks as well.
 */
function inArabicBlocks(cp: number): boolean {
  return (
    (cp >= 0x0600 && cp <= 0x06ff) ||
    (cp >= 0x0750 && cp <= 0x077f) ||
    (cp >= 0x0870 && cp <= 0x08ff) ||
    (cp >= 0xfb50 && cp <= 0xfdff) ||
    (cp >= 0xfe70 && cp <= 0xfeff)
  );
}

const LETTER = /\p{L}/u;

/** The script a character asks for by itself; `null` for digits, spaces, punctuation and marks, which follow their neighbours. */
function ownScript(ch: string): Script | null {
  const cp = ch.codePointAt(0) ?? 0;
  if (inArabicBlocks(cp)) return 'arabic';
  if (LETTER.test(ch)) return 'latin';
  return null;
}

/**
 * The script of each code unit: a letter keeps its own; digits, spaces and punctuation take the script
 * of the letter before them (after them at the start), so « رقم 12 » is all in the Arabic font and
 * « AB3-K7Q » all in the Latin one.
 */
function resolveScripts(text: string, direction: Direction): Script[] {
  const own: (Script | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A low surrogate belongs to the character before it.
    if (code >= 0xdc00 && code <= 0xdfff && i > 0) own.push(own[i - 1] ?? null);
    else own.push(ownScript(String.fromCodePoint(text.codePointAt(i) ?? code)));
  }
  const first = own.find((s) => s !== null) ?? (direction === 'rtl' ? 'arabic' : 'latin');
  const scripts: Script[] = [];
  let current: Script = first;
  for (const s of own) {
    if (s !== null) current = s;
    scripts.push(current);
  }
  return scripts;
}

/** Runs the bidi algorithm over a paragraph (which may hold hard line breaks). */
export function analyzeParagraph(text: string, base: BaseDirection): BidiParagraph {
  const embedding = bidi.getEmbeddingLevels(text, base);
  const level = embedding.paragraphs[0]?.level ?? (base === 'rtl' ? 1 : 0);
  const direction: Direction = level % 2 === 1 ? 'rtl' : 'ltr';
  return { text, direction, embedding, scripts: resolveScripts(text, direction) };
}

function isControl(text: string, i: number): boolean {
  return BIDI_CONTROLS.test(text.charAt(i));
}

/** True when only bidi controls stand between logical positions `a` and `b`. */
function adjacent(text: string, a: number, b: number): boolean {
  const [from, to] = a < b ? [a, b] : [b, a];
  for (let i = from + 1; i < to; i++) if (!isControl(text, i)) return false;
  return true;
}

function mirrored(text: string): string {
  let out = '';
  for (const ch of text) out += bidi.getMirroredCharacter(ch) ?? ch;
  return out;
}

/**
 * The runs of one line, left to right on the page. Within a right-to-left run the characters stay in
 * logical order: the shaper puts their glyphs right to left (see `shaperInput`).
 */
export function lineRuns(paragraph: BidiParagraph, line: LineRange): VisualRun[] {
  const { text, embedding, scripts } = paragraph;
  if (line.end <= line.start) return [];
  const order: number[] = [];
  for (let i = line.start; i < line.end; i++) order.push(i);
  for (const [from = 0, to = 0] of bidi.getReorderSegments(text, embedding, line.start, line.end - 1)) {
    const a = from - line.start;
    const b = to - line.start;
    const reversed = order.slice(a, b + 1).reverse();
    order.splice(a, reversed.length, ...reversed);
  }
  const runs: { indices: number[]; level: number; script: Script }[] = [];
  for (const i of order) {
    if (isControl(text, i)) continue;
    const level = embedding.levels[i] ?? 0;
    const script = scripts[i] ?? 'latin';
    const last = runs.at(-1);
    const previous = last?.indices.at(-1);
    if (last && previous !== undefined && last.level === level && last.script === script && adjacent(text, previous, i)) {
      last.indices.push(i);
    } else {
      runs.push({ indices: [i], level, script });
    }
  }
  return runs.map(({ indices, level, script }) => {
    const start = Math.min(...indices);
    const end = Math.max(...indices) + 1;
    const rtl = level % 2 === 1;
    const logical = [...text.slice(start, end)].filter((ch) => !BIDI_CONTROLS.test(ch)).join('');
    return { start, end, text: rtl ? mirrored(logical) : logical, rtl, script };
  });
}

/** The characters of a line in the order they appear on the page, left to right (for tests and debugging). */
export function visualString(paragraph: BidiParagraph, line: LineRange): string {
  return lineRuns(paragraph, line)
    .map((run) => (run.rtl ? [...run.text].reverse().join('') : run.text))
    .join('');
}

// fontkit guesses the direction of a string from its first character of a specific script (not
// Common or Inherited) and, when that script is written right to left, returns the glyphs reversed.
const RTL_SCRIPT = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const SPECIFIC_SCRIPT = /[^\p{Script=Common}\p{Script=Inherited}\p{Script=Unknown}]/u;

/** Whether the shaper (fontkit) will lay this string out right to left by itself. */
export function shaperReverses(text: string): boolean {
  const first = SPECIFIC_SCRIPT.exec(text);
  return first !== null && RTL_SCRIPT.test(first[0]);
}

/**
 * The string to hand to the shaper so that its glyphs come out in visual order, left to right:
 * Arabic letters must reach it in logical order (joining depends on it) and it reverses them itself;
 * a right-to-left run without any (« : » between two Arabic words) is reversed here; Arabic-Indic
 * digits, left to right but in Arabic script, are reversed here so that the shaper puts them back.
 */
export function shaperInput(run: VisualRun): string {
  return run.rtl !== shaperReverses(run.text) ? [...run.text].reverse().join('') : run.text;
}

/**
 * Greedy line breaking in logical order, at spaces and at hard line breaks (`\n`); a word wider than
 * the line is cut between characters. `measure(start, end)` gives the drawn width of a logical range.
 */
export function wrapLines(
  paragraph: BidiParagraph,
  maxWidth: number,
  measure: (start: number, end: number) => number
): LineRange[] {
  const { text } = paragraph;
  const lines: LineRange[] = [];
  let segmentStart = 0;
  for (const segment of text.split('\n')) {
    const offset = segmentStart;
    segmentStart += segment.length + 1;
    const words: LineRange[] = [];
    const pattern = /[^ \t]+/g;
    for (let m = pattern.exec(segment); m !== null; m = pattern.exec(segment)) {
      words.push({ start: offset + m.index, end: offset + m.index + m[0].length });
    }
    let current: (LineRange & { width: number }) | null = null;
    for (const word of words) {
      const width = measure(word.start, word.end);
      if (current) {
        const joined: number = current.width + measure(current.end, word.start) + width;
        if (joined <= maxWidth) {
          current = { start: current.start, end: word.end, width: joined };
          continue;
        }
        lines.push({ start: current.start, end: current.end });
        current = null;
      }
      if (width <= maxWidth) {
        current = { ...word, width };
        continue;
      }
      // Too long for a line on its own: cut it where it fills the line.
      let start = word.start;
      while (start < word.end) {
        let end = nextCodePoint(text, start);
        while (end < word.end && measure(start, nextCodePoint(text, end)) <= maxWidth) end = nextCodePoint(text, end);
        if (end >= word.end) {
          current = { start, end: word.end, width: measure(start, word.end) };
        } else {
          lines.push({ start, end });
        }
        start = end;
      }
    }
    if (current) lines.push({ start: current.start, end: current.end });
    else if (words.length === 0) lines.push({ start: offset, end: offset });
  }
  return lines;
}

function nextCodePoint(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? i + 2 : i + 1;
}

/**
 * Keeps a number written in groups (« 01 23 45 67 89 », « +33 1 23 45 67 89 ») in its left-to-right
 * order inside right-to-left text: by the bidi rules the spaces between two numbers take the direction
 * of the paragraph, which would put the groups in reverse order.
 */
export function isolateDigitGroups(text: string): string {
  return text.replace(/\+?\d+(?:[ \u00a0.]\d+)+/g, (m) => `\u2066${m}\u2069`);
}
