/**
 * Reads ESC/POS bytes back the way a receipt printer would: receipts split at each cut, each a list
 * of lines with their text (decoded with the code page selected at the time), alignment, size and
 * weight, plus QR codes and blank feeds. It exists so tests can check what a layout really prints
 * (accents, euro sign, ticket number size, QR payload) and so the demo printer can show its output
 * in the manager console.
 *
 * It never throws: a byte it does not understand is skipped and listed as an `unknown` event with its
 * offset, and a stream that ends inside a command is listed as `truncated`. Commands are read with
 * their parameter lengths (one table below), so parameter and data bytes are never taken for text
 * or for other commands. `readToken` exposes that reading to the virtual printer.
 */
import { createRequire } from 'node:module';
import type { Align } from '../documents';

// iconv-lite's tables are loaded at the first receipt that needs them, not at every start.
const require = createRequire(import.meta.url);
let iconv: typeof import('iconv-lite') | undefined;
const iconvLite = () => (iconv ??= require('iconv-lite') as typeof import('iconv-lite'));

type CutKind = 'full' | 'partial';

interface TextStyle {
  /** Emphasized (ESC E) or double-strike (ESC G): both print heavier on a thermal head. */
  bold: boolean;
  /** 0 none, 1 thin, 2 thick (ESC - n). */
  underline: 0 | 1 | 2;
  /** Character width and height multipliers, 1 to 8 (GS ! n, or ESC ! n for 1 and 2). */
  width: number;
  height: number;
}

/** A piece of a line printed in one style and one code page. */
interface TextRun extends TextStyle {
  text: string;
  codePage: string;
}

export type DecodedLine =
  /** A printed line; its style is that of its first run (a line mixing styles has several runs). */
  | ({
      kind: 'text';
      text: string;
      /** Taken when the line starts: ESC a only acts at the beginning of a line. */
      align: Align;
      runs: TextRun[];
      /** Columns it takes at normal width (characters times their width): more than the paper's wraps. */
      columns: number;
      offset: number;
    } & TextStyle)
  /** Blank lines (a line feed with nothing to print, ESC d n). */
  | { kind: 'feed'; lines: number; offset: number }
  /** A printed QR code; `data` is its payload read as Latin-1 (byte for byte, so ASCII as is). */
  | { kind: 'qr'; data: string; align: Align; offset: number };

export type StatusCommand = 'DLE EOT' | 'GS r';

export type EscPosEvent =
  /** ESC @: styles back to default and code page back to PC437. */
  | { kind: 'init'; offset: number }
  /** ESC t n; `name` is `page n` for a table this decoder does not know. */
  | { kind: 'codePage'; offset: number; number: number; name: string }
  | { kind: 'cut'; offset: number; cut: CutKind }
  /** A status request (DLE EOT n real-time, GS r n): answered by the printer, never printed. */
  | { kind: 'statusRequest'; offset: number; command: StatusCommand; n: number }
  /** A command read with its parameters that changes nothing this decoder shows (font, spacing…). */
  | { kind: 'ignored'; offset: number; name: string }
  /** Bytes skipped because they start no command known here. */
  | { kind: 'unknown'; offset: number; bytes: number[] }
  /** The stream ended inside a command. */
  | { kind: 'truncated'; offset: number; name: string }
  /** Text the printer never printed (no line feed before ESC @ or the end of the stream); `offset`: its start. */
  | { kind: 'unprinted'; offset: number; text: string };

export interface DecodedReceipt {
  lines: DecodedLine[];
  /** null for paper still in the printer: the stream ended before a cut. */
  cut: CutKind | null;
  /** Control events between this receipt's first byte and its cut, in stream order. */
  events: EscPosEvent[];
  /** Byte offsets: [start, end). */
  start: number;
  end: number;
}

export interface EscPosDecoding {
  /** Each cut closes a receipt; what follows the last cut is a receipt only if it printed something. */
  receipts: DecodedReceipt[];
  /** Every control event of the stream, including those after the last cut. */
  events: EscPosEvent[];
}

export type EscPosToken =
  /** Printable bytes (0x20 and above), up to the next control byte. */
  | { kind: 'text'; offset: number; length: number }
  | { kind: 'command'; offset: number; length: number; name: string; statusRequest: { command: StatusCommand; n: number } | null }
  | { kind: 'unknown'; offset: number; length: number }
  /** More bytes are needed to know where the command ends. */
  | { kind: 'incomplete'; offset: number; name: string };

