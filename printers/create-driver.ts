/**
 * Chooses a printer's driver from its URI:
 * - `tcp://host[:port]`: an ESC/POS receipt printer on the network (port 9100 by default);
 * - `file:///dev/usb/lp0`: an ESC/POS receipt printer on a USB device file;
 * - `cups://QUEUE`: a receipt printer behind a CUPS queue, bytes sent raw;
 * - `cups-pdf://QUEUE`: an A4 printer behind a CUPS queue, sent a PDF;
 * - `folder:///path/to/dir`: development, each job written to a numbered file.
 * Which of these addresses this server may use is a matter of policy (`address-policy.ts`), checked
 * when an address is saved (`checkPrinterAddress`) and again by the driver built for it.
 * Keep one driver per printer: a driver never opens two connections to its printer at once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../shared/errors';
import { resolveTcp, targetRefusal, targetRefusalNow, type PrinterAddressPolicy } from './address-policy';
import type { PrinterDriver, PrinterKind } from './driver';
import { CupsDriver, type CupsDriverOptions, type CupsFormat } from './transports/cups';
import { DeviceDriver, type DeviceDriverOptions } from './transports/device';
import { FolderDriver } from './transports/folder';
import { TcpDriver, type TcpDriverOptions } from './transports/tcp';

export type PrinterTarget =
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'device'; path: string }
  | { transport: 'cups'; queue: string; format: CupsFormat }
  | { transport: 'folder'; path: string };

export type DriverOptions = TcpDriverOptions & DeviceDriverOptions & CupsDriverOptions;

const defaultTcpPort = 9100;

/** CUPS allows more, but these names never need quoting and never read as an option. */
const queueName = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,126}$/;

const examples = 'tcp://host:9100, file:///dev/usb/lp0, cups://QUEUE, cups-pdf://QUEUE or folder:///path/to/dir';

function parse(uri: string): PrinterTarget | string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (!scheme) return `is not a URI: expected ${examples}`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `is not a valid URI (a port above 65535, a space in the name?): expected ${examples}`;
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.search || url.hash) return 'must not have a query (?…) or a fragment (#…)';
  switch (scheme) {
    case 'tcp': {
      if (!url.hostname) return 'has no host: write tcp://host or tcp://host:9100';
      if (url.pathname !== '' && url.pathname !== '/') return `has a path (${url.pathname}): write tcp://host:port only`;
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = url.port === '' ? defaultTcpPort : Number(url.port);
      if (port < 1) return 'has port 0: the printer port is usually 9100';
      return { transport: 'tcp', host, port };
    }
    case 'file': {
      if (url.hostname) return `names a host (${url.hostname}): write file:///dev/usb/lp0 (three slashes)`;
      let file: string;
      try {
        file = fileURLToPath(url);
      } catch {
        return 'has a badly escaped path';
      }
      if (file === '/' || file.endsWith('/')) return 'names a folder, not a device: write file:///dev/usb/lp0';
      return { transport: 'device', path: file };
    }
    case 'cups':
    case 'cups-pdf': {
      const queue = url.hostname;
      if (!queue) return `has no queue name: write ${scheme}://QUEUE`;
      if (url.pathname !== '' && url.pathname !== '/') return `has a path (${url.pathname}): write ${scheme}://QUEUE only`;
      if (!queueName.test(queue)) {
        return `has a queue name CUPS tools cannot take safely (${queue}): use letters, digits, '_', '.' and '-'`;
      }
      return { transport: 'cups', queue, format: scheme === 'cups' ? 'raw' : 'pdf' };
    }
    case 'folder': {
      if (url.hostname) return `names a host (${url.hostname}): write folder:///absolute/path (three slashes)`;
      let folder: string;
      try {
        folder = decodeURIComponent(url.pathname);
      } catch {
        return 'has a badly escaped path (a % not followed by two hex digits)';
      }
      if (!path.isAbsolute(folder) || folder.includes('\0')) return 'needs an absolute path: folder:///path/to/dir';
      return { transport: 'folder', path: path.normalize(folder) };
    }
    default:
      return `has an unknown scheme "${scheme}:": expected ${examples}`;
  }
}

