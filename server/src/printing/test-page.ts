/**
 * A test page on one printer of the site, from the console: a print job like any other (stored,
 * sent when the printer is ready, retried on a fault, told to the staff), so what the manager sees
 * is what a ticket would meet. The caller starts the printer (after its ack, so the progress events
 * come after the answer).
 */
import { testPageA4, testPageReceipt } from '../../../printers/layouts/test-page';
import { AppError } from '../../../shared/errors';
import type { Clock } from '../clock';
import type { Store } from '../store';
import type { PrintJob } from './print-jobs.repository';
import type { PrintingService } from './printing.service';

export async function printTestPage(
  deps: { store: Store; clock: Clock; printing: PrintingService },
  siteId: string,
  printerId: string
): Promise<PrintJob> {
  const { store, clock, printing } = deps;
  const printer = await store.printers.findById(printerId);
  // Another site's printer does not exist for this manager.
  if (!printer || printer.siteId !== siteId) throw new AppError('not_found', `No printer ${printerId} at this site`);
  const site = await store.sites.findById(siteId);
  if (!site) throw new AppError('not_found', 'This site no longer exists');
  const input = {
    siteName: site.name,
    printerName: printer.name,
    at: clock.now(),
    timezone: site.timezone,
    address: site.address,
    phone: site.phone
  };
  return printer.kind === 'receipt'
    ? printing.enqueueOn(printer, { kind: 'test_page', document: { locale: 'fr', receipt: testPageReceipt(input) } })
    : printing.enqueueOn(printer, { kind: 'test_page', document: { locale: 'fr', summary: testPageA4(input) } });
}
