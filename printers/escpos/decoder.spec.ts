import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { CharacterSet, PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import { EscPosDecoder, decodeEscPos, receiptText, type DecodedLine, type DecodedReceipt, type EscPosEvent } from './decoder';

// The typings require `interface`; an empty one is no interface at all: the library only builds bytes.
function newPrinter(characterSet?: CharacterSet): ThermalPrinter {
  return new ThermalPrinter({ type: PrinterTypes.EPSON, interface: '', width: 48, ...(characterSet ? { characterSet } : {}) });
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const textLines = (receipt: DecodedReceipt) =>
  receipt.lines.filter((l): l is Extract<DecodedLine, { kind: 'text' }> => l.kind === 'text');
const codePages = (events: EscPosEvent[]) => events.flatMap((e) => (e.kind === 'codePage' ? [e.name] : []));
const only = <T>(items: readonly T[]): T => {
  expect(items).toHaveLength(1);
  return items[0] as T;
};

function ticket(printer: ThermalPrinter): void {
  printer.alignCenter();
  printer.bold(true);
  printer.println('Mairie de Bègles');
  printer.bold(false);
  printer.setTextSize(2, 2);
  printer.println('A 042');
  printer.setTextSize(0, 0);
  printer.alignLeft();
  printer.println("Pièce d'identité");
  printer.println('Numéro de dossier : 2026-117');
  printer.println('Timbre fiscal : 25 €');
  printer.drawLine();
  printer.alignCenter();
  printer.printQR('https://guichet.example/r/7KQ2', { cellSize: 6, correction: 'M', model: 2 });
  printer.cut();
}

describe('decodeEscPos on receipts built with node-thermal-printer', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads back text, accents, euro sign, alignment, size, bold, the QR payload, the code page and the cut', () => {
    const printer = newPrinter(CharacterSet.PC858_EURO);
    ticket(printer);
    const bytes = printer.getBuffer();
    // ESC t 19 (PC858) first; cut() is ESC d 4 twice, GS V 0, then ESC @.
    expect(hex(bytes.subarray(0, 3))).toBe('1b7413');
    expect(hex(bytes.subarray(-11))).toBe('1b64041b64041d56001b40');

    const decoded = decodeEscPos(bytes);
    const receipt = only(decoded.receipts);
    expect(receipt.cut).toBe('full');
    expect(codePages(receipt.events)).toEqual(['PC858']);
    expect(textLines(receipt).map((l) => l.text)).toEqual([
      'Mairie de Bègles',
      'A 042',
      "Pièce d'identité",
      'Numéro de dossier : 2026-117',
      'Timbre fiscal : 25 €',
      '-'.repeat(48)
    ]);
    const [title, number, document] = textLines(receipt);
    expect(title).toMatchObject({ align: 'center', bold: true, width: 1, height: 1 });
    expect(number).toMatchObject({ align: 'center', bold: false, width: 3, height: 3, columns: 15 });
    expect(document).toMatchObject({ align: 'left', bold: false, width: 1, height: 1, underline: 0 });
    expect(receipt.lines.filter((l) => l.kind === 'qr')).toEqual([
      expect.objectContaining({ data: 'https://guichet.example/r/7KQ2', align: 'center' })
    ]);
    // The two ESC d 4 of cut() feed eight blank lines before the cut.
    expect(receipt.lines.at(-1)).toMatchObject({ kind: 'feed', lines: 8 });
    // The ESC @ after the cut belongs to no receipt: nothing was printed after it.
    expect(decoded.events.at(-1)).toMatchObject({ kind: 'init', offset: bytes.length - 2 });
  });

  it('shows that setTextSize(height, width) puts "height" in the width bits of GS ! n', () => {
    const printer = newPrinter(CharacterSet.PC858_EURO);
    printer.setTextSize(1, 0);
    printer.println('Guichet 3');
    const bytes = printer.getBuffer();
    expect(hex(bytes.subarray(3, 6))).toBe('1d2110');
    // GS ! n: bits 4-7 are the width, bits 0-3 the height: this is double width, normal height.
    expect(textLines(only(decodeEscPos(bytes).receipts))[0]).toMatchObject({ width: 2, height: 1 });
  });

  it('shows the code page is lost after cut(): its ESC @ resets the printer but the library does not resend ESC t', () => {
    const printer = newPrinter(CharacterSet.PC858_EURO);
    printer.println('Timbre fiscal : 25 €');
    printer.cut();
    printer.println('Timbre fiscal : 25 €');
    printer.cut();
    const [first, second] = decodeEscPos(printer.getBuffer()).receipts;
    expect(textLines(first!)[0]?.text).toBe('Timbre fiscal : 25 €');
    // The PC858 byte for € (0xD5) read in PC437, the table ESC @ brings back.
    expect(textLines(second!)[0]).toMatchObject({
      text: 'Timbre fiscal : 25 ╒',
      runs: [expect.objectContaining({ codePage: 'PC437' })]
    });

    const fixed = newPrinter(CharacterSet.PC858_EURO);
    fixed.println('Timbre fiscal : 25 €');
    fixed.cut();
    fixed.setCharacterSet(CharacterSet.PC858_EURO);
    fixed.println('Timbre fiscal : 25 €');
    fixed.cut();
    const again = decodeEscPos(fixed.getBuffer()).receipts;
    expect(again.map((r) => textLines(r)[0]?.text)).toEqual(['Timbre fiscal : 25 €', 'Timbre fiscal : 25 €']);
  });

  it('shows what happens without a character set: an error is logged and the code page switches mid-line', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const printer = newPrinter();
    printer.println('Mairie de Bègles');
    printer.println('Timbre : 25 €');
    printer.println('Numéro');
    printer.cut();
    const bytes = printer.getBuffer();
    // No code page is active: encoding the first accent throws inside the library, which logs it.
    expect(String(errors.mock.calls[0]?.[0])).toContain("Encoding not recognized: 'undefined'");
    // è found in PC437 (ESC t 0), then € only in ISO 8859-7 Greek (ESC t 15), then é back in PC437.
    expect(hex(bytes)).toContain(hex(Buffer.from('Mairie de B\x1bt\x00\x8agles\n', 'latin1')));
    expect(hex(bytes)).toContain(hex(Buffer.from('Timbre : 25 \x1bt\x0f\xa4\n', 'latin1')));
    expect(hex(bytes)).toContain(hex(Buffer.from('Num\x1bt\x00\x82ro\n', 'latin1')));

    const receipt = only(decodeEscPos(bytes).receipts);
    expect(codePages(receipt.events)).toEqual(['PC437', 'ISO8859-7', 'PC437']);
    // Right only on a printer whose table 15 is ISO 8859-7; the euro line is printed from the Greek table.
    expect(textLines(receipt).map((l) => l.text)).toEqual(['Mairie de Bègles', 'Timbre : 25 €', 'Numéro']);
    expect(textLines(receipt)[1]?.runs.map((r) => [r.text, r.codePage])).toEqual([
      ['Timbre : 25 ', 'PC437'],
      ['€', 'ISO8859-7']
    ]);
  });

  it.each([
    [CharacterSet.PC437_USA, 'PC437', 'Café, reçu n° 12'],
    [CharacterSet.PC850_MULTILINGUAL, 'PC850', "Pièce d'état civil"],
    [CharacterSet.PC858_EURO, 'PC858', 'Frais : 12,50 €'],
    [CharacterSet.WPC1252, 'WPC1252', 'Frais : 12,50 € — œuvre'],
    [CharacterSet.PC866_CYRILLIC2, 'PC866', 'Паспорт гражданина']
  ])('decodes %s text with the table ESC t selected', (characterSet, name, text) => {
    const printer = newPrinter(characterSet);
    printer.println(text);
    printer.cut();
    const receipt = only(decodeEscPos(printer.getBuffer()).receipts);
    expect(codePages(receipt.events)).toEqual([name]);
    expect(textLines(receipt).map((l) => l.text)).toEqual([text]);
  });

  it('shows a QR payload must be ASCII: the library declares characters and sends UTF-8 bytes', () => {
    const printer = newPrinter(CharacterSet.PC858_EURO);
    printer.printQR('Bègles', { cellSize: 6 });
    printer.cut();
    const receipt = only(decodeEscPos(printer.getBuffer()).receipts);
    // Six characters declared, seven bytes sent: the symbol keeps six bytes, the seventh prints as text.
    expect(receipt.lines.find((l) => l.kind === 'qr')).toMatchObject({ data: 'BÃ¨gle' });
    expect(textLines(receipt).map((l) => l.text)).toEqual(['s']);
  });
});

