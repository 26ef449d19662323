/**
 * The demo's printers, started by the server so `npm start` runs the production path: a real
 * ESC/POS listener on loopback behind `virtual://receipt` (the same TCP driver as a hall printer,
 * status requests included), and a folder behind `virtual://a4` where A4 summaries land as PDFs.
 * What the receipt printer receives is decoded and kept for the manager console.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DecodedReceipt } from '../../../printers/escpos/decoder';
import { startVirtualPrinter } from '../../../printers/virtual-printer';
import type { DemoReceipt } from '../../../shared/schemas/print';
import type { VirtualPrinters } from './drivers';

const kept = 20;

export function toDemoReceipt(receipt: DecodedReceipt, at: Date): DemoReceipt {
  const lines: DemoReceipt['lines'] = [];
  const qr: string[] = [];
  for (const line of receipt.lines) {
    if (line.kind === 'text') lines.push({ text: line.text, align: line.align, size: line.width, bold: line.bold });
    else if (line.kind === 'feed')
      for (let i = 0; i < line.lines; i++) lines.push({ text: '', align: 'left', size: 1, bold: false });
    else qr.push(line.data);
  }
  return { at: at.toISOString(), lines, qr };
}

export async function startVirtualPrinters(dataDir: string): Promise<VirtualPrinters> {
  const printer = await startVirtualPrinter();
  const a4Dir = path.resolve(dataDir, 'demo-a4');
  fs.mkdirSync(a4Dir, { recursive: true });
  const receipts: DemoReceipt[] = [];
  const listeners = new Set<(receipt: DemoReceipt) => void>();
  printer.onReceipt((decoded) => {
    const receipt = toDemoReceipt(decoded, new Date());
    receipts.unshift(receipt);
    receipts.length = Math.min(receipts.length, kept);
    for (const listener of listeners) listener(receipt);
  });
  const uris: Record<string, string> = {
    'virtual://receipt': `tcp://${printer.host}:${printer.port}`,
    'virtual://a4': `folder://${pathToFileURL(a4Dir).pathname}`
  };
  return {
    device: printer,
    root: dataDir,
    receiptUri: 'virtual://receipt',
    a4Uri: 'virtual://a4',
    resolve: (uri) => uris[uri] ?? null,
    receipts: () => [...receipts],
    onReceipt: (listener) => void listeners.add(listener),
    a4Files: () =>
      fs
        .readdirSync(a4Dir)
        .filter((name) => name.endsWith('.pdf'))
        .map((name) => ({ name, at: fs.statSync(path.join(a4Dir, name)).mtime.toISOString() }))
        .sort((a, b) => b.at.localeCompare(a.at) || b.name.localeCompare(a.name))
        .slice(0, kept),
    a4File: (name) => (/^[\w.-]+\.pdf$/.test(name) && fs.existsSync(path.join(a4Dir, name)) ? path.join(a4Dir, name) : null),
    close: () => printer.close()
  };
}