// ---------------------------------------------------------------------------------------------------
// Code pages (ESC t n, Epson numbering). `encoding` is iconv-lite's name; null: not decodable here,
// bytes 0x80 and above come out as U+FFFD.

interface CodePage {
  number: number;
  name: string;
  encoding: string | null;
}

const CODE_PAGES: Record<number, [name: string, encoding: string | null]> = {
  0: ['PC437', 'cp437'],
  1: ['Katakana', null],
  2: ['PC850', 'cp850'],
  3: ['PC860', 'cp860'],
  4: ['PC863', 'cp863'],
  5: ['PC865', 'cp865'],
  11: ['PC851', null],
  12: ['PC853', null],
  13: ['PC857', 'cp857'],
  14: ['PC737', 'cp737'],
  15: ['ISO8859-7', 'iso-8859-7'],
  16: ['WPC1252', 'cp1252'],
  17: ['PC866', 'cp866'],
  18: ['PC852', 'cp852'],
  19: ['PC858', 'cp858'],
  32: ['PC720', 'cp720'],
  33: ['WPC775', 'cp775'],
  34: ['PC855', 'cp855'],
  35: ['PC861', 'cp861'],
  36: ['PC862', 'cp862'],
  37: ['PC864', 'cp864'],
  38: ['PC869', 'cp869'],
  39: ['ISO8859-2', 'iso-8859-2'],
  40: ['ISO8859-15', 'iso-8859-15'],
  44: ['PC1125', 'cp1125'],
  45: ['WPC1250', 'cp1250'],
  46: ['WPC1251', 'cp1251'],
  47: ['WPC1253', 'cp1253'],
  48: ['WPC1254', 'cp1254'],
  49: ['WPC1255', 'cp1255'],
  50: ['WPC1256', 'cp1256'],
  51: ['WPC1257', 'cp1257'],
  52: ['WPC1258', 'cp1258'],
  53: ['KZ1048', 'rk1048']
};

function codePage(n: number): CodePage {
  const known = CODE_PAGES[n];
  return known ? { number: n, name: known[0], encoding: known[1] } : { number: n, name: `page ${n}`, encoding: null };
}

function decodeText(bytes: Uint8Array, page: CodePage): string {
  if (page.encoding) return iconvLite().decode(Buffer.from(bytes), page.encoding);
  return Array.from(bytes, (b) => (b < 0x80 ? String.fromCharCode(b) : '\ufffd')).join('');
}

// ---------------------------------------------------------------------------------------------------
// The command table. A command is a prefix (one control byte, or ESC/GS/FS/DLE and a second byte)
// followed by parameters whose length is fixed or read from the leading parameters.

const LF = 0x0a;
const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

const at = (b: Uint8Array, i: number): number => b[i] ?? 0;

/** Reads the parameter length from the first parameters (which start at `start`); null: not known yet. */
type LengthReader = (b: Uint8Array, start: number) => number | null;
/** Parameter bytes after the prefix: a count, or read from the first parameters. */
type ParamLength = number | LengthReader;

interface CommandSpec {
  name: string;
  params: ParamLength;
  /** What it does to the receipt; a command without it is listed as `ignored`. */
  apply?: (state: ReceiptState, p: Uint8Array, offset: number) => void;
  /** The printer answers it at once and prints nothing (`p` holds its parameters). */
  status?: (p: Uint8Array) => { command: StatusCommand; n: number };
}

/** pL pH then that many bytes, after `skip` leading bytes (the function byte of ESC ( / GS ( / FS (). */
const lengthPrefixed =
  (skip: number): LengthReader =>
  (b, start) => {
    const lo = start + skip;
    return lo + 2 <= b.length ? skip + 2 + at(b, lo) + 256 * at(b, lo + 1) : null;
  };

/** Parameters up to and including a NUL, at most `max` bytes. */
const untilNul =
  (skip: number, max: number): LengthReader =>
  (b, start) => {
    for (let i = start + skip; i < b.length && i < start + max; i++) if (b[i] === 0) return i - start + 1;
    return b.length >= start + max ? max : null;
  };

