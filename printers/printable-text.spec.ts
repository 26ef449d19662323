import { describe, expect, it } from 'vitest';
import { decodeEscPos } from './escpos/decoder';
import { encodeReceipt } from './escpos/encode';
import { documentWithoutControls, withoutControls } from './printable-text';

describe('withoutControls', () => {
  it.each([
    ['Mairie\nGS V', 'Mairie GS V'],
    ['Mairie\r\n\tde Démoville', 'Mairie de Démoville'],
    ['A\x1b@B\x1dV\x00C', 'A@BVC'],
    ['DEL\x7f and C1\x85\x9b\x9f', 'DEL and C1 '],
    ['line\u2028separator\u2029paragraph', 'line separator paragraph'],
    ["Pièce d'identité — 12 €, مرحبا", "Pièce d'identité — 12 €, مرحبا"]
  ])('%j → %j', (text, expected) => {
    expect(withoutControls(text)).toBe(expected);
  });

  it('cleans every string of a document and keeps the rest as it is', () => {
    const document = {
      siteName: 'Mairie\n\x1b@',
      prepared: [{ label: 'Motif\x1dV', value: 'Perte' }],
      counter: { hours: ['Lundi\r'], phone: '' },
      duplicateLabel: null,
      size: 2
    };
    expect(documentWithoutControls(document)).toEqual({
      siteName: 'Mairie @',
      prepared: [{ label: 'MotifV', value: 'Perte' }],
      counter: { hours: ['Lundi '], phone: '' },
      duplicateLabel: null,
      size: 2
    });
  });
});

describe('encodeReceipt', () => {
  it('prints a text with control characters as the one line the layout made', () => {
    const bytes = encodeReceipt({
      lines: [
        { kind: 'text', text: 'Mairie\nGS V\x1b@\x1dV\x00' },
        { kind: 'text', text: 'Fin' }
      ]
    });
    const [receipt, ...rest] = decodeEscPos(bytes).receipts;
    expect(rest).toEqual([]);
    expect(receipt!.lines.flatMap((l) => (l.kind === 'text' ? [l.text] : []))).toEqual(['Mairie GS V@V', 'Fin']);
    expect(receipt!.events.filter((e) => e.kind === 'init' || e.kind === 'cut' || e.kind === 'unknown')).toHaveLength(1);
  });
});
