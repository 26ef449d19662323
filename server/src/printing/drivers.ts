/**
 * The driver of a configured printer. `virtual://` URIs name the demo's printers, which the server
 * starts itself; a URI that cannot be used (no demo printer running, a typo) gives a driver that
 * reports the printer unreachable, so the fault is shown instead of the job being lost. A stored
 * address this server may not use (saved before the rules of `printers/address-policy.ts`, or by
 * hand in the database) gives a driver in error, which never touches it.
 */
import type { Logger } from 'pino';
import type { PrinterAddressPolicy } from '../../../printers/address-policy';
import type { PrinterDriver, PrinterKind } from '../../../printers/driver';
import { createDriver, parsePrinterUri } from '../../../printers/create-driver';
import { faultStatus, type PrinterFault } from '../../../printers/status';
import type { VirtualPrinter } from '../../../printers/virtual-printer';
import type { DemoReceipt } from '../../../shared/schemas/print';
import type { Printer } from './printers.repository';

/** The demo's printers, one receipt listener and one A4 folder per site (see virtual-printers.ts). */
export interface VirtualPrinters {
  /** The receipt printer of the first site served, the demo site (tests set its paper and cover through it). */
  readonly device: VirtualPrinter;
  readonly receiptUri: string;
  readonly a4Uri: string;
  /** The driver behind a printer's `virtual://` URI, its site's own; null for any other URI. */
  driverFor(printer: Printer): PrinterDriver | null;
  /** What the site's demo receipt printer printed, newest first. */
  receipts(siteId: string): DemoReceipt[];
  onReceipt(listener: (siteId: string, receipt: DemoReceipt) => void): void;
  /** The A4 PDFs the site's demo A4 printer wrote, newest first. */
  a4Files(siteId: string): { name: string; at: string }[];
  /** The path of one of the site's PDFs, or null for any other name (another site's included). */
  a4File(siteId: string, name: string): string | null;
  /** Erases what these print jobs printed here (a session erased or purged). */
  forgetJobs(siteId: string, jobIds: string[]): void;
  close(): Promise<void>;
}

function unavailable(uri: string, kind: PrinterKind, fault: PrinterFault = 'unreachable'): PrinterDriver {
  const status = faultStatus(fault);
  return {
    uri,
    kind,
    status: async () => status,
    print: async () => {
      throw new Error(`printer ${uri} is not available`);
    }
  };
}

/**
 * One driver per printer and URI, kept: a driver runs its jobs one at a time, which only holds if
 * every job for that printer goes through the same driver.
 */
export function createDriverCache(
  virtualPrinters: VirtualPrinters | undefined,
  policy: PrinterAddressPolicy,
  logger: Logger
): (printer: Printer) => PrinterDriver {
  const drivers = new Map<string, PrinterDriver>();
  return (printer) => {
    const key = `${printer.id} ${printer.uri}`;
    const known = drivers.get(key);
    if (known) return known;
    const driver = driverForPrinter(printer, virtualPrinters, policy, logger);
    drivers.set(key, driver);
    return driver;
  };
}

function driverForPrinter(
  printer: Printer,
  virtualPrinters: VirtualPrinters | undefined,
  policy: PrinterAddressPolicy,
  logger: Logger
): PrinterDriver {
  if (printer.uri.startsWith('virtual://')) {
    return virtualPrinters?.driverFor(printer) ?? unavailable(printer.uri, printer.kind);
  }
  try {
    parsePrinterUri(printer.uri, printer.kind);
  } catch {
    return unavailable(printer.uri, printer.kind);
  }
  try {
    return createDriver(printer.uri, printer.kind, policy);
  } catch (error) {
    logger.warn({ printer: printer.name, err: error }, 'printer address refused: the printer is kept in error');
    return unavailable(printer.uri, printer.kind, 'error');
  }
}