const cmd = (name: string, params: ParamLength, apply?: CommandSpec['apply']): CommandSpec => ({ name, params, apply });

const SINGLE: Record<number, CommandSpec> = {
  0x09: cmd('HT', 0, (s) => s.text('\t')),
  [LF]: cmd('LF', 0, (s, _p, o) => s.lineFeed(o)),
  0x0c: cmd('FF', 0, (s) => s.endLine()),
  0x0d: cmd('CR', 0),
  0x18: cmd('CAN', 0)
};

const ESC_COMMANDS: Record<number, CommandSpec> = {
  0x0c: cmd('ESC FF', 0),
  0x20: cmd('ESC SP', 1),
  0x21: cmd('ESC !', 1, (s, p) => s.printMode(at(p, 0))),
  0x24: cmd('ESC $', 2),
  0x25: cmd('ESC %', 1),
  // ESC & y c1 c2, then for each character c1..c2: its width x and y * x bytes.
  0x26: cmd('ESC &', (b, start) => {
    if (start + 3 > b.length) return null;
    const y = at(b, start);
    let i = start + 3;
    for (let c = at(b, start + 1); c <= at(b, start + 2); c++) {
      if (i >= b.length) return null;
      i += 1 + y * at(b, i);
    }
    return i - start;
  }),
  0x28: cmd('ESC (', lengthPrefixed(1)),
  // ESC * m nL nH: n columns of 1 byte (8-dot modes 0, 1) or 3 bytes (24-dot modes 32, 33).
  0x2a: cmd('ESC *', (b, start) => {
    if (start + 3 > b.length) return null;
    const n = at(b, start + 1) + 256 * at(b, start + 2);
    return 3 + n * (at(b, start) >= 32 ? 3 : 1);
  }),
  0x2d: cmd('ESC -', 1, (s, p) => s.setUnderline(at(p, 0))),
  0x32: cmd('ESC 2', 0),
  0x33: cmd('ESC 3', 1),
  0x3c: cmd('ESC <', 0),
  0x3d: cmd('ESC =', 1),
  0x3f: cmd('ESC ?', 1),
  0x40: cmd('ESC @', 0, (s, _p, o) => s.init(o)),
  0x42: cmd('ESC B', 2),
  0x44: cmd('ESC D', untilNul(0, 33)),
  0x45: cmd('ESC E', 1, (s, p) => (s.emphasized = (at(p, 0) & 1) === 1)),
  0x47: cmd('ESC G', 1, (s, p) => (s.doubleStrike = (at(p, 0) & 1) === 1)),
  0x4a: cmd('ESC J', 1, (s) => s.endLine()),
  0x4b: cmd('ESC K', 1, (s) => s.endLine()),
  0x4c: cmd('ESC L', 0),
  0x4d: cmd('ESC M', 1),
  0x52: cmd('ESC R', 1),
  0x53: cmd('ESC S', 0),
  0x54: cmd('ESC T', 1),
  0x55: cmd('ESC U', 1),
  0x56: cmd('ESC V', 1),
  0x57: cmd('ESC W', 8),
  0x5c: cmd('ESC \\', 2),
  0x61: cmd('ESC a', 1, (s, p) => s.setAlign(at(p, 0))),
  0x63: cmd('ESC c', 2),
  0x64: cmd('ESC d', 1, (s, p, o) => {
    for (let i = 0; i < at(p, 0); i++) s.lineFeed(o);
  }),
  0x65: cmd('ESC e', 1, (s) => s.endLine()),
  0x69: cmd('ESC i', 0, (s, _p, o) => s.cut(o, 'partial')),
  0x6d: cmd('ESC m', 0, (s, _p, o) => s.cut(o, 'partial')),
  0x70: cmd('ESC p', 3),
  0x72: cmd('ESC r', 1),
  0x74: cmd('ESC t', 1, (s, p, o) => s.selectCodePage(at(p, 0), o)),
  0x75: cmd('ESC u', 1),
  0x76: cmd('ESC v', 0),
  0x7b: cmd('ESC {', 1)
};

/** GS V m [n]: m 0/48 full, 1/49 partial; 65/97/103 full and 66/98/104 partial take a feed amount n. */
const CUTS: Record<number, [CutKind, number]> = {
  0: ['full', 0],
  48: ['full', 0],
  1: ['partial', 0],
  49: ['partial', 0],
  65: ['full', 1],
  66: ['partial', 1],
  97: ['full', 1],
  98: ['partial', 1],
  103: ['full', 1],
  104: ['partial', 1]
};

