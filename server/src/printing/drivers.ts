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

export interface VirtualPrinters {
  /** The receipt printer itself (tests set its paper and cover through it). */
  readonly device: VirtualPrinter;
  readonly receiptUri: string;
  readonly a4Uri: string;
  /** The folder the demo's A4 printer writes in (inside the data folder). */
  readonly root: string;
  /** The real URI behind a `virtual://` one, or null. */
  resolve(uri: string): string | null;
  /** What the demo receipt printer printed, newest first. */
  receipts(): DemoReceipt[];
  onReceipt(listener: (receipt: DemoReceipt) => void): void;
  /** The A4 PDFs the demo A4 printer wrote, newest first. */
  a4Files(): { name: string; at: string }[];
  /** The path of one of them, or null for any other name. */
  a4File(name: string): string | null;
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
 * The demo's own printers: a loopback listener and a folder in the data folder, which the server
 * started itself (a manager cannot point `virtual://` anywhere else).
 */
const ownPrinters = (virtualPrinters: VirtualPrinters): PrinterAddressPolicy => ({
  usbDevices: false,
  folderRoot: virtualPrinters.root,
  loopback: true,
  serverPort: () => null
});

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

export function driverForPrinter(
  printer: Printer,
  virtualPrinters: VirtualPrinters | undefined,
  policy: PrinterAddressPolicy,
  logger: Logger
): PrinterDriver {
  if (printer.uri.startsWith('virtual://')) {
    const uri = virtualPrinters?.resolve(printer.uri) ?? null;
    if (!uri || !virtualPrinters) return unavailable(printer.uri, printer.kind);
    try {
      return createDriver(uri, printer.kind, ownPrinters(virtualPrinters));
    } catch {
      return unavailable(printer.uri, printer.kind);
    }
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
