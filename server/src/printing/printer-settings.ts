/**
 * The manager sets up the site's printers: a name, receipt or A4, the address of its driver (its
 * URI, checked against the kind and against what this server may reach — `printers/address-policy.ts`
 * — with a message naming what is wrong), and the kiosk it is attached to or none (shared by the site).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { PrinterAddressPolicy } from '../../../printers/address-policy';
import { checkPrinterAddress } from '../../../printers/create-driver';
import { AppError } from '../../../shared/errors';
import type { printerSaveInput, PrinterView } from '../../../shared/schemas/print';
import type { Clock } from '../clock';
import type { Store } from '../store';
import type { PrintingService } from './printing.service';

/** The demo's own printers, which the server runs itself. */
const virtualUris: Record<string, 'receipt' | 'a4'> = { 'virtual://receipt': 'receipt', 'virtual://a4': 'a4' };

export async function savePrinter(
  deps: { store: Store; clock: Clock; printing: PrintingService; policy: PrinterAddressPolicy },
  siteId: string,
  input: z.output<typeof printerSaveInput>
): Promise<PrinterView> {
  const { store, clock, printing, policy } = deps;
  // Resolved and followed before anything is written (a name is looked up, a path followed through its links).
  if (virtualUris[input.uri] !== input.kind) await checkPrinterAddress(input.uri, input.kind, policy);
  const printer = {
    id: input.id ?? randomUUID(),
    name: input.name,
    kind: input.kind,
    uri: input.uri,
    terminalId: input.terminalId
  };
  // Checked and written together: the kiosk cannot be revoked in between.
  await store.transaction(async () => {
    if (input.terminalId) {
      const terminal = await store.terminals.findById(input.terminalId);
      if (!terminal || terminal.siteId !== siteId || terminal.revokedAt || terminal.kind !== 'kiosk') {
        throw new AppError('invalid_payload', `No kiosk ${input.terminalId} at this site`, [
          { path: 'terminalId', message: 'not a kiosk of this site' }
        ]);
      }
    }
    if (input.id) {
      const existing = await store.printers.findById(input.id);
      if (!existing || existing.siteId !== siteId) throw new AppError('not_found', `No printer ${input.id} at this site`);
      await store.printers.update(printer);
    } else {
      await store.printers.insert({ ...printer, siteId }, clock.now().toISOString());
    }
  });
  return printing.printerView({ ...printer, siteId });
}