const GS_COMMANDS: Record<number, CommandSpec> = {
  0x21: cmd('GS !', 1, (s, p) => s.setSize(at(p, 0))),
  0x24: cmd('GS $', 2),
  0x28: cmd('GS (', lengthPrefixed(1), (s, p, o) => s.twoDimensionalCode(p, o)),
  // GS * x y: x * y * 8 bytes of a downloaded bit image.
  0x2a: cmd('GS *', (b, start) => (start + 2 <= b.length ? 2 + at(b, start) * at(b, start + 1) * 8 : null)),
  0x2f: cmd('GS /', 1),
  0x3a: cmd('GS :', 0),
  // GS 8 L p1 p2 p3 p4: a four-byte length.
  0x38: cmd('GS 8', (b, start) =>
    start + 5 <= b.length
      ? 5 + at(b, start + 1) + (at(b, start + 2) << 8) + (at(b, start + 3) << 16) + at(b, start + 4) * 2 ** 24
      : null
  ),
  0x42: cmd('GS B', 1),
  0x48: cmd('GS H', 1),
  0x49: cmd('GS I', 1),
  0x4c: cmd('GS L', 2),
  0x50: cmd('GS P', 2),
  0x54: cmd('GS T', 1),
  0x56: {
    name: 'GS V',
    params: (b, start) => (start < b.length ? 1 + (CUTS[at(b, start)]?.[1] ?? 0) : null),
    apply: (s, p, o) => {
      const cut = CUTS[at(p, 0)];
      if (cut) s.cut(o, cut[0]);
      else s.event({ kind: 'unknown', offset: o, bytes: [GS, 0x56, at(p, 0)] });
    }
  },
  0x57: cmd('GS W', 2),
  0x5c: cmd('GS \\', 2),
  0x5e: cmd('GS ^', 3),
  0x61: cmd('GS a', 1),
  0x62: cmd('GS b', 1),
  0x63: cmd('GS c', 0),
  0x66: cmd('GS f', 1),
  0x67: cmd('GS g', 4),
  0x68: cmd('GS h', 1),
  // GS k m: format A (m 0-6) data ends with NUL; format B (m 65-79) has a length byte.
  0x6b: cmd('GS k', (b, start) => {
    if (start >= b.length) return null;
    if (at(b, start) <= 6) return untilNul(1, 257)(b, start);
    return start + 2 <= b.length ? 2 + at(b, start + 1) : null;
  }),
  0x72: { name: 'GS r', params: 1, status: (p) => ({ command: 'GS r', n: at(p, 0) }) },
  // GS v 0 m xL xH yL yH: x bytes per row, y rows.
  0x76: cmd('GS v', (b, start) =>
    start + 6 <= b.length ? 6 + (at(b, start + 2) + 256 * at(b, start + 3)) * (at(b, start + 4) + 256 * at(b, start + 5)) : null
  ),
  0x77: cmd('GS w', 1),
  0x7c: cmd('GS |', 1)
};

const FS_COMMANDS: Record<number, CommandSpec> = {
  0x21: cmd('FS !', 1),
  0x26: cmd('FS &', 0),
  0x28: cmd('FS (', lengthPrefixed(1)),
  0x2d: cmd('FS -', 1),
  0x2e: cmd('FS .', 0),
  0x43: cmd('FS C', 1),
  0x53: cmd('FS S', 2),
  0x57: cmd('FS W', 1),
  0x70: cmd('FS p', 2)
};

/** DLE DC4 fn: bytes after fn for pulse (1), power off (2), buzzer (3), status (7), clear buffer (8). */
const DC4_PARAMS: Record<number, number> = { 1: 2, 2: 2, 3: 5, 7: 1, 8: 7 };

const DLE_COMMANDS: Record<number, CommandSpec> = {
  // DLE EOT n: n 1-4 one status byte each; n 7 and 8 take a sub-function byte.
  0x04: {
    name: 'DLE EOT',
    params: (b, start) => (start < b.length ? (b[start] === 7 || b[start] === 8 ? 2 : 1) : null),
    status: (p) => ({ command: 'DLE EOT', n: at(p, 0) })
  },
  0x05: cmd('DLE ENQ', 1),
  0x14: cmd('DLE DC4', (b, start) => (start < b.length ? 1 + (DC4_PARAMS[at(b, start)] ?? 0) : null))
};