/** A printer URI, parsed into where its jobs go. Any kind of printer. */
const printerUriSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .transform((uri, ctx): PrinterTarget => {
    const target = parse(uri);
    if (typeof target !== 'string') return target;
    ctx.addIssue({ code: 'custom', message: target });
    return z.NEVER;
  });

/** Why a transport cannot serve this kind of printer, or null when it can. */
function kindMismatch(target: PrinterTarget, kind: PrinterKind): string | null {
  if (target.transport === 'folder') return null;
  if (kind === 'a4') {
    if (target.transport === 'cups' && target.format === 'pdf') return null;
    return 'is for receipt printers (it carries ESC/POS): an A4 printer takes cups-pdf://QUEUE or folder:///path';
  }
  if (target.transport === 'cups' && target.format === 'pdf') {
    return 'is for A4 printers (it carries a PDF): a receipt printer behind CUPS takes cups://QUEUE';
  }
  return null;
}

/** Parses a printer URI for this kind of printer; throws an `invalid_payload` AppError naming what is wrong. */
export function parsePrinterUri(uri: string, kind: PrinterKind): PrinterTarget {
  const result = printerUriSchema.safeParse(uri);
  const problem = result.success ? kindMismatch(result.data, kind) : (result.error.issues[0]?.message ?? 'is not valid');
  if (result.success && !problem) return result.data;
  const message = `${kind === 'a4' ? 'A4' : 'Receipt'} printer URI "${String(uri).trim()}" ${problem}`;
  throw new AppError('invalid_payload', `Invalid printer URI: ${message}`, [{ path: 'uri', message }]);
}

function refused(uri: string, kind: PrinterKind, problem: string): AppError {
  const message = `${kind === 'a4' ? 'A4' : 'Receipt'} printer URI "${String(uri).trim()}" ${problem}`;
  return new AppError('invalid_payload', `Printer address refused: ${message}`, [{ path: 'uri', message }]);
}

/**
 * Parses a printer URI and checks that this server may use it (names resolved, paths followed
 * through their links); throws an `invalid_payload` AppError on `uri` naming what is wrong.
 */
export async function checkPrinterAddress(uri: string, kind: PrinterKind, policy: PrinterAddressPolicy): Promise<PrinterTarget> {
  const target = parsePrinterUri(uri, kind);
  const problem = await targetRefusal(target, policy);
  if (problem) throw refused(uri, kind, problem);
  return target;
}

/**
 * The driver for a URI. What can be told from the address alone is checked here (it throws like
 * `checkPrinterAddress`); the rest (name resolution, links, the device's type) each time the driver
 * connects or opens.
 */
export function createDriver(
  uri: string,
  kind: PrinterKind,
  policy: PrinterAddressPolicy,
  options: DriverOptions = {}
): PrinterDriver {
  const target = parsePrinterUri(uri, kind);
  const problem = targetRefusalNow(target, policy);
  if (problem) throw refused(uri, kind, problem);
  const trimmed = uri.trim();
  switch (target.transport) {
    case 'tcp':
      return new TcpDriver(trimmed, kind, target.host, target.port, {
        ...options,
        resolve: (host, port) => resolveTcp(host, port, policy)
      });
    case 'device':
      return new DeviceDriver(trimmed, kind, target.path, options);
    case 'cups':
      return new CupsDriver(trimmed, kind, target.queue, target.format, options);
    case 'folder':
      // Already refused above when folder printers are off; told again for the type checker.
      if (policy.folderRoot === null) throw refused(uri, kind, 'is a folder: folder printers are off on this server');
      return new FolderDriver(trimmed, kind, target.path, policy.folderRoot);
  }
}