describe('decodeEscPos on hand-made streams', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

  it('reads ESC ! print modes, underline, alignment taken at the start of a line, mixed runs and a partial cut with feed', () => {
    const stream = bytes(
      [0x1b, 0x61, 0x02, 0x1b, 0x21, 0x38],
      'BIG',
      [0x1b, 0x21, 0x00, 0x1b, 0x2d, 0x02],
      ' under',
      [0x1b, 0x2d, 0x00, 0x1b, 0x61, 0x00], // left: for the next line only
      '!\n',
      [0x1b, 0x47, 0x01],
      'left strike\n',
      [0x1d, 0x56, 0x42, 0x03]
    );
    const receipt = only(decodeEscPos(stream).receipts);
    expect(receipt.cut).toBe('partial');
    const [mixed, strike] = textLines(receipt);
    expect(mixed).toMatchObject({ text: 'BIG under!', align: 'right', bold: true, width: 2, height: 2, columns: 13 });
    expect(mixed?.runs).toEqual([
      { text: 'BIG', codePage: 'PC437', bold: true, underline: 0, width: 2, height: 2 },
      { text: ' under', codePage: 'PC437', bold: false, underline: 2, width: 1, height: 1 },
      { text: '!', codePage: 'PC437', bold: false, underline: 0, width: 1, height: 1 }
    ]);
    expect(strike).toMatchObject({ text: 'left strike', align: 'left', bold: true });
  });

  it('lists status requests, unknown bytes and a truncated command with their offsets, and goes on decoding', () => {
    const stream = bytes(
      [0x10, 0x04, 0x01], // 0: DLE EOT 1
      'A', // 3
      [0x1d, 0x72, 0x01], // 4: GS r 1
      '\n', // 7
      [0x00], // 8: NUL
      [0x1b, 0x01], // 9: no such ESC command
      'B\n', // 11
      [0x1d, 0x28, 0x6b, 0x20, 0x00, 0x31, 0x50, 0x30], // 13: GS ( k announcing 32 bytes, ends early
      'xyz'
    );
    const decoded = decodeEscPos(stream);
    expect(textLines(only(decoded.receipts)).map((l) => l.text)).toEqual(['A', 'B']);
    expect(only(decoded.receipts).cut).toBeNull();
    expect(decoded.events).toEqual([
      { kind: 'statusRequest', offset: 0, command: 'DLE EOT', n: 1 },
      { kind: 'statusRequest', offset: 4, command: 'GS r', n: 1 },
      { kind: 'unknown', offset: 8, bytes: [0x00] },
      { kind: 'unknown', offset: 9, bytes: [0x1b, 0x01] },
      { kind: 'truncated', offset: 13, name: 'GS (' }
    ]);
  });

  it('reads DLE EOT bytes inside a QR payload and inside GS ( k length bytes as data, not as requests', () => {
    const payload = Buffer.concat([Buffer.from('ID'), Buffer.from([0x10, 0x04, 0x01]), Buffer.from('X')]);
    const store = (data: Buffer) => {
      const k = data.length + 3;
      return [0x1d, 0x28, 0x6b, k & 0xff, k >> 8, 0x31, 0x50, 0x30, ...data];
    };
    const print = [0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30];
    // 1037 bytes of data: pL pH = 0x10 0x04.
    const long = Buffer.alloc(1037, 'A');
    expect(store(long).slice(3, 5)).toEqual([0x10, 0x04]);
    const decoded = decodeEscPos(bytes(store(payload), print, store(long), print));
    expect(decoded.events.filter((e) => e.kind === 'statusRequest')).toEqual([]);
    expect(only(decoded.receipts).lines.map((l) => (l.kind === 'qr' ? l.data : l.kind))).toEqual([
      'ID\x10\x04\x01X',
      'A'.repeat(1037)
    ]);
  });

  it('drops text ESC @ clears from the line buffer and text left without a line feed, and lists them', () => {
    const decoded = decodeEscPos(bytes('lost', [0x1b, 0x40], 'kept\n', 'tail'));
    expect(textLines(only(decoded.receipts)).map((l) => l.text)).toEqual(['kept']);
    expect(decoded.events).toEqual([
      { kind: 'unprinted', offset: 0, text: 'lost' },
      { kind: 'init', offset: 4 },
      { kind: 'unprinted', offset: 11, text: 'tail' }
    ]);
  });

  it('merges blank lines into feeds and renders a receipt as aligned plain text', () => {
    const receipt = only(decodeEscPos(bytes([0x1b, 0x61, 0x01], 'Mairie\n\n\n', [0x1b, 0x64, 0x02, 0x1b, 0x69])).receipts);
    expect(receipt.lines.map((l) => (l.kind === 'feed' ? l.lines : l.kind))).toEqual(['text', 4]);
    expect(receiptText(receipt, 10)).toBe('  Mairie\n\n\n\n');
  });

  it('never throws on arbitrary bytes, and every offset it reports is inside the stream', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (stream) => {
        const decoded = decodeEscPos(stream);
        for (const event of decoded.events) expect(event.offset).toBeLessThanOrEqual(stream.length);
        for (const receipt of decoded.receipts) expect(receipt.end).toBeLessThanOrEqual(stream.length);
      })
    );
  });

  it('decodes a stream pushed in pieces of any size exactly as the whole stream', () => {
    const printer = newPrinter(CharacterSet.PC858_EURO);
    ticket(printer);
    ticket(printer);
    const whole = Buffer.concat([printer.getBuffer(), Buffer.from([0x10, 0x04, 0x02, 0x1d, 0x28])]);
    const expected = decodeEscPos(whole);
    expect(expected.receipts).toHaveLength(2);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 30 }), (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), whole.length];
        const decoder = new EscPosDecoder();
        const closed: DecodedReceipt[] = [];
        for (let i = 1; i < bounds.length; i++) closed.push(...decoder.push(whole.subarray(bounds[i - 1], bounds[i])));
        expect(closed).toEqual(expected.receipts);
        expect(decoder.finish()).toEqual(expected);
      })
    );
  });
});