const PREFIXED: Record<number, { name: string; table: Record<number, CommandSpec> }> = {
  [ESC]: { name: 'ESC', table: ESC_COMMANDS },
  [GS]: { name: 'GS', table: GS_COMMANDS },
  [FS]: { name: 'FS', table: FS_COMMANDS },
  [DLE]: { name: 'DLE', table: DLE_COMMANDS }
};

type Scanned = EscPosToken & { spec?: CommandSpec };

function scan(b: Uint8Array, offset: number): Scanned {
  const first = at(b, offset);
  if (first >= 0x20) {
    let end = offset + 1;
    while (end < b.length && at(b, end) >= 0x20) end++;
    return { kind: 'text', offset, length: end - offset };
  }
  const prefixed = PREFIXED[first];
  if (prefixed) {
    if (offset + 1 >= b.length) return { kind: 'incomplete', offset, name: prefixed.name };
    const spec = prefixed.table[at(b, offset + 1)];
    // An unknown ESC, GS or FS command is skipped with its second byte; DLE alone is no command.
    if (!spec) return { kind: 'unknown', offset, length: first === DLE ? 1 : 2 };
    const params = typeof spec.params === 'number' ? spec.params : spec.params(b, offset + 2);
    if (params === null || offset + 2 + params > b.length) return { kind: 'incomplete', offset, name: spec.name };
    const length = 2 + params;
    const statusRequest = spec.status ? spec.status(b.subarray(offset + 2, offset + length)) : null;
    return { kind: 'command', offset, length, name: spec.name, statusRequest, spec };
  }
  const spec = SINGLE[first];
  if (spec) return { kind: 'command', offset, length: 1, name: spec.name, statusRequest: null, spec };
  return { kind: 'unknown', offset, length: 1 };
}

/**
 * Reads the token starting at `offset` (which must be inside `bytes`): printable text, one whole
 * command with its parameters, one unknown byte or pair, or `incomplete` when the command's
 * parameters run past the end of `bytes`.
 */
export function readToken(bytes: Uint8Array, offset: number): EscPosToken {
  const { spec: _spec, ...token } = scan(bytes, offset);
  return token;
}

// ---------------------------------------------------------------------------------------------------
// Printer state and the receipt being built.

const ALIGNS: Record<number, Align> = { 0: 'left', 48: 'left', 1: 'center', 49: 'center', 2: 'right', 50: 'right' };
const UNDERLINES: Record<number, 0 | 1 | 2> = { 0: 0, 48: 0, 1: 1, 49: 1, 2: 2, 50: 2 };
const QR = 49;
const QR_STORE = 80;
const QR_PRINT = 81;

class ReceiptState {
  align: Align = 'left';
  emphasized = false;
  doubleStrike = false;
  underline: 0 | 1 | 2 = 0;
  width = 1;
  height = 1;
  page: CodePage = codePage(0);
  qrData: Uint8Array | null = null;

  lines: DecodedLine[] = [];
  events: EscPosEvent[] = [];
  start: number;
  readonly completed: DecodedReceipt[] = [];
  readonly allEvents: EscPosEvent[] = [];

  private runs: TextRun[] = [];
  private lineAlign: Align = 'left';
  private lineOffset = 0;
  /** Offset of the token being applied. */
  position = 0;
  /** Set by a cut: the receipt closes after the cut command. */
  pendingCut: CutKind | null = null;

  constructor(start: number) {
    this.start = start;
  }

  event(event: EscPosEvent): void {
    this.events.push(event);
    this.allEvents.push(event);
  }

  private style(): TextStyle {
    return { bold: this.emphasized || this.doubleStrike, underline: this.underline, width: this.width, height: this.height };
  }

  text(text: string): void {
    if (this.runs.length === 0) {
      this.lineAlign = this.align;
      this.lineOffset = this.position;
    }
    const run: TextRun = { text, codePage: this.page.name, ...this.style() };
    const last = this.runs.at(-1);
    if (
      last &&
      last.codePage === run.codePage &&
      last.bold === run.bold &&
      last.underline === run.underline &&
      last.width === run.width &&
      last.height === run.height
    )
      last.text += text;
    else this.runs.push(run);
  }

  printable(bytes: Uint8Array): void {
    this.text(decodeText(bytes, this.page));
  }

  /** Prints the line buffer, if anything is in it. */
  endLine(): boolean {
    const [first, ...rest] = this.runs;
    if (!first) return false;
    const { codePage: _page, text: _text, ...style } = first;
    this.lines.push({
      kind: 'text',
      text: [first, ...rest].map((r) => r.text).join(''),
      align: this.lineAlign,
      ...style,
      runs: [first, ...rest],
      columns: [first, ...rest].reduce((sum, r) => sum + [...r.text].length * r.width, 0),
      offset: this.lineOffset
    });
    this.runs = [];
    return true;
  }

  lineFeed(offset: number): void {
    if (this.endLine()) return;
    const last = this.lines.at(-1);
    if (last?.kind === 'feed') last.lines++;
    else this.lines.push({ kind: 'feed', lines: 1, offset });
  }

  /** Text still in the line buffer is dropped (ESC @, end of stream): listed, never printed. */
  dropLine(): void {
    if (this.runs.length === 0) return;
    this.event({ kind: 'unprinted', offset: this.lineOffset, text: this.runs.map((r) => r.text).join('') });
    this.runs = [];
  }

  init(offset: number): void {
    this.dropLine();
    this.align = 'left';
    this.emphasized = false;
    this.doubleStrike = false;
    this.underline = 0;
    this.width = 1;
    this.height = 1;
    this.page = codePage(0);
    this.qrData = null;
    this.event({ kind: 'init', offset });
  }

  /** ESC ! n: bit 3 emphasized, bit 4 double height, bit 5 double width, bit 7 underline. */
  printMode(n: number): void {
    this.emphasized = (n & 0x08) !== 0;
    this.height = n & 0x10 ? 2 : 1;
    this.width = n & 0x20 ? 2 : 1;
    this.underline = n & 0x80 ? 1 : 0;
  }

  /** GS ! n: bits 4-6 width, bits 0-2 height, each as multiplier minus one. */
  setSize(n: number): void {
    this.width = ((n >> 4) & 0x07) + 1;
    this.height = (n & 0x07) + 1;
  }

  setAlign(n: number): void {
    this.align = ALIGNS[n] ?? this.align;
  }

  setUnderline(n: number): void {
    this.underline = UNDERLINES[n] ?? this.underline;
  }

  selectCodePage(n: number, offset: number): void {
    this.page = codePage(n);
    this.event({ kind: 'codePage', offset, number: n, name: this.page.name });
  }

  /** GS ( k for QR codes: store (fn 80, m 48, then the data) and print (fn 81). */
  twoDimensionalCode(p: Uint8Array, offset: number): void {
    const [fnByte, cn, fn] = [at(p, 0), at(p, 3), at(p, 4)];
    if (fnByte !== 0x6b || cn !== QR || (fn !== QR_STORE && fn !== QR_PRINT)) {
      this.event({ kind: 'ignored', offset, name: `GS ( ${String.fromCharCode(fnByte)}` });
      return;
    }
    if (fn === QR_STORE) {
      this.qrData = p.slice(6);
      return;
    }
    if (!this.qrData) {
      this.event({ kind: 'ignored', offset, name: 'GS ( k print, nothing stored' });
      return;
    }
    this.endLine();
    this.lines.push({ kind: 'qr', data: Buffer.from(this.qrData).toString('latin1'), align: this.align, offset });
  }

  cut(offset: number, cut: CutKind): void {
    this.endLine();
    this.event({ kind: 'cut', offset, cut });
    this.pendingCut = cut;
  }

  /** Closes the receipt being built at `end` (after a cut, or at the end of the stream). */
  close(end: number, cut: CutKind | null): DecodedReceipt {
    const receipt: DecodedReceipt = { lines: this.lines, cut, events: this.events, start: this.start, end };
    this.lines = [];
    this.events = [];
    this.start = end;
    return receipt;
  }

  snapshot(end: number): DecodedReceipt | null {
    if (this.lines.length === 0) return null;
    return { lines: [...this.lines], cut: null, events: [...this.events], start: this.start, end };
  }
}

/**
 * Decodes a stream pushed in pieces of any size (a command may be split between two pushes).
 * Printer modes (code page, styles) carry over from one receipt to the next, as on a printer.
 */
export class EscPosDecoder {
  private state = new ReceiptState(0);
  private pending: Uint8Array = new Uint8Array(0);
  /** Stream offset of `pending[0]`. */
  private base = 0;
  private finished = false;

  /** Receipts closed so far: by a cut, or torn off (`cut: null`). */
  get receipts(): readonly DecodedReceipt[] {
    return this.state.completed;
  }

  /** Every event so far. */
  get events(): readonly EscPosEvent[] {
    return this.state.allEvents;
  }

  /** Decodes `bytes` and returns the receipts they closed (with a cut). */
  push(bytes: Uint8Array): DecodedReceipt[] {
    if (this.finished) return [];
    const b = this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes;
    const closed: DecodedReceipt[] = [];
    let i = 0;
    while (i < b.length) {
      const token = scan(b, i);
      if (token.kind === 'incomplete') break;
      const offset = this.base + i;
      this.state.position = offset;
      if (token.kind === 'text') this.state.printable(b.subarray(i, i + token.length));
      else if (token.kind === 'unknown') {
        this.state.event({ kind: 'unknown', offset, bytes: [...b.subarray(i, i + token.length)] });
      } else if (token.statusRequest) this.state.event({ kind: 'statusRequest', offset, ...token.statusRequest });
      else if (token.spec?.apply) {
        token.spec.apply(this.state, b.subarray(i + 2, i + token.length), offset);
        if (this.state.pendingCut) {
          const receipt = this.state.close(offset + token.length, this.state.pendingCut);
          this.state.pendingCut = null;
          this.state.completed.push(receipt);
          closed.push(receipt);
        }
      } else this.state.event({ kind: 'ignored', offset, name: token.name });
      i += token.length;
    }
    this.pending = b.slice(i);
    this.base += i;
    return closed;
  }

  /** The receipt being printed (not cut yet), if it has printed anything. */
  inProgress(): DecodedReceipt | null {
    return this.state.snapshot(this.base);
  }

  /**
   * Ends the receipt being printed without a cut, as when the roll runs out: what was printed leaves
   * with the old roll, the next lines start a new receipt. Printer modes are kept. Returns it, if any.
   */
  tearOff(): DecodedReceipt | null {
    if (this.finished || this.state.lines.length === 0) return null;
    const receipt = this.state.close(this.base, null);
    this.state.completed.push(receipt);
    return receipt;
  }

  /**
   * Ends the stream: a command left incomplete is listed as `truncated`, text without a line feed
   * as `unprinted`, and what was printed after the last cut becomes a receipt with `cut: null`.
   */
  finish(): EscPosDecoding {
    if (!this.finished) {
      this.finished = true;
      const end = this.base + this.pending.length;
      if (this.pending.length) {
        const token = scan(this.pending, 0);
        const name = token.kind === 'incomplete' ? token.name : 'command';
        this.state.event({ kind: 'truncated', offset: this.base, name });
      }
      this.state.dropLine();
      if (this.state.lines.length) this.state.completed.push(this.state.close(end, null));
    }
    return { receipts: [...this.state.completed], events: [...this.state.allEvents] };
  }
}

/** Decodes a whole ESC/POS stream. Never throws. */
export function decodeEscPos(bytes: Uint8Array): EscPosDecoding {
  const decoder = new EscPosDecoder();
  decoder.push(bytes);
  return decoder.finish();
}

/** The receipt as plain text, `columns` wide: aligned lines, `[QR] payload`, blank lines for feeds. */
export function receiptText(receipt: DecodedReceipt, columns = 48): string {
  const out: string[] = [];
  for (const line of receipt.lines) {
    if (line.kind === 'feed') out.push(...Array<string>(line.lines).fill(''));
    else {
      const text = line.kind === 'qr' ? `[QR] ${line.data}` : line.text;
      const used = line.kind === 'qr' ? text.length : line.columns;
      const room = Math.max(0, columns - used);
      const pad = line.align === 'center' ? Math.floor(room / 2) : line.align === 'right' ? room : 0;
      out.push(' '.repeat(pad) + text);
    }
  }
  return out.join('\n');
}
